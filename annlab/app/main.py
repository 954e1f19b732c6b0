"""The app: one factory (``create_app``) used by the command line and by the tests."""

from __future__ import annotations

import asyncio
from contextlib import suppress
from pathlib import Path

from textual.app import App, SystemCommand
from textual.await_complete import AwaitComplete
from textual.binding import Binding
from textual.command import CommandList, CommandPalette
from textual.css.query import NoMatches
from textual.screen import ModalScreen, Screen
from textual.widgets import OptionList

from annlab.app.dialogs import HelpScreen, PickerScreen, ScenarioCommands, SummaryScreen
from annlab.app.steps import Cursor
from annlab import language
from annlab.language import N_, _
from annlab.training.runner import choose_backend
from annlab.scenario.kinds import KINDS, resolve
from annlab.scenario.model import Scenario


# Textual's own words that a learner meets (the palette key in the footer, the command
# palette's system commands), marked here so that the catalogue has them.
TEXTUAL_WORDS = (
    N_("palette"), N_("Open the command palette"), N_("Search for commands…"),
    N_("Theme"), N_("Change the current theme"),
    N_("Quit"), N_("Quit the application as soon as possible"),
    N_("Keys"), N_("Hide the keys and widget help panel"), N_("Show help for the focused widget and a summary of available keys"),
    N_("Minimize"), N_("Minimize the widget and restore to normal size"),
    N_("Maximize"), N_("Maximize the focused widget"),
    N_("Screenshot"), N_("Save an SVG 'screenshot' of the current screen"),
)


def screen_for(scenario: Scenario, backend_name: str = "auto") -> Screen:
    """The main screen for a scenario's kind (raises BackendError for an unusable backend)."""
    screen = resolve(KINDS[scenario.kind].screen)
    return screen(scenario, choose_backend(scenario, backend_name))


class SafeCommandPalette(CommandPalette):
    """Textual 8.2.8's palette raises KeyError on PgUp/PgDn while its list has not been
    laid out yet (found by the monkey test); then there is no page to move, so do nothing."""

    def _action_command_list(self, action: str) -> None:
        if not action.startswith("page_"):
            return super()._action_command_list(action)
        if not self.query_one(CommandList).option_count:
            return None
        try:
            return super()._action_command_list(action)
        except KeyError:
            return None

    def dismiss(self, result=None):
        # Two Enters in the same batch of keys (the monkey test) select twice: the second
        # would pop the screen under the palette, and then the app's base screen. Once only.
        if getattr(self, "_dismissing", False) or self.app.screen is not self:
            return AwaitComplete(asyncio.sleep(0))
        self._dismissing = True
        return super().dismiss(result)

    # Its search worker can still set these after the palette closed and its widgets are
    # gone (also found by the monkey test, pressing ctrl+p then Esc at once).
    def _watch__list_visible(self) -> None:
        with suppress(NoMatches):
            super()._watch__list_visible()

    async def _watch__show_busy(self) -> None:
        with suppress(NoMatches):
            await super()._watch__show_busy()

    # Its "no matches" countdown can run out after the palette's widgets are gone (the monkey
    # test again: letters typed into the palette, then Esc): there is no list left to tell.
    def _start_no_matches_countdown(self, search_value: str) -> None:
        set_timer = self.set_timer

        def set_guarded_timer(delay, callback, *args, **kwargs):
            def while_open() -> None:
                with suppress(NoMatches):
                    callback()

            return set_timer(delay, while_open, *args, **kwargs)

        self.set_timer = set_guarded_timer
        try:
            super()._start_no_matches_countdown(search_value)
        finally:
            del self.set_timer


class AnnlabApp(App):
    CSS_PATH = "annlab.tcss"
    TITLE = "annlab"
    ENABLE_COMMAND_PALETTE = True
    COMMANDS = App.COMMANDS | {ScenarioCommands}
    BINDINGS = [
        Binding("o", "open", N_("open"), show=False),
        Binding("s", "summary", N_("summary")),
        Binding("k", "quiz", N_("quiz"), show=False),
        Binding("question_mark", "help", N_("help")),
        # English ⇄ Chinese while the app runs (the help, the palette and the README name it;
        # not in the footer, which must fit 80 columns).
        Binding("L", "switch_language", N_("switch language"), show=False),
        Binding("q", "quit", N_("quit")),
    ]

    def __init__(self, scenario: Scenario, backend_name: str = "auto", theme: str | None = None, catalogue=None):
        super().__init__()
        # Under `annlab serve`: the scenarios a learner may open, by name (see annlab.serve).
        self.catalogue = catalogue
        self.scenario = scenario
        self.backend_name = backend_name
        self._first = screen_for(scenario, backend_name)
        self._installing = asyncio.Lock()
        self.start_with_quiz = False  # `annlab quiz`: the quiz screen opens over the lab at once
        if theme:
            self.theme = theme

    def on_mount(self) -> None:
        self.push_screen(self._first)
        if self.start_with_quiz:
            self.action_quiz()

    # --- opening scenarios ---------------------------------------------------------------

    def open_scenario_named(self, name: str, at: tuple[int, str, int] | None = None) -> None:
        """Load a bundled name or a path; raises ScenarioError with the same words as `play`."""
        from annlab.scenario.bundled import resolve
        from annlab.scenario.loader import load_scenario

        path = resolve(name) if self.catalogue is None else self.catalogue.open(name)
        self.open_scenario(load_scenario(path), backend_name=self.backend_name, at=at)

    def open_scenario(self, scenario: Scenario, backend_name: str | None = None, at: tuple[int, str, int] | None = None) -> None:
        """Replace the main screen (raises BackendError before changing anything); ``at`` =
        (epoch, step kind, layer) puts a training screen's cursor on that step."""
        backend_name = backend_name or self.backend_name
        screen = screen_for(scenario, backend_name)
        cursor = getattr(screen, "cursor", None)
        if at is not None and isinstance(cursor, Cursor):
            cursor.go_to(*at)
        self.scenario, self.backend_name = scenario, backend_name
        # Deferred: a pop-up asking for this (the picker, the palette) may still be closing.
        self.call_later(self._install, screen)

    async def _install(self, screen: Screen) -> None:
        async with self._installing:
            while isinstance(self.screen, ModalScreen) and len(self.screen_stack) > 1:
                await self.pop_screen()
            if len(self.screen_stack) > 1:
                await self.switch_screen(screen)
            else:
                await self.push_screen(screen)

    # --- actions --------------------------------------------------------------------------

    async def run_action(self, action, default_namespace=None) -> bool:
        # Textual 8.2.8's OptionList (the picker, a Select's menu, the palette) raises KeyError
        # on PgUp/PgDn before it has been laid out (found by the monkey test): no page to move.
        if isinstance(action, str) and action.split("(")[0].endswith(("page_up", "page_down")) and isinstance(default_namespace, OptionList):
            with suppress(KeyError):
                return await super().run_action(action, default_namespace)
            return False
        return await super().run_action(action, default_namespace)

    def get_system_commands(self, screen: Screen):
        for command in super().get_system_commands(screen):
            yield command._replace(title=_(command.title), help=_(command.help))
        yield SystemCommand(_("Quiz"), _("The chapter's review questions and exercises checked by the engine (k)"), self.action_quiz)
        yield SystemCommand(_("Switch language (English ⇄ 中文)"), _("The interface language, at once, keeping your place (L); --lang zh starts in Chinese"), self.action_switch_language)

    def action_command_palette(self) -> None:
        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(SafeCommandPalette(placeholder=_("Search for commands…"), id="--command-palette"))

    async def action_switch_language(self) -> None:
        """English ⇄ Chinese while the app runs: every screen on the stack redraws its words
        (the lab under a pop-up too), and keeps the learner's place."""
        language.use("zh" if language.current() == "en" else "en")
        for screen in list(self.screen_stack):
            retranslate = getattr(screen, "retranslate", None)
            if retranslate is not None:
                result = retranslate()
                if result is not None:
                    await result

    def action_open(self) -> None:
        if not isinstance(self.screen, PickerScreen):
            self.push_screen(PickerScreen(self.catalogue))

    def action_quiz(self) -> None:
        from annlab.app.quiz import open_quiz

        open_quiz(self)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_summary(self) -> None:
        if not isinstance(self.screen, SummaryScreen):
            s = self.scenario
            # A learner in a browser sees the file's name, not where it lies on the server.
            path = Path(s.path) if self.catalogue is None else Path(Path(s.path).name)
            # What a short screen's one-line status leaves out (divergence, backend) is here.
            details = getattr(self.screen, "status_details", lambda: [])()
            self.push_screen(SummaryScreen(s.title, s.summary, path, [line for line, _bad in details]))
