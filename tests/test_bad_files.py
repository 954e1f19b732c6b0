"""The bad-file corpus: every malformed scenario in ``tests/bad_scenarios`` is refused by both
``annlab play`` and ``annlab check`` with exit code 2 and exactly one line on stderr that names
the file, the key (or the line and column, for TOML syntax) and what was expected; never a
traceback.

Each file states what it expects on its first line::

    # expect: network.layers[0] | found 0; expected a layer size
    # expect: line 3:7 | invalid TOML      (syntax errors: FILE:LINE:COLUMN: invalid TOML: …)
    # expect: - | is a binary file         (errors about the file itself: no key)

Files whose bytes cannot carry a comment (empty, UTF-16, a folder) are listed in
``NO_ROOM_FOR_A_COMMENT`` below, or (the folder) in a README inside it.
"""

from __future__ import annotations

import contextlib
import io
import re
import subprocess
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

import pytest

from annlab.cli import main
from annlab.scenario.loader import load_scenario

CORPUS = Path(__file__).resolve().parent / "bad_scenarios"
ROOT = CORPUS.parent.parent

NO_ROOM_FOR_A_COMMENT = {
    "file-empty.toml": "- | is empty",
    "file-whitespace-only.toml": "- | is empty",
    "file-utf16.toml": "- | is UTF-16 text; expected UTF-8",
}

_EXPECT = re.compile(rb"# ?expect: *([^\r\n]+)")


@dataclass(frozen=True)
class Expectation:
    path: Path
    key: str | None  # None: an error about the file itself
    line: int | None  # a TOML syntax error's line
    column: int | None  # and its column
    words: str

    @property
    def name(self) -> str:
        return str(self.path.relative_to(ROOT))

    def problems(self, message: str) -> list[str]:
        """What is wrong with the one line annlab printed (an empty list: nothing)."""
        found = []
        prefix = re.escape(self.name) + r"(?::(\d+)(?::(\d+))?)?: "
        start = re.match(prefix, message)
        if not start:
            return [f"does not start with the file name {self.name!r}"]
        rest = message[start.end() :]
        if self.line is not None and start.group(1) != str(self.line):
            found.append(f"names line {start.group(1)}, expected line {self.line}")
        if self.column is not None and start.group(2) != str(self.column):
            found.append(f"names column {start.group(2)}, expected column {self.column}")
        if self.key is not None and not rest.startswith(f"{self.key}: "):
            found.append(f"does not name the key {self.key!r} right after the file")
        if self.words not in rest:
            found.append(f"does not say {self.words!r}")
        return found


def _expectation(path: Path) -> Expectation:
    if path.is_dir():
        raw = (path / "README").read_text("utf-8").split("expect:", 1)[1].splitlines()[0]
    elif path.name in NO_ROOM_FOR_A_COMMENT:
        raw = NO_ROOM_FOR_A_COMMENT[path.name]
    else:
        match = _EXPECT.search(path.read_bytes()[:400])
        assert match, f"{path.name}: no '# expect: KEY | WORDS' line"
        raw = match.group(1).decode("utf-8")
    where, words = (part.strip() for part in raw.split("|", 1))
    line = re.fullmatch(r"line (\d+)(?::(\d+))?", where)
    key = None if where == "-" or line else where
    column = line.group(2) if line else None
    return Expectation(path, key, int(line.group(1)) if line else None, int(column) if column else None, words)


CASES = sorted((_expectation(p) for p in CORPUS.iterdir()), key=lambda e: e.path.name)
IDS = [e.path.stem for e in CASES]


def _annlab(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "annlab", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )


def _assert_refused(case: Expectation, rc: int, stderr: str, stdout: str = "") -> None:
    assert "Traceback" not in stderr, stderr
    lines = stderr.splitlines()
    assert rc == 2, f"{case.name}: exit {rc}, stderr {stderr!r}"
    assert len(lines) == 1, f"{case.name}: {len(lines)} lines on stderr: {stderr!r}"
    assert not case.problems(lines[0]), f"{lines[0]!r}: {case.problems(lines[0])}"
    assert stdout == ""


def test_the_corpus_is_large_and_covers_every_kind_of_mistake():
    assert len(CASES) >= 40
    stems = " ".join(IDS)
    for family in ("syntax-", "type-", "shape-", "unknown-key-", "unknown-activation", "unknown-loss",
                   "unknown-gradient", "size-", "nan-", "inf-", "file-empty", "file-binary",
                   "file-not-utf8", "file-folder", "table-row-sum", "table-negative", "table-unknown-target",
                   "kind-", "range-", "loss-bce-", "loss-cce-", "target-bce-", "target-cce-", "syntax-unclosed-at-end"):
        assert family in stems, f"no {family}* file in the corpus"
    # A TOML syntax error is found by line and column, as in an editor's status bar.
    for case in CASES:
        if case.path.stem.startswith("syntax-"):
            assert case.line is not None and case.column is not None, f"{case.name}: expect 'line L:C'"


@pytest.fixture(scope="module")
def check_all() -> dict[str, str]:
    """`annlab check` on the whole corpus in one process: one stderr line per file, in order."""
    result = _annlab("check", *(c.name for c in CASES))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stdout == "", f"a bad file passed the check: {result.stdout!r}"
    lines = result.stderr.splitlines()
    assert len(lines) == len(CASES), "expected exactly one line per bad file"
    return {case.name: line for case, line in zip(CASES, lines)}


@dataclass(frozen=True)
class Played:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture(scope="module")
def play_each() -> dict[str, Played]:
    """`annlab play FILE` for every file, through the same ``main`` the console entry calls, in
    this process: a fresh interpreter per file cost over a hundred process starts and ~30 s; what a
    process adds (the entry point, exit codes) is checked by `check_all` and the tests below
    that do start one. Anything main() lets escape is recorded as a traceback."""
    played = {}
    with contextlib.chdir(ROOT):  # names relative to the repository, as `_annlab` runs them
        for case in CASES:
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    code = main(["play", case.name])
                except SystemExit as exc:
                    code = exc.code if isinstance(exc.code, int) else 1
                except Exception:  # a traceback is what the tests must catch
                    traceback.print_exc()
                    code = 1
            played[case.name] = Played(code, out.getvalue(), err.getvalue())
    return played


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_check_refuses_with_one_clear_line(case: Expectation, check_all: dict[str, str]):
    line = check_all[case.name]
    assert not case.problems(line), f"{line!r}: {case.problems(line)}"


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_play_refuses_with_one_clear_line(case: Expectation, play_each):
    result = play_each[case.name]
    _assert_refused(case, result.returncode, result.stderr, result.stdout)


def test_check_still_reports_the_good_files_among_the_bad(tmp_path: Path):
    good = ROOT / "scenarios" / "toy-backprop.toml"
    bad = CASES[0]
    result = _annlab("check", str(good), bad.name)
    assert result.returncode == 2
    assert result.stdout.startswith(f"{good}: ok")
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith(bad.name)


def test_a_file_saved_with_a_byte_order_mark_loads(tmp_path: Path):
    # Windows editors may start UTF-8 files with a BOM; TOML's parser alone reads it as an
    # "invalid statement" on line 1, which tells a learner nothing. annlab reads past it.
    text = (ROOT / "scenarios" / "toy-backprop.toml").read_text("utf-8")
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert load_scenario(path).title == load_scenario(ROOT / "scenarios" / "toy-backprop.toml").title


def test_a_missing_file_is_one_line_too(tmp_path: Path):
    missing = tmp_path / "nowhere" / "missing.toml"
    for command in ("play", "check"):
        result = _annlab(command, str(missing))
        assert result.returncode == 2
        assert result.stderr == f"{missing}: no such file\n"
