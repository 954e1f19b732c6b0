"""The app: one factory (``create_app``) used by the command line and by the tests."""

from __future__ import annotations

from pathlib import Path

from textual.app import App
from textual.binding import Binding
from textual.screen import Screen

from annlab.app.dialogs import HelpScreen, PickerScreen, ScenarioCommands, SummaryScreen
from annlab.engine.runner import choose_backend
from annlab.scenario.model import Scenario


def screen_for(scenario: Scenario, backend_name: str = "auto") -> Screen:
    """The main screen for a scenario's kind (raises BackendError for an unusable backend)."""
    if scenario.kind == "training":
        from annlab.app.training import TrainingScreen

        return TrainingScreen(scenario, choose_backend(scenario, backend_name), backend_name)
    from annlab.app.gallery import GalleryScreen, TableScreen

    if scenario.kind == "softmax-table":
        return TableScreen(scenario)
    return GalleryScreen(scenario)


class AnnlabApp(App):
    CSS_PATH = "annlab.tcss"
    TITLE = "annlab"
    ENABLE_COMMAND_PALETTE = True
    COMMANDS = App.COMMANDS | {ScenarioCommands}
    BINDINGS = [
        Binding("o", "open", "open"),
        Binding("s", "summary", "summary"),
        Binding("question_mark", "help", "help"),
        Binding("q", "quit", "quit"),
    ]

    def __init__(self, scenario: Scenario, backend_name: str = "auto", theme: str | None = None):
        super().__init__()
        self.scenario = scenario
        self.backend_name = backend_name
        self._first = screen_for(scenario, backend_name)
        if theme:
            self.theme = theme

    def on_mount(self) -> None:
        self.push_screen(self._first)

    # --- opening scenarios ---------------------------------------------------------------

    def open_scenario_named(self, name: str) -> None:
        """Load a bundled name or a path; raises ScenarioError with the same words as `play`."""
        from annlab.scenario.bundled import resolve
        from annlab.scenario.loader import load_scenario

        self.open_scenario(load_scenario(resolve(name)), backend_name=self.backend_name)

    def open_scenario(self, scenario: Scenario, backend_name: str | None = None) -> None:
        """Replace the main screen (raises BackendError before changing anything)."""
        backend_name = backend_name or self.backend_name
        screen = screen_for(scenario, backend_name)
        self.scenario, self.backend_name = scenario, backend_name
        while len(self.screen_stack) > 2:
            self.pop_screen()
        self.switch_screen(screen)

    # --- actions --------------------------------------------------------------------------

    def action_open(self) -> None:
        if not isinstance(self.screen, PickerScreen):
            self.push_screen(PickerScreen())

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_summary(self) -> None:
        if not isinstance(self.screen, SummaryScreen):
            s = self.scenario
            self.push_screen(SummaryScreen(s.title, s.summary, Path(s.path)))
