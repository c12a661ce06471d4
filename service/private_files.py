"""Local mode's data stays private to the account running the service."""

from __future__ import annotations

import os
from pathlib import Path


def make_private(data_dir: Path) -> None:
    """Create ``data_dir`` (or tighten it) to 0700, and make every file and directory this
    process creates from now on owner-only (umask 077).

    The umask is process-wide on purpose: SQLite, the blob store and LanceDB (native code)
    all create files, and a umask is the one setting they all honour. Local mode only.
    """
    os.umask(0o077)
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    data_dir.chmod(0o700)
