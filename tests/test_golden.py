"""``annlab play`` of every bundled scenario, text and JSON, against the golden files in
``tests/golden/play`` byte for byte (the scheme: ``tests/golden/__init__.py``).

A failure shows a unified diff. If the change was meant, regenerate with
``python -m tests.golden`` and commit the reviewed ``git diff tests/golden``.
"""

from __future__ import annotations

import difflib
import json
import subprocess
import sys

import pytest

from tests.golden import (
    EXACT_LIMIT, FORMATS, PLAY, REGENERATE, TRANSLATED, all_golden_names, golden_files, play, scenario_names, skeleton,
    translated_file,
)

DIFF_LINES = 60  # enough to read what changed, short enough to read at all
CASES = [(name, output_format) for name in scenario_names() for output_format in FORMATS]


def _readable(content: bytes, file_name: str) -> list[str]:
    """Lines to diff: a one-line JSON document is spread one value per line first."""
    text = content.decode("utf-8", errors="replace")
    if file_name.endswith(".json"):
        try:
            text = json.dumps(json.loads(text), indent=1, ensure_ascii=False)
        except ValueError:
            pass
    return text.splitlines(keepends=True)


def _mismatch(file_name: str, expected: bytes, got: bytes) -> str:
    diff = list(difflib.unified_diff(
        _readable(expected, file_name), _readable(got, file_name),
        fromfile=f"golden/{file_name}", tofile="annlab play (now)", n=2,
    ))
    shown = "".join(diff[:DIFF_LINES])
    more = f"\n... {len(diff) - DIFF_LINES} more diff lines" if len(diff) > DIFF_LINES else ""
    return f"{file_name} differs from today's output:\n{shown}{more}\nIf this change is meant: {REGENERATE}"


@pytest.mark.parametrize("name, output_format", CASES, ids=[f"{n}-{f}" for n, f in CASES])
def test_play_output_matches_its_golden_file(name, output_format):
    output = play(name, output_format)
    for file_name, want in golden_files(name, output_format, output).items():
        path = PLAY / file_name
        assert path.exists(), f"no golden file {path.name}; run {REGENERATE}"
        stored = path.read_bytes()
        assert stored == want, _mismatch(file_name, stored, want)
    # What the golden test alone cannot say: the output is usable as well as unchanged.
    if output_format == "text":
        assert len(output.splitlines()) < 400  # short enough to project
        assert output.endswith(b"\n") and b"Traceback" not in output
    else:
        assert json.loads(output)["kind"] in {"training", "softmax-table", "activations", "losses"}


@pytest.mark.parametrize("lang", TRANSLATED)
@pytest.mark.parametrize("name", scenario_names())
def test_translated_narration_matches_its_golden_file(name, lang):
    """The narration in another language, byte for byte like the English (tests/golden/play/LANG/)."""
    output = play(name, "text", lang)
    path = translated_file(name, lang)
    assert path.exists(), f"no golden file {lang}/{path.name}; run {REGENERATE}"
    stored = path.read_bytes()
    assert stored == output, _mismatch(f"{lang}/{path.name}", stored, output)
    assert len(output.splitlines()) < 400 and output.endswith(b"\n") and b"Traceback" not in output


def test_no_stale_or_missing_golden_files():
    for lang in TRANSLATED:
        stored = {path.name for path in (PLAY / lang).iterdir()}
        assert stored == {f"{name}.txt" for name in scenario_names()}, f"{lang}: stale or missing golden narrations"
    stored = {path.name for path in PLAY.iterdir() if path.is_file()}
    assert stored <= all_golden_names(), f"golden files for no bundled scenario: {sorted(stored - all_golden_names())}"
    for name in scenario_names():
        assert f"{name}.txt" in stored
        assert (f"{name}.json" in stored) != (f"{name}.json.skeleton" in stored), name


@pytest.mark.parametrize("output_format", FORMATS)
def test_the_real_command_prints_the_golden_bytes(output_format):
    """The console entry in its own process, not main() in this one: same bytes, exit 0."""
    flags = ["--format", "json"] if output_format == "json" else []
    done = subprocess.run(
        [sys.executable, "-m", "annlab", "play", "feed-forward", *flags], capture_output=True, timeout=60,
    )
    assert done.returncode == 0 and done.stderr == b"", done.stderr
    file_name = "feed-forward.txt" if output_format == "text" else "feed-forward.json"
    assert done.stdout == (PLAY / file_name).read_bytes()


def test_a_changed_byte_in_a_large_json_changes_its_skeleton():
    """The hash line catches a change the outline does not show (a middle value), and the
    outline shows a change at the ends; the check is byte for byte either way."""
    document = {"runs": [{"losses": [float(k) for k in range(100)]} for _ in range(10)]}
    original = json.dumps(document).encode()
    middle = original.replace(b"50.0", b"50.5", 1)
    assert skeleton(original) != skeleton(middle)
    assert skeleton(original).splitlines()[1:] != skeleton(middle).splitlines()[1:]  # the sum moved too
    spaced = original.replace(b", ", b",  ", 1)  # only whitespace: same values, other bytes
    assert skeleton(original).splitlines()[1:] == skeleton(spaced).splitlines()[1:]
    assert skeleton(original).splitlines()[0] != skeleton(spaced).splitlines()[0]


def test_the_size_limit_decides_between_exact_bytes_and_skeleton():
    small, large = b'{"a": 1}\n', b'{"a": [' + b"1.0, " * EXACT_LIMIT + b"2.0]}\n"
    assert golden_files("x", "json", small) == {"x.json": small}
    (file_name, content), = golden_files("x", "json", large).items()
    assert file_name == "x.json.skeleton"
    assert b"$.a = numbers " in content and b"last 2.0" in content and len(content) < 200


def test_a_mismatch_is_shown_as_a_readable_diff():
    message = _mismatch("x.json", b'{"loss": 1.5, "epochs": 3}\n', b'{"loss": 1.25, "epochs": 3}\n')
    assert '- "loss": 1.5,' in message
    assert '+ "loss": 1.25,' in message and REGENERATE in message
