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
