"""Writing exports (traces, screenshots) safely: atomically, and never over a file unasked."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from annlab.errors import ExportError


def write_atomically(path: Path, data: bytes, force: bool = False) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename, so
    a reader never sees half a file and a failure leaves any old file intact."""
    path = Path(path)
    if path.exists() and not force:
        raise ExportError(f"{path} exists; pass --force to overwrite it")
    if path.is_dir():
        raise ExportError(f"{path} is a folder; expected a file name")
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from None
