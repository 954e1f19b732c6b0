"""Live changes: learning rate, epochs, gradient method, activations, batch size, optimiser,
dtype and backend. Applying a change re-runs the scenario from the same initial weights (the
scenario's own: an activation changes no weight's shape). A changed scenario passes the
loader's own checks (``check_scenario``), so the dialog refuses what ``annlab check`` refuses,
in the same words; the activations offered are those the loader accepts."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from annlab.app.base import LabModal, TooSmall
from annlab.errors import BackendError, ScenarioError
from annlab.language import N_, _
from annlab.playback.words import say
from annlab.scenario.model import Scenario

GRADIENTS = [(N_("chain rule"), "chain-rule"), (N_("finite differences (the chapter's)"), "finite-difference"), (N_("both"), "both")]
# The optimiser choices: one, or a comparison (a run each, from the same initial weights).
COMPARISONS = (("sgd", "momentum"), ("sgd", "adam"), ("sgd", "momentum", "adam"), ("sgd", "momentum", "rmsprop", "adam"))


def optimizer_choices(current: tuple[str, ...]) -> list[tuple[str, str]]:
    """(label, value) pairs for the optimiser Select: each alone, then comparisons; the
    scenario's own choice is always among them."""
    from annlab.engine.optimizers import OPTIMIZERS

    choices = [(name, name) for name in OPTIMIZERS]
    choices += [(_("compare: {names}").format(names=", ".join(names)), ",".join(names)) for names in COMPARISONS]
    if ",".join(current) not in {value for _label, value in choices}:
        choices.append((_("compare: {names}").format(names=", ".join(current)), ",".join(current)))
    return choices


class SettingsScreen(LabModal):
    BINDINGS = [Binding("escape", "dismiss", N_("cancel"))]

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
            yield Label(_("Change the training (re-runs from the same initial weights)"), classes="dialog-title")
            with Horizontal(classes="field"):
                yield Label(_("learning rates"), classes="field-label")
                yield Input(rates, placeholder=_("{count} rates (a sweep): type new ones, comma-separated").format(count=len(t.learning_rates)), id="lr")
            with Horizontal(classes="field"):
                yield Label(_("epochs"), classes="field-label")
                yield Input(str(t.epochs), id="epochs")
            with Horizontal(classes="field"):
                yield Label(_("gradient"), classes="field-label")
                yield Select([(_(label), value) for label, value in GRADIENTS], value=gradient, allow_blank=False, id="gradient")
            with Horizontal(classes="field", id="activations"):
                yield Label(_("activations"), classes="field-label")
                yield from self._activation_selects()
            with Horizontal(classes="field"):
                yield Label(_("batch size"), classes="field-label")
                yield Input(str(t.batch_size), placeholder=_("0 = full batch, or 1 to {rows}").format(rows=self._rows), id="batch")
            with Horizontal(classes="field"):
                yield Label(_("optimiser"), classes="field-label")
                yield Select(optimizer_choices(t.optimizers), value=",".join(t.optimizers), allow_blank=False, id="optimizer")
            with Horizontal(classes="field"):
                yield Label("dtype", classes="field-label")
                yield Select([("float32", "float32"), ("float64", "float64")], value=net.dtype, allow_blank=False, id="dtype")
            with Horizontal(classes="field"):
                yield Label(_("backend"), classes="field-label")
                yield Select([(_("auto"), "auto"), ("numpy", "numpy"), ("cupy", "cupy")], value=self.backend_name, allow_blank=False, id="backend")
            yield Static("", id="settings-error")
            with Horizontal(classes="buttons"):
                yield Button(_("Re-run"), variant="primary", id="apply")
                yield Button(_("Cancel"), id="cancel")
        yield TooSmall()

    @property
    def _rows(self) -> int:
        assert self.scenario.inputs is not None
        return int(self.scenario.inputs.shape[0])

    def _activation_selects(self) -> ComposeResult:
        """A Select per layer after the input; the output layer offers what the loss can score."""
        from annlab.scenario.loader import hidden_activations, output_activations

        t, net = self.scenario.training, self.scenario.network
        assert t is not None and net is not None
        last = len(net.activations) - 1
        for l, current in enumerate(net.activations):
            names = output_activations(t.loss, net.layer_sizes[-1]) if l == last else hidden_activations()
            if current not in names:  # never hide what the scenario has
                names = (current, *names)
            where = _("the activation of output") if l == last else _("the activation of layer {layer}").format(layer=l + 1)
            yield Select([(name, name) for name in names], value=current, allow_blank=False,
                         id=f"activation-{l}", classes="activation", tooltip=where)

    def on_mount(self) -> None:
        self.query_one("#lr", Input).focus()

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss()

    @on(Input.Submitted)
    @on(Button.Pressed, "#apply")
    def _apply(self) -> None:
        from annlab.scenario.overrides import OverrideError, parse_batch_size, parse_epochs, parse_learning_rate

        try:
            changes: dict = {}
            text = self.query_one("#lr", Input).value.strip()
            if text:
                changes["learning_rates"] = tuple(parse_learning_rate(part.strip()) for part in text.replace(";", ",").split(",") if part.strip())
                changes["sweep"] = False
            changes["epochs"] = parse_epochs(self.query_one("#epochs", Input).value.strip())
            gradient = self.query_one("#gradient", Select).value
            changes["gradients"] = ("chain-rule", "finite-difference") if gradient == "both" else (str(gradient),)
            try:
                changes["batch_size"] = parse_batch_size(self.query_one("#batch", Input).value.strip(), self._rows)
            except OverrideError as exc:  # named by its key, as check_scenario's errors below are
                raise OverrideError(f"training.batch_size: {exc}") from None
            changes["optimizers"] = tuple(str(self.query_one("#optimizer", Select).value).split(","))
        except OverrideError as exc:
            self._error(str(exc))
            return
        from annlab.scenario.loader import check_dtype_change, check_scenario

        activations = tuple(str(select.value) for select in self.query(".activation").results(Select))
        dtype = str(self.query_one("#dtype", Select).value)
        backend = str(self.query_one("#backend", Select).value)
        try:
            check_dtype_change(self.scenario, dtype)
            scenario = self.scenario.with_training(**changes).with_activations(activations).with_dtype(dtype)
            check_scenario(scenario)  # the loader's rules, in its words
            self.app.open_scenario(scenario, backend_name=backend)  # type: ignore[attr-defined]
        except ScenarioError as exc:
            # The key and the loader's words, without the file's path (under `annlab serve`
            # it would name where the file lies on the server).
            self._error(f"{exc.key}: {exc.message}" if exc.key else exc.message)
        except BackendError as exc:
            self._error(say(exc.args[0]))

    def _error(self, message: str) -> None:
        self.query_one("#settings-error", Static).update(Text(message, style="bold red"))
