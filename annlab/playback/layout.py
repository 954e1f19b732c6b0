"""Plain text laid out in terminal cells, not characters: a Chinese character takes two cells,
so padding and wrapping by ``len`` would push every column after it out of line.

``cells`` measures with ``wcwidth`` (what terminals do); ``pad`` aligns a cell of a table;
``wrap`` fills a paragraph. For text of one-cell characters each gives exactly what ``len``,
``str.format`` and ``textwrap`` give, so English output is unchanged.
"""

from __future__ import annotations

import textwrap

from wcwidth import wcswidth


def cells(text: str) -> int:
    """The terminal cells ``text`` takes (its length where wcwidth cannot tell)."""
    width = wcswidth(text)
    return len(text) if width < 0 else width


def pad(text: str, width: int, align: str = ">") -> str:
    """``text`` filled with spaces to ``width`` cells: ``>`` right, ``<`` left (as ``format``)."""
    fill = " " * max(0, width - cells(text))
    return fill + text if align == ">" else text + fill


# Chinese may break between any two characters, except before closing punctuation or after
# opening punctuation (a line never starts with "，" or ends with "（").
_NO_LINE_START = set("，。、；：？！）》」』”’…%")
_NO_LINE_END = set("（《「『“‘")


def _pieces(text: str) -> list[str]:
    """Spaces, single wide characters, and words of one-cell characters (kept whole)."""
    pieces: list[str] = []
    word = ""
    for ch in text:
        if ch == " " or cells(ch) > 1:
            if word:
                pieces.append(word)
            pieces.append(ch)
            word = ""
        else:
            word += ch
    if word:
        pieces.append(word)
    return pieces


def wrap(text: str, width: int, indent: str = "") -> list[str]:
    """``text`` (its whitespace collapsed) in lines of at most ``width`` cells, each starting
    with ``indent``. Text without wide characters goes through ``textwrap`` (English breaks
    at spaces and hyphens, exactly as before); text with them also breaks between them."""
    text = " ".join(text.split())
    if not any(cells(ch) > 1 for ch in text):
        return textwrap.wrap(text, width, initial_indent=indent, subsequent_indent=indent)
    lines: list[str] = []
    line: list[str] = []  # the pieces of the line being filled
    for piece in _pieces(text):
        if piece == " " and not line:
            continue
        line.append(piece)
        if cells(indent + "".join(line).rstrip()) <= width or len(line) == 1:
            continue
        # Too long: break before this piece, or before the one it must not be parted from.
        keep = len(line) - 1
        while keep > 1 and (line[keep][0] in _NO_LINE_START or line[keep - 1][-1] in _NO_LINE_END):
            keep -= 1
        lines.append(indent + "".join(line[:keep]).rstrip())
        line = line[keep:]
        while line and line[0] == " ":
            line.pop(0)
    if line:
        lines.append(indent + "".join(line).rstrip())
    return lines
