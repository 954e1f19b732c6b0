"""Writing exports (traces, screenshots) safely: atomically, and never over a file unasked."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from annlab.errors import ExportError
from annlab.language import _


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
            raise ExportError(_("{path} is a folder; expected a file name").format(path=path))
        if path.exists() and not force:
            raise ExportError(_("{path} exists; pass {flag} to overwrite it").format(path=path, flag="--force"))
        if not folder.is_dir():
            if folder.exists():
                raise ExportError(_("cannot write {path}: the folder {folder} is a file, not a folder").format(path=path, folder=folder))
            raise ExportError(_("cannot write {path}: the folder {folder} does not exist").format(path=path, folder=folder))
    except OSError as exc:  # e.g. a folder on the way that we may not look into
        raise ExportError(_cannot_write(path, exc)) from None


def write_atomically(path: Path, data: bytes, force: bool = False) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename, so
    a reader never sees half a file and a failure leaves any old file intact."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    check_writable(path, force)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise ExportError(_cannot_write(path, exc)) from None
    try:
        # mkstemp makes the file private (0600); an export is an ordinary file, readable as the
        # user's umask says, or with the mode of the file it replaces.
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~_UMASK)
            handle.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ExportError(_cannot_write(path, exc)) from None


def _cannot_write(path: Path, exc: OSError) -> str:
    # The system's reason (strerror) is the C library's words, in English: shown as it is.
    return _("cannot write {path}: {reason}").format(path=path, reason=exc.strerror or exc)
