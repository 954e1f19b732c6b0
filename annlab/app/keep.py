"""The w key: keep the experiment on screen (the learner's changes included) as a scenario
file that loads back to the same experiment (``annlab.scenario.writer``)."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from annlab.app.base import LabModal, TooSmall
from annlab.errors import ExportError
from annlab.language import N_, _
from annlab.scenario.model import Scenario

# Under `annlab serve` the file would land on the teacher's machine, not the learner's.
# (Marked N_ and translated where shown: _(NOT_UNDER_SERVE).)
NOT_UNDER_SERVE = N_("Experiments are not written to files in the browser lab: the file would land on the server, not your computer. Run annlab on your own machine to keep one.")


def may_write_files(app) -> bool:
    """Under ``annlab serve`` (a catalogue) a learner's browser must not write files on the
    teacher's machine (as the quiz, which asks for no file there)."""
    return getattr(app, "catalogue", None) is None


def default_path(scenario: Scenario, folder: Path = Path(".")) -> Path:
    """``<scenario>-experiment.toml`` in ``folder``, numbered past any file already there."""
    stem = Path(scenario.path).stem or "scenario"
    candidate = folder / f"{stem}-experiment.toml"
    number = 2
    while candidate.exists():
        candidate = folder / f"{stem}-experiment-{number}.toml"
        number += 1
    return candidate


class KeepScreen(LabModal):
    BINDINGS = [Binding("escape", "dismiss", N_("cancel"))]

    def __init__(self, scenario: Scenario):
        super().__init__()
        self.scenario = scenario
        self.confirming: Path | None = None  # an existing file the learner was asked about

    def compose(self) -> ComposeResult:
        with Vertical(id="keep", classes="dialog"):
            yield Label(_("Keep this experiment as a scenario file"), classes="dialog-title")
            yield Static(_("The data, the initial weights and every setting on screen, number for number: open the file with annlab FILE, "
                           "or read and edit it in any text editor."), classes="dialog-hint")
            with Horizontal(classes="field"):
                yield Label(_("file"), classes="field-label")
                yield Input(str(default_path(self.scenario)), id="keep-path")
            yield Static("", id="keep-error")
            with Horizontal(classes="buttons"):
                yield Button(_("Write"), variant="primary", id="keep-write")
                yield Button(_("Cancel"), id="keep-cancel")
        yield TooSmall()

    def on_mount(self) -> None:
        self.query_one("#keep-path", Input).focus()

    @on(Button.Pressed, "#keep-cancel")
    def _cancel(self) -> None:
        self.dismiss()

    @on(Input.Changed, "#keep-path")
    def _path_changed(self) -> None:
        # A confirmation is for the file it named, not for whatever is typed next.
        if self.confirming is not None and self._path() != self.confirming:
            self.confirming = None
            self._say("")

    @on(Input.Submitted, "#keep-path")
    @on(Button.Pressed, "#keep-write")
    def _write(self) -> None:
        from annlab.scenario.writer import write_scenario

        typed = self.query_one("#keep-path", Input).value.strip()
        if not typed:
            self._say(_("Type a file name, e.g. my-experiment.toml"), error=True)
            return
        path = self._path()
        force = self.confirming == path
        if path.is_file() and not force:
            self.confirming = path
            self._say(_("{path} exists: press Enter (or Write) again to replace it, or type another name.").format(path=path), error=True)
            self.query_one("#keep-write", Button).label = _("Replace")
            return
        try:
            write_scenario(self.scenario, path, force=force)
        except ExportError as exc:
            self._say(str(exc), error=True)
            return
        self.dismiss()
        self.app.notify(_("Kept in {path}: open it with  annlab {path}").format(path=path), title=_("Experiment written"))

    def _path(self) -> Path:
        return Path(self.query_one("#keep-path", Input).value.strip()).expanduser()

    def _say(self, message: str, error: bool = False) -> None:
        self.query_one("#keep-error", Static).update(Text(message, style="bold red" if error else ""))
        if not message:
            self.query_one("#keep-write", Button).label = _("Write")
