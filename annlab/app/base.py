"""What every annlab screen shares: the scenario it shows and the "too small" message."""

from __future__ import annotations

import asyncio

from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from annlab.scenario.model import Scenario

MIN_WIDTH, MIN_HEIGHT = 60, 20

# Screens get a class per size band; the stylesheet hides everything but the message below
# MIN_WIDTH × MIN_HEIGHT, so a tiny terminal never shows a garbled layout.
HORIZONTAL = [(0, "-too-narrow"), (MIN_WIDTH, "-narrow"), (110, "-wide")]
TALL = 36
VERTICAL = [(0, "-too-short"), (MIN_HEIGHT, "-short"), (TALL, "-tall")]


class TooSmall(Static):
    def __init__(self) -> None:
        super().__init__(
            f"Make the window larger:\nannlab needs at least {MIN_WIDTH}×{MIN_HEIGHT} characters.",
            id="too-small",
        )


class TitleBar(Static):
    """The scenario's title. (Textual's Header races with fast screen switches in 8.2.8:
    its title watcher can run after its children are gone, which the monkey test found.)"""

    def __init__(self, title: str) -> None:
        super().__init__(title, id="title-bar", markup=False)


class LabScreen(Screen):
    HORIZONTAL_BREAKPOINTS = HORIZONTAL
    VERTICAL_BREAKPOINTS = VERTICAL

    def __init__(self, scenario: Scenario):
        super().__init__()
        self.scenario = scenario

    def compose_title(self) -> ComposeResult:
        yield TitleBar(self.scenario.title)

    def compose_small(self) -> ComposeResult:
        yield TooSmall()


class LabModal(ModalScreen):
    HORIZONTAL_BREAKPOINTS = HORIZONTAL
    VERTICAL_BREAKPOINTS = VERTICAL

    def on_mount(self) -> None:
        # Below 36 rows a form's inputs, selects and buttons lose their borders (one row each
        # instead of three), so that a dialog's buttons fit on an 80×24 screen.
        if self.app.size.height < TALL:
            for widget in self.query("Input, Select, Button"):
                widget.compact = True  # type: ignore[attr-defined]

    def dismiss(self, result=None) -> AwaitComplete:
        # Textual's dismiss pops whatever screen is on top: two Esc in one batch of keys (the
        # monkey test's) would pop this pop-up, then the lab under it, then the app's base
        # screen, and the next key met an empty stack. Only the pop-up on top dismisses.
        if self.app.screen is not self:
            return AwaitComplete(asyncio.sleep(0))
        return super().dismiss(result)
