"""argparse's own words ("usage:", "options:", "the following arguments are required: …") in
the interface language, and help text wrapped by terminal cells.

argparse asks the gettext module for its words itself (``gettext.gettext``: the process's text
domain, in the language the gettext module finds in ``LANGUAGE``, ``LC_ALL``, …), as Python's
argparse how-to ("How to translate the argparse output") describes. ``speaking_to_argparse``
makes annlab's catalogue that domain and annlab's language (chosen from ``--lang``,
``ANNLAB_LANG`` or the locale) the one in ``LANGUAGE``, the first variable gettext reads, for as
long as a command runs. The messages are marked below so that Babel extracts them into
annlab's catalogue; they are argparse's own text (Python 3.11), and a test checks each against
the running argparse.

Chinese characters take two terminal cells, and argparse wraps help text by characters: the
``HelpFormatter`` here wraps text with wide characters by cells (English is argparse's own).
"""

from __future__ import annotations

import argparse
import gettext
import os
import re
from contextlib import contextmanager
from typing import Iterator

from wcwidth import wcswidth

from annlab import language
from annlab.language import N_

# The argparse messages a user of annlab's commands can meet (argparse's programming errors,
# such as "conflicting option string", are left to argparse's English).
MESSAGES = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("the following arguments are required: %s"),
    N_("unrecognized arguments: %s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("invalid %(type)s value: %(value)r"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("not allowed with argument %s"),
    N_("ignored explicit argument %r"),
    N_("one of the arguments %s is required"),
    N_("unexpected option string: %s"),
    N_("can't open '%(filename)s': %(error)s"),
)


@contextmanager
def speaking_to_argparse(lang: str) -> Iterator[None]:
    """argparse's words in ``lang`` inside the block; the gettext module as it was after it."""
    domain = gettext.textdomain()
    before = os.environ.get("LANGUAGE")
    gettext.bindtextdomain(language.DOMAIN, str(language.LOCALE_DIR))
    gettext.textdomain(language.DOMAIN)
    os.environ["LANGUAGE"] = lang
    try:
        yield
    finally:
        gettext.textdomain(domain)
        if before is None:
            os.environ.pop("LANGUAGE", None)
        else:
            os.environ["LANGUAGE"] = before


def _cells(text: str) -> int:
    return max(wcswidth(text), len(text))


def _is_wide(text: str) -> bool:
    return _cells(text) > len(text)


# A wrapped line may break between two wide characters or at a space; a run of narrow
# characters (a word, a key, a number) is never split. Closing punctuation stays on its line.
_TOKENS = re.compile(r"\s+|[\x21-\x7e]+|.")
_NO_LINE_START = set("，。、；：？！）》」』")


def wrap_cells(text: str, width: int) -> list[str]:
    """``text``'s words in lines of at most ``width`` terminal cells (whitespace collapsed)."""
    lines: list[str] = []
    line = ""
    for token in _TOKENS.findall(" ".join(text.split())):
        if token.isspace():
            if line:
                line += " "
            continue
        if line and _cells(line.rstrip() + token) > width and token not in _NO_LINE_START:
            lines.append(line.rstrip())
            line = ""
        line += token
    if line.strip():
        lines.append(line.rstrip())
    return lines


class HelpFormatter(argparse.HelpFormatter):
    """argparse's help layout; text with wide (Chinese) characters is wrapped by cells."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        if not _is_wide(text):
            return super()._split_lines(text, width)
        return wrap_cells(text, width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if not _is_wide(text):
            return super()._fill_text(text, width, indent)
        return "\n".join(indent + line for line in wrap_cells(text, width - len(indent)))

    def _format_usage(self, usage, actions, groups, prefix) -> str:  # type: ignore[override]
        # argparse indents the usage's continuation lines by the prefix's length in characters:
        # "用法：" is 3 characters but 6 cells, so they move right by the difference.
        text = super()._format_usage(usage, actions, groups, prefix)
        shown = gettext.gettext("usage: ") if prefix is None else prefix
        extra = _cells(shown) - len(shown)
        if extra <= 0:
            return text
        head, *rest = text.split("\n")
        return "\n".join([head] + [" " * extra + line if line.startswith(" ") else line for line in rest])
