"""The app's pop-up screens: the scenario picker, the help, the scenario's summary."""

from __future__ import annotations

from pathlib import Path

from rich.cells import cell_len, get_character_cell_size
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.containers import Grid, Vertical, VerticalScroll
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from annlab.app.base import LabModal, TooSmall
from annlab.errors import ScenarioError
from annlab.language import N_, _
from annlab.scenario.bundled import bundled_scenarios


class PickerScreen(LabModal):
    """Bundled scenarios with their titles and summaries, and a box for any file path.

    Under ``annlab serve`` (a ``catalogue``): the class's scenarios only, and no path box."""

    BINDINGS = [Binding("escape", "dismiss", N_("close"))]

    def __init__(self, catalogue=None):
        super().__init__()
        self.catalogue = catalogue

    def compose(self) -> ComposeResult:
        with Vertical(id="picker", classes="dialog"):
            yield Label(_("Open a scenario"), classes="dialog-title")
            options = []
            for name, title, summary in _openable(self.catalogue):
                prompt = Text()
                prompt.append(title, style="bold")
                prompt.append(f"  ({name})\n", style="dim")
                # Shortened at a word (the option list wraps it to the width at words too).
                prompt.append(shorten(summary, 240), style="dim")
                options.append(Option(prompt, id=name))
            yield OptionList(*options, id="picker-list")
            if self.catalogue is None:
                yield Input(placeholder=_("…or type a scenario file's path and press Enter"), id="picker-path")
            yield Static("", id="picker-error")
            hint = _("↑↓ choose · Enter open · Tab to the path box · Esc close") if self.catalogue is None else _("↑↓ choose · Enter open · Esc close")
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


def shorten(text: str, cells: int, placeholder: str = " …") -> str:
    """``text`` on one line in at most ``cells`` terminal cells, cut at a word where it has
    spaces (as ``textwrap.shorten``) and between two characters where it has none: Chinese
    writes no spaces between words, and its characters take two cells each."""
    text = " ".join(text.split())
    if cell_len(text) <= cells:
        return text
    room, used, end = cells - cell_len(placeholder), 0, 0
    while end < len(text) and used + get_character_cell_size(text[end]) <= room:
        used += get_character_cell_size(text[end])
        end += 1
    if text[end] != " " and text[end - 1].isascii() and text[end].isascii() and " " in text[:end]:
        end = text.rindex(" ", 0, end)  # not inside a word of a spaced language
    return text[:end].rstrip() + placeholder


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
        return [(_("Open scenario: {title} ({name})").format(title=title, name=name), name, shorten(summary, 160))
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


# The help as (heading, rows of (key or term, what it does)): drawn as a two-column grid
# whose second column reflows with the dialog's width, so a phrase is never broken mid-line
# by pre-wrapped text, at 80 columns or 200. Markup: Textual's, with the theme's variables.
HELP: list[tuple[str, list[tuple[str, str]]]] = [
    (N_("Stepping through training"), [
        (N_("n or →"), N_("next step")),
        (N_("p or ←"), N_("previous step (values come back exactly)")),
        ("space", N_("play or pause")),
        ("+ / −", N_("play faster / slower")),
        ("e", N_("finish the epoch")),
        ("G", N_("run to the end (and follow training)")),
        ("r", N_("reset to the initial weights")),
        ("[ / ]", N_("choose the parameter the chain rule follows (or click a weight)")),
        ("", N_("W2[3,1] joins unit 3 below to unit 1 of layer 2. The chapter's 2-3-1 network names "
                "the same weights w11 … w33: w_ij = W1[i,j], and w3j = W2[j,1].")),
        ("d", N_("next data point")),
        ("u", N_("next run (learning rate / gradient method)")),
        ("f", N_("full precision")),
        ("c", N_("dim what does not touch the parameter (on/off)")),
        ("l", N_("change the learning rate, epochs, gradient method, activations, batch size, "
                 "optimiser (or compare several), dtype or backend: re-runs from the same weights")),
        ("w", N_("keep the experiment as a scenario file that loads back to the same experiment")),
        ("x", N_("stop training")),
        ("z", N_("zoom the charts onto the first epochs (the first tenth, the first fiftieth, all)")),
        ("m", N_("charts: one per run where lines overlap, one per run always, or all in one")),
        ("PgUp/PgDn", N_("scroll the panels")),
    ]),
    (N_("Everywhere"), [
        ("o", N_("open a scenario")),
        ("ctrl+p", N_("the command palette (also opens scenarios, by title or file name)")),
        ("s", N_("the scenario's summary, its backend and what a one-line status leaves out")),
        ("k", N_("the quiz: the chapter's review questions and exercises checked by the engine")),
        ("L", N_("switch the interface language: English ⇄ 中文 (annlab --lang zh starts in Chinese)")),
        ("?", N_("this help")),
        ("q", N_("quit")),
    ]),
    (N_("The order of one epoch"), [
        ("1.", N_("forward, layer by layer: the pre-activation h = a·W + b, then the activation a = f(h)")),
        ("2.", N_("the loss C")),
        ("3.", N_("backward, layer by layer, output first: ∂C/∂a, ∂C/∂h = ∂C/∂a·f'(h), ∂C/∂W, ∂C/∂b")),
        ("4.", N_("the update: every parameter moves by −lr × its gradient")),
        ("5.", N_("then the next epoch, from the updated parameters")),
    ]),
    (N_("What the colours mean (each also has a mark or a word, for NO_COLOR and colour-blind eyes)"), [
        (N_("[$text-primary]forward[/]"), N_("values the forward pass computed (pre-activations, activations, loss)")),
        (N_("[$text-warning]backward[/]"), N_("gradients from the backward pass, and the update (→ marks the value after it)")),
        (N_("[$text-success reverse]chosen[/]"), N_("the parameter the chain-rule panel follows, also marked ▸ in the weight table")),
        (N_("[$text-accent b]current[/]"), N_("the value the current step computes (underlined)")),
        (N_("[dim]dimmed[/]"), N_("weights and units that do not touch the chosen parameter")),
        (N_("[$text-error]red[/]"), N_("divergence, and checks that disagree (always said in words too)")),
        (N_("charts"), N_("each run's line in its own colour and with its own glyph along it, named in the "
                          "legend on the chart's top rule ([$primary]━•━[/] first run, [$warning]━x━[/] second, "
                          "[$success]━+━[/] third); the [$error]┃[/] line marks the current epoch (on the sweep "
                          "chart: the first learning rate that diverges, beside the bound 2/λmax)")),
        (N_("boundary"), N_("the background and the lower-case letters (a, b, c) are the class the network "
                            "predicts there; the capital letters are the data points in their true class "
                            "([$primary]A[/] class 1, [$warning]B[/] class 2, [$success]C[/] class 3): a \"B\" among "
                            "\"a\"s is a point the network gets wrong, with or without colour")),
        (N_("softmax table"), N_("▸ marks the row shown in the bars, and [brackets] the target class's probability")),
    ]),
    (N_("The panels"), [
        (N_("the network"), N_("layers as columns: each unit's h and a, its ∂C/∂h beneath, for the chosen data "
                               "point (d: next); the target y and the loss C under the output. Beneath, each "
                               "layer's weights W (rows: the unit below, last row: the bias b), with ∂C/∂W under "
                               "each weight after that layer's backward step and → the new value at the update. "
                               "A panel too small for its content scrolls (mouse wheel); on a small screen the "
                               "network gives way so that the current step stays in view.")),
        (N_("the step"), N_("the current step's formula, then the same formula with the numbers put in")),
        (N_("chain rule"), N_("∂C/∂θ for the chosen parameter as a product of factors, as the chapter writes "
                              "∂C/∂w11; beside it the chapter's finite difference and a central difference, "
                              "with their relative error")),
        (N_("charts"), N_("the loss per epoch (one line per run; a log scale when it spans decades) and the "
                          "chosen parameter after each epoch (\"symlog\": sign·log10(1 + |w|), when a run ran "
                          "off past 10,000); log axes name the values (10⁻², 1, 10⁴). Runs whose lines lie on "
                          "top of each other get one chart each, on its own y-range (m switches). With many "
                          "learning rates: the final loss against the learning rate, and the bound 2/λmax.")),
        (N_("boundary"), N_("for 2-D classifiers: the class predicted at each point of the plane")),
        (N_("the runs"), N_("with several runs, the chapter's tables and what the runs show together are "
                            "below the charts: PgDn (or the mouse wheel) scrolls down to them")),
        (N_("numbers"), N_("never cut: where a column is narrow, a number loses digits, then goes to "
                           "scientific notation (5.7e-4), and keeps its exponent; f shows every digit")),
    ]),
    (N_("Other scenarios"), [
        (N_("softmax table"), N_("↑/↓ choose a row; its bar chart is beside the table. Enter (or v) edits the "
                                 "row's probabilities (or logits): its −ln p and the mean follow; w keeps the table.")),
        (N_("galleries"), N_("←/→ move the cursor x (shift for big steps); t changes the loss target")),
    ]),
]


class HelpScreen(LabModal):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", N_("close"))]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help", classes="dialog"):
            yield Label(_("annlab: keys and what the panels mean"), classes="dialog-title")
            # A grid per section: keys in a column of their own, descriptions that reflow.
            for heading, rows in HELP:
                yield Label(_(heading), classes="help-heading")
                with Grid(classes="help-section"):
                    for key, words in rows:
                        yield Static(_(key) if key else "", classes="help-key")
                        yield Static(_(words), classes="help-words")
            yield Label(_("Esc or ? to close · ↑↓ to scroll"), classes="dialog-hint")
        yield TooSmall()

    def on_mount(self) -> None:
        self.query_one("#help").focus()


class SummaryScreen(LabModal):
    BINDINGS = [Binding("escape,s,q", "dismiss", N_("close"))]

    def __init__(self, title: str, summary: str, path: Path, details: list[str] | None = None):
        super().__init__()
        self._title, self._summary, self._path = title, summary, path
        self._details = details or []

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="summary", classes="dialog"):
            yield Label(self._title, classes="dialog-title", markup=False)
            yield Static(" ".join(self._summary.split()) or _("(this scenario has no summary)"), markup=False)
            for line in self._details:
                yield Static(line, classes="dialog-hint", markup=False)
            yield Label(_("from {path} · Esc or s to close").format(path=self._path), classes="dialog-hint", markup=False)
        yield TooSmall()

    async def retranslate(self) -> None:
        # The scenario's own text in the new language, where its file has one.
        scenario = getattr(self.app, "scenario", None)
        if scenario is not None:
            self._title, self._summary = scenario.title, scenario.summary
        await super().retranslate()
