"""The app's pop-up screens: the scenario picker, the help, the scenario's summary."""

from __future__ import annotations

import textwrap

from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from annlab.app.base import LabModal, TooSmall
from annlab.errors import ScenarioError
from annlab.scenario.bundled import bundled_scenarios


class PickerScreen(LabModal):
    """Bundled scenarios with their titles and summaries, and a box for any file path.

    Under ``annlab serve`` (a ``catalogue``): the class's scenarios only, and no path box."""

    BINDINGS = [Binding("escape", "dismiss", "close")]

    def __init__(self, catalogue=None):
        super().__init__()
        self.catalogue = catalogue

    def compose(self) -> ComposeResult:
        with Vertical(id="picker", classes="dialog"):
            yield Label("Open a scenario", classes="dialog-title")
            options = []
            for name, title, summary in _openable(self.catalogue):
                prompt = Text()
                prompt.append(title, style="bold")
                prompt.append(f"  ({name})\n", style="dim")
                # Shortened at a word (the option list wraps it to the width at words too).
                prompt.append(textwrap.shorten(summary, 240, placeholder=" …"), style="dim")
                options.append(Option(prompt, id=name))
            yield OptionList(*options, id="picker-list")
            if self.catalogue is None:
                yield Input(placeholder="…or type a scenario file's path and press Enter", id="picker-path")
            yield Static("", id="picker-error")
            hint = "↑↓ choose · Enter open · Tab to the path box · Esc close" if self.catalogue is None else "↑↓ choose · Enter open · Esc close"
            yield Label(hint, classes="dialog-hint")
        yield TooSmall()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self._open(str(event.option.id))

    @on(Input.Submitted)
    def _typed(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self._open(event.value.strip())

    def _open(self, name: str) -> None:
        try:
            self.app.open_scenario_named(name)  # type: ignore[attr-defined]
        except ScenarioError as exc:
            # The same one line that `annlab play` prints.
            self.query_one("#picker-error", Static).update(Text(str(exc), style="bold red"))


def _openable(catalogue) -> list[tuple[str, str, str]]:
    """(name, title, summary) of each scenario the picker offers: the bundled ones, or under
    ``annlab serve`` the class's catalogue."""
    if catalogue is None:
        return [(e.name, e.title, e.summary) for e in bundled_scenarios()]
    return [(e.name, e.title, e.summary) for e in catalogue.entries]


class ScenarioCommands(Provider):
    """The command palette's entries: open any bundled scenario (under ``annlab serve``, any of
    the class's)."""

    def _commands(self):
        catalogue = getattr(self.app, "catalogue", None)
        # The file's name is part of the entry, so a search finds "lr-1" as well as a title word.
        return [(f"Open scenario: {title} ({name})", name, textwrap.shorten(summary, 160, placeholder=" …"))
                for name, title, summary in _openable(catalogue)]

    async def discover(self) -> Hits:
        for text, name, help_text in self._commands():
            yield DiscoveryHit(text, self._opener(name), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, name, help_text in self._commands():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), self._opener(name), help=help_text)

    def _opener(self, name: str):
        def open_it() -> None:
            try:
                self.app.open_scenario_named(name)  # type: ignore[attr-defined]
            except ScenarioError as exc:
                self.app.notify(str(exc), severity="error")

        return open_it


HELP = """\
[b]Stepping through training[/b]
  n or →      next step          p or ←     previous step (values come back exactly)
  space       play or pause      + / −      play faster / slower
  e           finish the epoch   G          run to the end (and follow training)
  r           reset to the initial weights
  [ / ]       choose the parameter the chain rule follows (or click a weight)
              (W2[3,1] joins unit 3 below to unit 1 of layer 2; the chapter's 2-3-1 network
              names the same weights w11 … w33: w_ij = W1[i,j], and w3j = W2[j,1])
  d           next data point    u          next run (learning rate / gradient method)
  f           full precision     c          dim what does not touch the parameter (on/off)
  l           change the learning rate, epochs, gradient method, activations, batch size,
              optimiser (or compare several), dtype or backend: re-runs from the same weights
  w           keep the experiment as a scenario file that loads back to the same experiment
  x           stop training      PgUp/PgDn  scroll the panels
  z           zoom the charts onto the first epochs (the first tenth, the first fiftieth, all)
  m           charts: one per run where lines overlap, one per run always, or all in one

[b]Everywhere[/b]
  o           open a scenario    ctrl+p     the command palette (also opens scenarios)
  s           the scenario's summary
  k           the quiz: the chapter's review questions and exercises checked by the engine
  ?           this help          q          quit

[b]The order of one epoch[/b]
  1. forward, layer by layer: the pre-activation h = a·W + b, then the activation a = f(h)
  2. the loss C
  3. backward, layer by layer, output first: ∂C/∂a, ∂C/∂h = ∂C/∂a·f'(h), ∂C/∂W, ∂C/∂b
  4. the update: every parameter moves by −lr × its gradient
  5. then the next epoch, from the updated parameters

[b]What the colours mean[/b]
  [$text-primary]forward[/]     values the forward pass computed (pre-activations, activations, loss)
  [$text-warning]backward[/]    gradients from the backward pass, and the update
  [$text-success reverse]chosen[/]      the parameter the chain-rule panel follows
  [$text-accent b]current[/]     the value the current step computes
  [dim]dimmed[/]      weights and units that do not touch the chosen parameter
  [$text-error]red[/]         divergence, and checks that disagree
  Charts: each run's line in its own colour and with its own glyph along it, named in the
  legend on the chart's top rule ([$primary]━•━[/] first run, [$warning]━x━[/] second, [$success]━+━[/] third); the
  [$error]┃[/] line marks the current epoch (on the sweep chart: the first learning rate that
  diverges, beside the bound 2/λmax). Boundary map: the background
  and the lower-case letters (a, b, c) are the class the network predicts there; the capital
  letters are the data points in their true class and its colour ([$primary]A[/] class 1, [$warning]B[/] class 2,
  [$success]C[/] class 3): a "B" among "a"s is a point the network gets wrong, with or without colour.

[b]The panels[/b]
  The network   layers as columns: each unit's h and a on one line, its ∂C/∂h beneath, for
                the chosen data point (d: next); the target y and the loss C under the output.
                Beneath, each layer's weights W (rows: the unit below, last row: the bias b),
                with ∂C/∂W under each weight after that layer's backward step and → the new
                value at the update. A panel too small for its content scrolls (mouse wheel).
  The step      the current step's formula, then the same formula with the numbers put in.
  Chain rule    ∂C/∂θ for the chosen parameter as a product of factors, as the chapter writes
                ∂C/∂w11; beside it the chapter's finite difference and a central difference,
                with their relative error.
  Charts        the loss per epoch (one line per run; a log scale when it spans decades, the
                ticks naming the loss itself) and the chosen parameter after each epoch
                ("symlog": sign·log10(1 + |w|), when a run ran off past 10,000); log axes
                name the values (10⁻², 1, 10⁴). Runs whose lines lie on top of each other
                get one chart each, on its own y-range (m switches). With many learning
                rates: the final loss against the learning rate, and the bound 2/λmax.
  Boundary      for 2-D classifiers: the class predicted at each point of the plane.
  The runs      with several runs, the chapter's tables and what the runs show together
                are below the charts: PgDn (or the mouse wheel) scrolls down to them.

[b]Other scenarios[/b]
  Softmax table   ↑/↓ choose a row; its bar chart is beside the table. Enter (or v) edits the
                  row's probabilities (or logits): its −ln p and the mean follow; w keeps the table.
  Galleries       ←/→ move the cursor x (shift for big steps); t changes the loss target.
"""


class HelpScreen(LabModal):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help", classes="dialog"):
            yield Label("annlab: keys and what the panels mean", classes="dialog-title")
            yield Static(HELP, id="help-text")
            yield Label("Esc or ? to close · ↑↓ to scroll", classes="dialog-hint")
        yield TooSmall()

    def on_mount(self) -> None:
        self.query_one("#help").focus()


class SummaryScreen(LabModal):
    BINDINGS = [Binding("escape,s,q", "dismiss", "close")]

    def __init__(self, title: str, summary: str, path: Path):
        super().__init__()
        self._title, self._summary, self._path = title, summary, path

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="summary", classes="dialog"):
            yield Label(self._title, classes="dialog-title", markup=False)
            yield Static(" ".join(self._summary.split()) or "(this scenario has no summary)", markup=False)
            yield Label(f"from {self._path} · Esc or s to close", classes="dialog-hint", markup=False)
        yield TooSmall()
