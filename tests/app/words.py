"""The words a learner reads on a screen, from its widgets (not from pixels): every Static's
content, border titles, labels, buttons, fields, table headers and cells, list options and the
footer's keys, as plain text."""

from __future__ import annotations

import io

from rich.console import Console
from rich.text import Text
from textual.content import Content
from textual.widgets import Button, DataTable, Input, OptionList, Select, Static
from textual.widgets._footer import FooterKey


def plain(content, width: int = 200) -> str:
    """A Static's content (markup string, Content or Rich renderable) as plain text."""
    if isinstance(content, str):
        return Content.from_markup(content).plain
    if isinstance(content, (Content, Text)):
        return content.plain
    console = Console(width=width, record=True, color_system=None, file=io.StringIO())
    console.print(content)
    return console.export_text()


def screen_texts(screen, skip=()) -> list[str]:
    """Each text on ``screen``; widgets of the types in ``skip`` (and their children) are left out."""
    texts: list[str] = []
    skipped = [w for w in screen.walk_children() if isinstance(w, tuple(skip))] if skip else []
    for widget in screen.walk_children():
        if any(widget is s or s in widget.ancestors for s in skipped):
            continue
        for title in (widget.border_title, widget.border_subtitle):
            if title:
                texts.append(plain(str(title)))
        if isinstance(widget, FooterKey):
            texts.append(widget.description)
        elif isinstance(widget, Button):
            texts.append(plain(widget.label))
        elif isinstance(widget, Input):
            texts.extend(t for t in (widget.value, widget.placeholder) if t)
        elif isinstance(widget, Select):
            texts.extend(plain(prompt) for prompt, _value in widget._options)
        elif isinstance(widget, DataTable):
            texts.extend(plain(c.label) for c in widget.columns.values())
            for row in range(widget.row_count):
                texts.extend(plain(cell) if not isinstance(cell, str) else cell for cell in widget.get_row_at(row))
        elif isinstance(widget, OptionList):
            texts.extend(plain(widget.get_option_at_index(k).prompt) for k in range(widget.option_count))
        elif isinstance(widget, Static):
            texts.append(plain(widget.content))
        if widget.tooltip:
            texts.append(plain(widget.tooltip))
    return [t for t in texts if t.strip()]
