"""Golden outputs of ``annlab play``: what every bundled scenario prints, frozen byte for byte.

For each bundled scenario NAME, ``tests/golden/play/`` holds

- ``NAME.txt``: ``annlab play NAME``, exactly (the narration a learner reads);
- ``NAME.json``: ``annlab play NAME --format json``, exactly, when it is at most
  ``EXACT_LIMIT`` bytes;
- ``zh/NAME.txt``: ``annlab play NAME --lang zh``, exactly (the narration in Chinese; the JSON
  in Chinese differs from the English only in its ``text`` fields, which tests/test_play_chinese.py
  checks, so it has no golden file);
- ``NAME.json.skeleton`` instead, for a larger JSON (the spiral's is 18 MB): the SHA-256 and
  size of the exact bytes on its first line, then a readable, deterministic outline (every key,
  array shapes, first and last records, first/last/sum of every number array). The check is
  still byte for byte (the hash), and a deliberate change still shows a reviewable diff (the
  outline), without committing megabytes that change with every redesign.

Why a limit at all: the JSON is one line, so a diff of a large stored file is one unreadable
line, and every regeneration would add megabytes to the history. 256 KiB keeps the small
scenarios' traces whole (the toy network's 100 epochs, the finite-difference comparison) and
outlines the long runs (xor, the y3x runs, the sweep, the spiral).

Regenerate after a deliberate change with ``python -m tests.golden`` (from the repository
root), then review ``git diff tests/golden``. The outputs are made in-process through
``annlab.cli.main`` (as fast as it gets); ``tests/test_golden.py`` also runs the real command
in a subprocess and holds it to the same bytes.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import math
from pathlib import Path

from annlab import language
from annlab.cli import main
from annlab.scenario.bundled import bundled_scenarios

PLAY = Path(__file__).resolve().parent / "play"
EXACT_LIMIT = 256 * 1024
FORMATS = ("text", "json")
# Languages other than English with golden narrations, each in its own folder of PLAY.
TRANSLATED = ("zh",)
REGENERATE = "python -m tests.golden"


def scenario_names() -> list[str]:
    return [entry.name for entry in bundled_scenarios()]


def play(name: str, output_format: str, lang: str = "en") -> bytes:
    """``annlab play NAME [--format json] --lang LANG``'s stdout, as the bytes a terminal would
    receive. The language is asked for explicitly (not left to the locale variables) and the
    process's language is restored afterwards (main() sets it for the whole process)."""
    args = ["play", name] + (["--format", "json"] if output_format == "json" else []) + ["--lang", lang]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), language.speaking(language.current()):
        code = main(args)
    if code != 0:
        raise RuntimeError(f"annlab {' '.join(args)} exited {code}: {err.getvalue().strip()}")
    return out.getvalue().encode("utf-8")


def golden_files(name: str, output_format: str, output: bytes) -> dict[str, bytes]:
    """The file name(s) and contents that freeze ``output`` (see the module's docstring)."""
    if output_format == "text":
        return {f"{name}.txt": output}
    if len(output) <= EXACT_LIMIT:
        return {f"{name}.json": output}
    return {f"{name}.json.skeleton": skeleton(output).encode("utf-8")}


def translated_file(name: str, lang: str) -> Path:
    """The golden narration of scenario ``name`` in ``lang``."""
    return PLAY / lang / f"{name}.txt"


def all_golden_names() -> set[str]:
    """Every file name the goldens of today's bundled scenarios use (for spotting stale files)."""
    names = set()
    for name in scenario_names():
        names.add(f"{name}.txt")
        names.update({f"{name}.json", f"{name}.json.skeleton"})
    return names


# --- the outline of a large JSON -----------------------------------------------------------


def skeleton(output: bytes) -> str:
    """A deterministic outline of a JSON document, headed by the exact bytes' hash and size."""
    lines = [f"sha256 {hashlib.sha256(output).hexdigest()}  bytes {len(output):,}"]
    _outline(json.loads(output), "$", lines)
    return "\n".join(lines) + "\n"


def _outline(value, path: str, lines: list[str]) -> None:
    if isinstance(value, dict):
        if not value:
            lines.append(f"{path} = {{}}")
        for key, item in value.items():
            _outline(item, f"{path}.{key}", lines)
        return
    if not isinstance(value, list):
        lines.append(f"{path} = {json.dumps(value, ensure_ascii=False)}")
        return
    shape = _numeric_shape(value)
    if shape is not None and len(value) > 0:
        numbers = list(_flatten(value))
        dims = "×".join(str(n) for n in shape)
        lines.append(f"{path} = numbers {dims}: first {numbers[0]!r}, last {numbers[-1]!r}, {_total(numbers)}")
        return
    if len(value) <= 4:
        if not value:
            lines.append(f"{path} = []")
        for index, item in enumerate(value):
            _outline(item, f"{path}[{index}]", lines)
        return
    # A long list of records: its length, then the first and the last in full outline.
    lines.append(f"{path} = list of {len(value):,}")
    _outline(value[0], f"{path}[0]", lines)
    _outline(value[-1], f"{path}[-1]", lines)


def _numeric_shape(value) -> tuple[int, ...] | None:
    """The shape of a regular (non-ragged) nested list of numbers or nulls, else None."""
    if not isinstance(value, list):
        return () if _is_number(value) else None
    if not value:
        return (0,)
    inner = {_numeric_shape(item) for item in value}
    if len(inner) != 1 or None in inner:
        return None
    return (len(value), *inner.pop())


def _is_number(value) -> bool:
    return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))


def _flatten(value):
    if isinstance(value, list):
        for item in value:
            yield from _flatten(item)
    else:
        yield value


def _total(numbers: list) -> str:
    """The exact sum of the finite numbers (math.fsum: independent of order), and what is not."""
    finite = [float(x) for x in numbers if x is not None and math.isfinite(x)]
    others = len(numbers) - len(finite)
    return f"sum {math.fsum(finite)!r}" + (f", {others} null or non-finite" if others else "")
