"""A person's Cognito groups, read from the user pool on every question (issue 15).

The groups in an access token are those of when it was issued (up to an hour old, and a
WebSocket keeps the token it connected with for up to two hours), so the chat worker asks the
pool itself: someone removed from a group loses what was shared with it on their next question.
One ``AdminListGroupsForUser`` call per question (tens of ms; the pool's "UserRead" quota
applies). A failed call grants no group (fail-closed) and is logged.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from service.naming import valid_groups

log = logging.getLogger(__name__)


class CognitoGroups:
    """Group names of a user of one pool; ``client`` is a boto3 ``cognito-idp`` client."""

    def __init__(self, user_pool_id: str, client: Any) -> None:
        self._pool = user_pool_id
        self._client = client
        self._enabled: dict[str, tuple[float, bool]] = {}  # username -> (checked at, enabled)

    def enabled(self, username: str, *, max_age_s: float) -> bool:
        """Whether the user may still use the service (not disabled by an administrator),
        asked at most every ``max_age_s``. The connection's token was checked when it opened,
        so while the pool cannot be reached the last answer stands (at first: enabled)."""
        from botocore.exceptions import BotoCoreError, ClientError

        now = time.monotonic()
        checked = self._enabled.get(username)
        if checked is not None and now - checked[0] < max_age_s:
            return checked[1]
        try:
            user = self._client.admin_get_user(UserPoolId=self._pool, Username=username)
        except self._client.exceptions.UserNotFoundException:
            answer = False  # deleted from the pool
        except (BotoCoreError, ClientError) as exc:
            log.warning("user check failed: %s; the last answer stands", exc)
            return checked[1] if checked else True
        else:
            answer = bool(user.get("Enabled", True))
        if len(self._enabled) > 10_000:  # a warm worker's memory stays bounded
            self._enabled.clear()
        self._enabled[username] = (now, answer)
        return answer

    def groups_of(self, username: str) -> frozenset[str]:
        """The user's (well-formed) group names now; none if the lookup fails."""
        from botocore.exceptions import BotoCoreError, ClientError

        names: list[str] = []
        request: dict[str, Any] = {"UserPoolId": self._pool, "Username": username, "Limit": 60}
        try:
            while True:
                out = self._client.admin_list_groups_for_user(**request)
                names += [g["GroupName"] for g in out.get("Groups", [])]
                if not out.get("NextToken"):
                    return valid_groups(names)
                request["NextToken"] = out["NextToken"]
        except (BotoCoreError, ClientError) as exc:
            log.warning("group lookup failed: %s; answering from own documents only", exc)
            return frozenset()
