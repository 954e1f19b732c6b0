"""Live changes: learning rate, epochs, gradient method, dtype and backend. Applying a change
re-runs the scenario from the same initial weights (the scenario's own)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from annlab.app.base import LabModal, TooSmall
from annlab.errors import BackendError, ScenarioError
from annlab.playback.words import say
from annlab.scenario.model import Scenario

GRADIENTS = [("chain rule", "chain-rule"), ("finite differences (the chapter's)", "finite-difference"), ("both", "both")]


class SettingsScreen(LabModal):
    BINDINGS = [Binding("escape", "dismiss", "cancel")]

    def __init__(self, scenario: Scenario, backend_name: str):
        super().__init__()
        assert scenario.training is not None and scenario.network is not None
        self.scenario = scenario
        self.backend_name = backend_name

    def compose(self) -> ComposeResult:
        t, net = self.scenario.training, self.scenario.network
        assert t is not None and net is not None
        gradient = t.gradients[0] if len(t.gradients) == 1 else "both"
        rates = ", ".join(f"{r:g}" for r in t.learning_rates) if len(t.learning_rates) <= 12 else ""
        with Vertical(id="settings", classes="dialog"):
            yield Label("Change the training (re-runs from the same initial weights)", classes="dialog-title")
            with Horizontal(classes="field"):
                yield Label("learning rates", classes="field-label")
                yield Input(rates, placeholder=f"{len(t.learning_rates)} rates (a sweep): type new ones, comma-separated", id="lr")
            with Horizontal(classes="field"):
                yield Label("epochs", classes="field-label")
                yield Input(str(t.epochs), id="epochs")
            with Horizontal(classes="field"):
                yield Label("gradient", classes="field-label")
                yield Select(GRADIENTS, value=gradient, allow_blank=False, id="gradient")
            with Horizontal(classes="field"):
                yield Label("dtype", classes="field-label")
                yield Select([("float32", "float32"), ("float64", "float64")], value=net.dtype, allow_blank=False, id="dtype")
            with Horizontal(classes="field"):
                yield Label("backend", classes="field-label")
                yield Select([("auto", "auto"), ("numpy", "numpy"), ("cupy", "cupy")], value=self.backend_name, allow_blank=False, id="backend")
            yield Static("", id="settings-error")
            with Horizontal(classes="buttons"):
                yield Button("Re-run", variant="primary", id="apply")
                yield Button("Cancel", id="cancel")
        yield TooSmall()

    def on_mount(self) -> None:
        self.query_one("#lr", Input).focus()

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss()

    @on(Input.Submitted)
    @on(Button.Pressed, "#apply")
    def _apply(self) -> None:
        from annlab.scenario.overrides import OverrideError, parse_epochs, parse_learning_rate

        try:
            changes: dict = {}
            text = self.query_one("#lr", Input).value.strip()
            if text:
                changes["learning_rates"] = tuple(parse_learning_rate(part.strip()) for part in text.replace(";", ",").split(",") if part.strip())
                changes["sweep"] = False
            changes["epochs"] = parse_epochs(self.query_one("#epochs", Input).value.strip())
            gradient = self.query_one("#gradient", Select).value
            changes["gradients"] = ("chain-rule", "finite-difference") if gradient == "both" else (str(gradient),)
        except OverrideError as exc:
            self._error(str(exc))
            return
        from annlab.scenario.loader import check_dtype_change

        dtype = str(self.query_one("#dtype", Select).value)
        backend = str(self.query_one("#backend", Select).value)
        try:
            check_dtype_change(self.scenario, dtype)
            scenario = self.scenario.with_training(**changes).with_dtype(dtype)
            self.app.open_scenario(scenario, backend_name=backend)  # type: ignore[attr-defined]
        except ScenarioError as exc:
            self._error(str(exc))
        except BackendError as exc:
            self._error(say(exc.args[0]))

    def _error(self, message: str) -> None:
        self.query_one("#settings-error", Static).update(Text(message, style="bold red"))
