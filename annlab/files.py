"""Writing exports (traces, screenshots) safely: atomically, and never over a file unasked."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from annlab.errors import ExportError


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# Read once, at import (before any worker thread): os.umask can only be read by setting it.
_UMASK = _umask()


def check_writable(path: Path, force: bool = False) -> None:
    """Raise ExportError now if ``write_atomically(path, ..., force)`` would refuse the path
    (a folder, an existing file without force, a missing folder), before work is done for it."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    try:
        # A folder first: "pass --force" would be bad advice for it.
        if path.is_dir():
            raise ExportError(f"{path} is a folder; expected a file name")
        if path.exists() and not force:
            raise ExportError(f"{path} exists; pass --force to overwrite it")
        if not folder.is_dir():
            what = "is a file, not a folder" if folder.exists() else "does not exist"
            raise ExportError(f"cannot write {path}: the folder {folder} {what}")
    except OSError as exc:  # e.g. a folder on the way that we may not look into
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from None


def write_atomically(path: Path, data: bytes, force: bool = False) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename, so
    a reader never sees half a file and a failure leaves any old file intact."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    check_writable(path, force)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        # mkstemp makes the file private (0600); an export is an ordinary file, readable as the
        # user's umask says, or with the mode of the file it replaces.
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~_UMASK)
            handle.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from None
