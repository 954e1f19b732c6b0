"""Exports (``annlab play --output``, and every other writer through ``write_atomically``):
written whole or not at all, never over an existing file without ``--force``, and a path that
cannot be written gets one clear line and exit 2 while any old file stays as it was."""

from __future__ import annotations

import contextlib
import errno
import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from annlab import cli, files
from annlab.errors import ExportError
from annlab.files import write_atomically

ROOT = Path(__file__).resolve().parent.parent
OLD = b"the learner's earlier trace, which must survive\n"


def _main(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = cli.main(list(argv))
    return rc, out.getvalue(), err.getvalue()


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_play_output_is_what_stdout_would_show(tmp_path: Path):
    target = tmp_path / "toy.txt"
    rc, out, err = _main("play", "toy-backprop", "--output", str(target))
    assert (rc, out, err) == (0, "", f"wrote {target}\n")
    _, shown, _ = _main("play", "toy-backprop")
    assert target.read_text("utf-8") == shown
    assert _leftovers(tmp_path) == []
    # An ordinary file, readable as the umask says (mkstemp alone would leave it 0600).
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~files._UMASK


def test_json_output_in_a_real_process(tmp_path: Path):
    target = tmp_path / "trace.json"
    result = subprocess.run(
        [sys.executable, "-m", "annlab", "play", "y3x-lr-1", "--format", "json", "-o", str(target)],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0 and result.stdout == ""
    trace = json.loads(target.read_text("utf-8"))
    assert [run["gradient"] for run in trace["runs"]] == ["finite-difference", "chain-rule"]
    # The same path again, without --force: refused in one line, the file untouched.
    before = target.read_bytes()
    again = subprocess.run(
        [sys.executable, "-m", "annlab", "play", "toy-backprop", "-o", str(target)],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert again.returncode == 2 and again.stdout == ""
    assert again.stderr == f"annlab: {target} exists; pass --force to overwrite it\n"
    assert target.read_bytes() == before


def test_never_overwrites_without_force_and_does_with_it(tmp_path: Path):
    target = tmp_path / "trace.txt"
    target.write_bytes(OLD)
    os.chmod(target, 0o640)
    rc, out, err = _main("play", "feed-forward", "--output", str(target))
    assert rc == 2 and out == ""
    assert err == f"annlab: {target} exists; pass --force to overwrite it\n"
    assert target.read_bytes() == OLD
    rc, _, _ = _main("play", "feed-forward", "--output", str(target), "--force")
    assert rc == 0
    assert target.read_text("utf-8").startswith("━━ Feed-forward walk-through")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640  # the replaced file's mode is kept
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize(
    "where, force, words",
    [
        ("missing-folder/trace.txt", False, "cannot write {p}: the folder {tmp}/missing-folder does not exist"),
        ("a-file/trace.txt", False, "cannot write {p}: the folder {tmp}/a-file is a file, not a folder"),
        ("a-folder", False, "{p} is a folder; expected a file name"),
        ("a-folder", True, "{p} is a folder; expected a file name"),
    ],
    ids=["missing-folder", "file-as-folder", "folder-as-path", "folder-as-path-forced"],
)
def test_paths_that_cannot_be_written_get_one_clear_line(tmp_path: Path, where: str, force: bool, words: str):
    (tmp_path / "a-file").write_bytes(OLD)
    (tmp_path / "a-folder").mkdir()
    target = tmp_path / where
    rc, out, err = _main("play", "toy-backprop", "--output", str(target), *(["--force"] if force else []))
    assert rc == 2 and out == ""
    assert err == "annlab: " + words.format(p=target, tmp=tmp_path) + "\n"
    assert (tmp_path / "a-file").read_bytes() == OLD
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "a-folder"]
    assert list((tmp_path / "a-folder").iterdir()) == []


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root may write into a read-only folder")
def test_a_read_only_folder_for_real(tmp_path: Path):
    folder = tmp_path / "read-only"
    folder.mkdir()
    (folder / "trace.txt").write_bytes(OLD)
    folder.chmod(0o500)
    try:
        rc, out, err = _main("play", "toy-backprop", "--output", str(folder / "trace.txt"), "--force")
        assert rc == 2 and err == f"annlab: cannot write {folder / 'trace.txt'}: Permission denied\n"
        assert (folder / "trace.txt").read_bytes() == OLD
    finally:
        folder.chmod(0o700)


def test_a_read_only_folder_simulated(tmp_path: Path, monkeypatch):
    """The same refusal wherever the tests run (root ignores a folder's permissions)."""
    target = tmp_path / "trace.txt"
    target.write_bytes(OLD)

    def refused(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(files.tempfile, "mkstemp", refused)
    rc, out, err = _main("play", "toy-backprop", "--output", str(target), "--force")
    assert (rc, out) == (2, "")
    assert err == f"annlab: cannot write {target}: Permission denied\n"
    assert target.read_bytes() == OLD


@pytest.mark.parametrize("fails", ["write", "rename"])
def test_a_write_that_fails_half_way_leaves_the_old_file_and_no_debris(tmp_path: Path, monkeypatch, fails: str):
    target = tmp_path / "trace.txt"
    target.write_bytes(OLD)
    disk_full = OSError(errno.ENOSPC, "No space left on device")
    if fails == "rename":
        monkeypatch.setattr(files.os, "replace", lambda *a: (_ for _ in ()).throw(disk_full))
    else:
        real_fdopen = os.fdopen

        class HalfWritten(io.BufferedWriter):
            def write(self, data):
                super().write(data[: len(data) // 2])
                self.flush()
                raise disk_full

        monkeypatch.setattr(files.os, "fdopen", lambda fd, mode: HalfWritten(real_fdopen(fd, "wb", buffering=0)))
    with pytest.raises(ExportError, match=rf"^cannot write {target}: No space left on device$"):
        write_atomically(target, b"x" * 100_000, force=True)
    assert target.read_bytes() == OLD
    assert _leftovers(tmp_path) == []


def test_a_reader_never_sees_half_a_file(tmp_path: Path, monkeypatch):
    """At the moment of the rename the target still holds the old bytes and the temporary
    file already holds all the new ones: the switch is one atomic os.replace."""
    target = tmp_path / "trace.txt"
    target.write_bytes(OLD)
    new = b"new trace\n" * 10_000
    seen = {}
    real_replace = os.replace

    def watching(src, dst):
        seen["target"] = Path(dst).read_bytes()
        seen["temporary"] = Path(src).read_bytes()
        seen["same folder"] = Path(src).parent == Path(dst).parent
        real_replace(src, dst)

    monkeypatch.setattr(files.os, "replace", watching)
    write_atomically(target, new, force=True)
    assert seen == {"target": OLD, "temporary": new, "same folder": True}
    assert target.read_bytes() == new


def test_a_failed_run_writes_nothing(tmp_path: Path):
    target = tmp_path / "trace.txt"
    bad = ROOT / "tests" / "bad_scenarios" / "nan-input.toml"
    rc, out, err = _main("play", str(bad), "--output", str(target))
    assert rc == 2 and len(err.splitlines()) == 1
    assert list(tmp_path.iterdir()) == []
