"""Clean installs of the Lambda lock, cached under ``.cache/lambda-target`` by lock hash.

* ``platform_target()``: ``requirements-lambda.lock`` installed for the image (CPython 3.12,
  x86_64 manylinux <= 2.28, wheels only, hashes required). It cannot run here (Python 3.11),
  but it proves the lock resolves to installable wheels for the image's platform.
* ``local_target()``: the same inputs (runtime dependencies + the ``aws`` extra, nothing else)
  locked and installed for this machine's Python 3.11, so the handlers can run from a clean
  directory: no package of the dev environment can hide a missing dependency.

uv does the installs: pip 23.2 (this venv's) checks ``Requires-Python`` against the running
interpreter instead of ``--python-version`` under ``--target`` and does not expand
``manylinux_2_28`` to older compatible tags, so it cannot do a cross-platform install.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LOCK = REPO / "requirements-lambda.lock"
CACHE = REPO / ".cache" / "lambda-target"
UV = Path(sys.executable).parent / "uv"
IMAGE_PYTHON = "3.12"
IMAGE_PLATFORM = "x86_64-manylinux_2_28"
MAX_GLIBC = (2, 28)


def _digest(*paths: Path) -> str:
    h = hashlib.sha256()
    for path in paths:
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def _uv(*args: str) -> None:
    subprocess.run([str(UV), *args], check=True, capture_output=True, text=True, timeout=900)


def _install(lock: Path, python: str, target: Path) -> Path:
    if target.is_dir():
        return target
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    _uv(
        "pip", "install", "--quiet", "--link-mode", "copy", "--target", str(partial),
        "--python-version", python, "--python-platform", IMAGE_PLATFORM,
        "--only-binary", ":all:", "--require-hashes", "-r", str(lock),
    )  # fmt: skip
    # Copies, not hard links into uv's cache: NLTK refuses to open multiply-linked files.
    partial.rename(target)  # only a complete install is ever reused
    return target


def platform_target() -> Path:
    """The lock installed for the image's Python and platform."""
    return _install(LOCK, IMAGE_PYTHON, CACHE / f"py312-{_digest(LOCK)}")


def compile_lock(python: str, output: Path, *, preferred: Path | None = None) -> Path:
    """Lock the image's inputs for ``python`` (``preferred``: keep its pins where possible)."""
    output.parent.mkdir(parents=True, exist_ok=True)
    if preferred is not None:
        shutil.copyfile(preferred, output)  # uv keeps the pins already in the output file
    _uv(
        "pip", "compile", "--quiet", "--generate-hashes", "--no-header",
        "--python-version", python, "--python-platform", IMAGE_PLATFORM,
        str(REPO / "pyproject.toml"), "--extra", "aws", "-o", str(output),
    )  # fmt: skip
    return output


def local_target() -> Path:
    """The image's inputs, locked and installed for this interpreter (3.11)."""
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    lock = CACHE / f"requirements-lambda-py{python}-{_digest(REPO / 'pyproject.toml', LOCK)}.lock"
    if not lock.is_file():
        compile_lock(python, lock.with_suffix(".partial"), preferred=LOCK).rename(lock)
    return _install(lock, python, CACHE / f"py{python.replace('.', '')}-{_digest(lock)}")


def pins(lock_text: str) -> dict[str, str]:
    """``{package: version}`` of a lock file."""
    out = {}
    for line in lock_text.splitlines():
        if "==" in line and not line.startswith((" ", "#")):
            name, _, version = line.split(" ")[0].partition("==")
            out[name.lower()] = version
    return out
