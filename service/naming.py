"""Validation and normalisation of names that come from users."""

from __future__ import annotations

import re
import unicodedata

from service.errors import BadRequest

_USER = re.compile(r"^[A-Za-z0-9@._+\-]{1,128}$")
_BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C)}
MAX_FILENAME_CHARS = 255


def normalize_filename(name: str) -> str:
    """A safe display name: NFC, last path component only, no control or bidi-override
    characters, at most 255 characters (keeping the extension). Never used in storage keys."""
    name = unicodedata.normalize("NFC", name)
    name = re.split(r"[\\/]", name)[-1]
    name = (
        "".join(ch for ch in name if ch not in _BIDI and unicodedata.category(ch)[0] != "C")
        .strip()
        .strip(".")
    )
    if len(name) > MAX_FILENAME_CHARS:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 16:
            name = stem[: MAX_FILENAME_CHARS - len(ext) - 1] + "." + ext
        else:
            name = name[:MAX_FILENAME_CHARS]
    return name or "untitled"


def validate_user_id(user_id: str) -> str:
    """User ids appear in storage keys: letters, digits and ``@._+-`` only, 1-128 long."""
    if not isinstance(user_id, str) or not _USER.match(user_id):
        raise BadRequest("user ids may use letters, digits and @._+- (at most 128 characters)")
    return user_id


# --- groups (issue 15: sharing) ---------------------------------------------------------------

GROUP = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
MAX_SHARE_GROUPS = 20  # groups one document may be shared with


def validate_group(name: str) -> str:
    """Group names reach registry keys and read filters: letters, digits and ``_.-``, 1-64."""
    if not isinstance(name, str) or not GROUP.match(name):
        raise BadRequest("group names may use letters, digits and _.- (at most 64 characters)")
    return name


def valid_groups(names: object) -> frozenset[str]:
    """The well-formed names among a token's groups; others grant nothing (fail-closed)."""
    if not isinstance(names, list | tuple | set | frozenset):
        return frozenset()
    return frozenset(n for n in names if isinstance(n, str) and GROUP.match(n))


def parse_local_groups(text: str) -> dict[str, frozenset[str]]:
    """``team-a:alice,bob;team-b:carol`` -> each user's groups; ``ValueError`` if malformed."""
    members: dict[str, set[str]] = {}
    for item in (part.strip() for part in text.split(";")):
        if not item:
            continue
        group, sep, users = item.partition(":")
        group = group.strip()
        if not sep or not GROUP.match(group):
            raise ValueError(f"expected group:user,user with a group name of {GROUP.pattern}")
        for user in (u.strip() for u in users.split(",")):
            if not user or not _USER.match(user):
                raise ValueError(f"invalid user id {user!r} in group {group!r}")
            members.setdefault(user, set()).add(group)
    return {user: frozenset(groups) for user, groups in members.items()}
