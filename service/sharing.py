"""Sharing documents read-only with groups (DESIGN.md "Sharing"; issue 15).

An owner (or an administrator) sets the groups a document is shared with; a person reads what
they own plus what is shared with any of their groups. The registry answers "which documents are
shared with these groups" on every question (one indexed lookup per group), and
``service.filters.readable`` turns that into the one read filter, so unsharing, deleting and
leaving a group all take effect on the next question. Only owners and administrators share,
delete or re-index: ``DocumentService`` enforces that.
"""

from __future__ import annotations

import logging
from collections.abc import Collection

from service.adapters.sqlite_registry import decode_cursor, encode_cursor
from service.errors import BadRequest
from service.models import Document, DocumentPage
from service.naming import MAX_SHARE_GROUPS, validate_group
from service.ports import Principal, Registry

log = logging.getLogger(__name__)

# A reader's filter lists the shared document ids; past this many, the newest-id-first rest is
# left out (fail-closed: less is readable, never more) and a warning is logged.
MAX_READABLE_SHARED = 5000


def clean_groups(groups: Collection[str]) -> list[str]:
    """Validated, distinct, sorted group names; ``BadRequest`` past ``MAX_SHARE_GROUPS``."""
    names = sorted({validate_group(g) for g in groups})
    if len(names) > MAX_SHARE_GROUPS:
        raise BadRequest(f"a document can be shared with at most {MAX_SHARE_GROUPS} groups")
    return names


def may_read(who: Principal, doc: Document) -> bool:
    """Whether ``who`` may read ``doc``: theirs, an administrator, or shared with their group."""
    return who.is_admin or doc.owner == who.user_id or not who.groups.isdisjoint(doc.shared_with)


def shared_doc_ids(registry: Registry, groups: Collection[str]) -> list[str]:
    """Ids of the documents shared with any of ``groups`` (what chat adds to a reader's own)."""
    if not groups:
        return []
    ids = list(registry.shared_with_any(groups))
    if len(ids) > MAX_READABLE_SHARED:
        log.warning(
            "%d documents shared with one reader; reading %d", len(ids), MAX_READABLE_SHARED
        )
        ids = ids[:MAX_READABLE_SHARED]
    return ids


def list_shared(
    registry: Registry, who: Principal, *, cursor: str | None, limit: int
) -> DocumentPage:
    """Documents others shared with ``who``'s groups, newest first, ``limit`` per page."""
    docs = []
    for doc_id in shared_doc_ids(registry, who.groups):
        doc = registry.get(doc_id)
        if doc is not None and doc.owner != who.user_id and may_read(who, doc):
            docs.append(doc)
    docs.sort(key=lambda d: (d.created_at.isoformat(), d.doc_id), reverse=True)
    if cursor:
        after = decode_cursor(cursor)
        docs = [d for d in docs if (d.created_at.isoformat(), d.doc_id) < after]
    page = docs[:limit]
    more = len(docs) > limit
    last = page[-1] if more else None
    next_cursor = encode_cursor(last.created_at.isoformat(), last.doc_id) if last else None
    return DocumentPage(items=page, next_cursor=next_cursor)
