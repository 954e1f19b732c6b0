"""What every annlab screen shares: the scenario it shows, the "too small" message, the
footer in the interface language, and how a screen re-renders after a language switch."""

from __future__ import annotations

import asyncio

from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.binding import Binding
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Input, OptionList, Select, Static
from textual.widgets._footer import FooterKey

from annlab.language import N_, _
from annlab.scenario.model import Scenario

MIN_WIDTH, MIN_HEIGHT = 60, 20

# Screens get a class per size band; the stylesheet hides everything but the message below
# MIN_WIDTH × MIN_HEIGHT, so a tiny terminal never shows a garbled layout.
HORIZONTAL = [(0, "-too-narrow"), (MIN_WIDTH, "-narrow"), (110, "-wide")]
TALL = 36
VERTICAL = [(0, "-too-short"), (MIN_HEIGHT, "-short"), (TALL, "-tall")]


class TooSmall(Static):
    def __init__(self) -> None:
        super().__init__(self.words(), id="too-small")

    @staticmethod
    def words() -> str:
        return _("Make the window larger:\nannlab needs at least {width}×{height} characters.").format(width=MIN_WIDTH, height=MIN_HEIGHT)


class TitleBar(Static):
    """The scenario's title. (Textual's Header races with fast screen switches in 8.2.8:
    its title watcher can run after its children are gone, which the monkey test found.)"""

    def __init__(self, title: str) -> None:
        super().__init__(title, id="title-bar", markup=False)


class LabFooter(Footer):
    """Textual's footer, with each key's description in the interface language.

    A Binding's description is a class attribute, written once at import: the bindings mark
    it with ``N_`` (so the catalogue has it) and the footer looks it up as it composes. The
    footer recomposes whenever its screen's bindings are refreshed, which the language switch
    does (``retranslate``)."""

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                widget.description = _(widget.description) if widget.description else widget.description
                if isinstance(widget.tooltip, str):
                    widget.tooltip = _(widget.tooltip)
            yield widget


def retranslate_common(screen: Screen) -> None:
    """What every annlab screen redraws after a language switch: the too-small message and
    the footer's key descriptions (the footer recomposes on refreshed bindings)."""
    for message in screen.query(TooSmall).results(TooSmall):
        message.update(TooSmall.words())
    screen.refresh_bindings()


class LabScreen(Screen):
    HORIZONTAL_BREAKPOINTS = HORIZONTAL
    VERTICAL_BREAKPOINTS = VERTICAL

    def __init__(self, scenario: Scenario):
        super().__init__()
        self.scenario = scenario

    def compose_title(self) -> ComposeResult:
        yield TitleBar(self._title_words())

    def _title_words(self) -> str:
        # The title alone (it wraps rather than being cut; s and ? are in the footer).
        return self.scenario.title

    def compose_small(self) -> ComposeResult:
        yield TooSmall()

    def retranslate(self) -> None:
        """Re-render every text after a language switch, keeping the learner's place: the
        screen keeps its state (cursor, runs, parameter) and only redraws its words. Screens
        with more words extend this."""
        self.title = self.scenario.title
        for bar in self.query(TitleBar).results(TitleBar):
            bar.update(self._title_words())
        retranslate_common(self)


class LabModal(ModalScreen):
    HORIZONTAL_BREAKPOINTS = HORIZONTAL
    VERTICAL_BREAKPOINTS = VERTICAL
    # A modal screen hides the app's bindings: the language key works in pop-ups too (where a
    # text field has the focus, the field takes the letter).
    BINDINGS = [Binding("L", "app.switch_language", N_("switch language"), show=False)]

    async def retranslate(self) -> None:
        """Compose the pop-up again in the new language, keeping what the learner typed or
        chose in its fields (a pop-up keeps no other state in its widgets)."""
        typed = {box.id: box.value for box in self.query(Input).results(Input) if box.id}
        chosen = {box.id: box.value for box in self.query(Select).results(Select) if box.id}
        highlighted = {box.id: box.highlighted for box in self.query(OptionList).results(OptionList) if box.id}
        focused = self.focused.id if self.focused is not None else None
        await self.recompose()
        for box in self.query(OptionList).results(OptionList):
            if highlighted.get(box.id) is not None:
                box.highlighted = highlighted[box.id]
        if focused is not None:
            for widget in self.query(f"#{focused}"):
                widget.focus()
        for box in self.query(Input).results(Input):
            if box.id in typed:
                box.value = typed[box.id]
        for box in self.query(Select).results(Select):
            if box.id in chosen:
                box.value = chosen[box.id]
        self._compact_on_a_short_screen()
        retranslate_common(self)

    def on_mount(self) -> None:
        self._compact_on_a_short_screen()

    def _compact_on_a_short_screen(self) -> None:
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
