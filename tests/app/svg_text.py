"""A Textual SVG screenshot as the text a learner reads (for tests and for reviewing snapshots):

    python -m tests.app.svg_text tests/app/__snapshots__/test_snapshots/test_screen[help-80x24].svg
"""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

from rich.cells import cell_len

CELL = 12.2  # the width of one terminal cell in Textual's SVG export
# Textual's SVG export: one <text> per run of same-styled characters, at x = column × cell width.
_TEXT = re.compile(r'<text class="[^"]*" x="([\d.]+)" y="([\d.]+)" textLength="([\d.]+)"[^>]*>(.*?)</text>')


def svg_text(svg: str) -> str:
    rows: dict[float, list[tuple[float, str]]] = {}
    for x, y, _length, text in _TEXT.findall(svg):
        rows.setdefault(float(y), []).append((float(x), html.unescape(text).replace("\xa0", " ")))
    lines = []
    for y in sorted(rows):
        line = ""
        for x, text in sorted(rows[y]):
            # Padded in terminal cells: a Chinese character takes two.
            line += " " * max(0, int(round(x / CELL)) - cell_len(line)) + text
        lines.append(line.rstrip())
    return "\n".join(lines)


if __name__ == "__main__":
    for name in sys.argv[1:]:
        print(svg_text(Path(name).read_text()))
