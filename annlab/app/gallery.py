"""The scenarios without training: the softmax/cross-entropy table and the two galleries."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from rich.cells import cell_len
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.widgets import DataTable, Input, Label, Static

from annlab.app.base import LabFooter, LabScreen
from annlab.app.charts import BarChart, FunctionChart, readable_range
from annlab.engine.backend import Backend
from annlab.engine.tables import activation_at, loss_at
from annlab.language import N_, _
from annlab.training.runner import Training
from annlab.playback.numbers import num
from annlab.scenario.model import Scenario


# The loss gallery's functions by their scenario names in English (as a file writes them), by
# the chapter's words in Chinese. Activation names (sigmoid, tanh, …) are names in every language.
LOSS_WORDS = {
    "mse": N_("mse"), "mae": N_("mae"),
    "binary-cross-entropy": N_("binary-cross-entropy"), "categorical-cross-entropy": N_("categorical-cross-entropy"),
}


def curve_words(name: str) -> str:
    return _(LOSS_WORDS[name]) if name in LOSS_WORDS else name


def nice_step(rough: float) -> float:
    """1, 2 or 5 times a power of ten, at most ``rough``: steps a learner can add up."""
    power = 10.0 ** np.floor(np.log10(rough))
    return float(max(m * power for m in (1, 2, 5) if m * power <= rough * (1 + 1e-9)))


class TableScreen(LabScreen):
    """One row per image, one column per class; the target cell highlighted; each row's loss.

    A row's probabilities (or logits) can be edited live (Enter or v): the row's −ln p, the
    mean, the explanation and the bar chart follow; w keeps the edited table as a file."""

    BINDINGS = [
        Binding("n", "row(1)", N_("next row"), show=False),
        Binding("p", "row(-1)", N_("previous row"), show=False),
        Binding("v", "edit_row", N_("edit row")),
        Binding("w", "keep", N_("keep table"), show=False),
        Binding("escape", "cancel_edit", N_("cancel"), show=False),
    ]

    def __init__(self, scenario: Scenario, backend: Backend):
        super().__init__(scenario)
        table = Training(scenario, backend).run().table  # the runner's table, as `annlab play` shows it
        assert table is not None
        self.table = table

    def compose(self) -> ComposeResult:
        with Horizontal(id="top"):
            yield from self.compose_title()
        with VerticalScroll(id="body"):
            with Horizontal(classes="row", id="table-row"):
                yield DataTable(id="softmax", cursor_type="row", zebra_stripes=False, classes="panel")
                yield BarChart(id="bars", classes="chart")
            yield Static(id="explain", classes="panel")
            with Horizontal(id="table-edit", classes="field"):
                yield Label("", id="table-edit-label")
                yield Input(id="table-edit-input")
            yield Static("", id="table-edit-error")
        yield from self.compose_small()
        yield LabFooter()

    def on_mount(self) -> None:
        self.title = self.scenario.title
        t = self.table
        grid = self.query_one(DataTable)
        grid.border_title = _("softmax outputs (each row sums to 1) and −ln p(target)")
        grid.add_column(_("image"), key="image")
        grid.add_column(_("target"), key="target")
        for c in t.classes:
            grid.add_column(Text(c), key=c)
        grid.add_column("−ln p", key="loss")  # of the target: the border title says so
        for k, row in enumerate(t.rows):
            cells: list = [_image_cell(k, False), Text(row.target)]
            cells += [_probability_cell(p, c == row.target) for c, p in zip(t.classes, row.probabilities)]
            cells.append(Text(f"{row.loss:.4f}", justify="right"))
            grid.add_row(*cells, key=str(k))
        grid.add_row("", Text(_("mean"), style="bold"), *([""] * len(t.classes)), Text(f"{t.mean_loss:.4f}", style="bold", justify="right"), key="mean")
        self.editing: int | None = None  # the row being edited
        self.query_one("#table-edit").display = False
        grid.focus()
        self._explain(0)

    async def retranslate(self) -> None:
        """After a language switch: the same table (edits included) and row, in new words.
        (A DataTable's column labels are fixed once added: compose it again.)"""
        row = self.query_one(DataTable).cursor_row
        await self.recompose()
        self.on_mount()
        self.query_one(DataTable).move_cursor(row=row)
        self._explain(row)
        super().retranslate()

    # -- editing a row ---------------------------------------------------------------------

    @property
    def _edited_values(self) -> str:
        """What a row's editor edits: the file's logits when it has them, else probabilities."""
        return "logits" if self.scenario.table is not None and self.scenario.table.logits is not None else "probabilities"

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_edit_row()

    def action_edit_row(self) -> None:
        spec = self.scenario.table
        assert spec is not None
        index = self.query_one(DataTable).cursor_row
        if index >= len(self.table.rows):
            self.notify(_("The mean follows the rows: choose an image's row to edit."))
            return
        self.editing = index
        values = getattr(spec, self._edited_values)[index]
        what = self._edited_values
        if what == "probabilities":
            label = _("image {image}'s probabilities ({classes}; from 0 to 1, summing to 1):")
        else:
            label = _("image {image}'s logits ({classes}; any finite numbers; softmax turns them into probabilities):")
        self.query_one("#table-edit-label", Label).update(label.format(image=index + 1, classes=", ".join(spec.classes)))
        box = self.query_one("#table-edit-input", Input)
        box.value = ", ".join(repr(float(v)) for v in values)
        self.query_one("#table-edit").display = True
        self.query_one("#table-edit-error", Static).update("")
        box.focus()

    def action_cancel_edit(self) -> None:
        if self.editing is None:
            return
        self.editing = None
        self.query_one("#table-edit").display = False
        self.query_one("#table-edit-error", Static).update("")
        self.query_one(DataTable).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "table-edit-input" or self.editing is None:
            return
        try:
            self.edit_row(self.editing, event.value)
        except ValueError as exc:
            self.query_one("#table-edit-error", Static).update(Text(str(exc), style="bold red"))
            return
        self.action_cancel_edit()

    def edit_row(self, index: int, typed: str) -> None:
        """Replace row ``index``'s probabilities (or logits) with ``typed``, checked by the
        loader's rules and refused in its words (ValueError), and show what follows."""
        from annlab.errors import ScenarioError
        from annlab.scenario.loader import check_scenario
        from annlab.scenario.overrides import parse_numbers
        from annlab.training.tables import softmax_table

        spec = self.scenario.table
        assert spec is not None
        what = self._edited_values
        values = parse_numbers(typed, len(spec.classes), f"{what}, one per class")  # OverrideError is a ValueError
        matrix = np.array(getattr(spec, what), dtype=np.float64)
        matrix[index] = values
        changed = replace(self.scenario, table=replace(spec, **{what: matrix}))
        try:
            check_scenario(changed)
        except ScenarioError as exc:
            # The key and the loader's words; not the file's path (under `annlab serve` it
            # would name where the file lies on the server).
            raise ValueError(f"{exc.key}: {exc.message}" if exc.key else exc.message) from None
        self.scenario = changed
        self.table = softmax_table(changed.table)
        self._show_rows()
        self._explain(index)

    def _show_rows(self) -> None:
        t, grid = self.table, self.query_one(DataTable)
        for k, row in enumerate(t.rows):
            for c, p in zip(t.classes, row.probabilities):
                grid.update_cell(str(k), c, _probability_cell(p, c == row.target))
            grid.update_cell(str(k), "loss", Text(f"{row.loss:.4f}", justify="right"))
        grid.update_cell("mean", "loss", Text(f"{t.mean_loss:.4f}", style="bold", justify="right"))

    def action_keep(self) -> None:
        from annlab.app.keep import NOT_UNDER_SERVE, KeepScreen, may_write_files

        if not may_write_files(self.app):
            self.notify(_(NOT_UNDER_SERVE), severity="warning")
            return
        self.app.push_screen(KeepScreen(self.scenario))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        # ▸ marks the row the bars and the text explain (the cursor's colour alone is lost
        # under NO_COLOR and to colour-blind eyes).
        grid = self.query_one(DataTable)
        for k in range(len(self.table.rows)):
            grid.update_cell(str(k), "image", _image_cell(k, k == event.cursor_row))
        self._explain(event.cursor_row)

    def action_row(self, delta: int) -> None:
        grid = self.query_one(DataTable)
        grid.move_cursor(row=max(0, min(len(self.table.rows) - 1, grid.cursor_row + delta)))

    def _explain(self, index: int) -> None:
        t = self.table
        if index >= len(t.rows):  # the mean row
            text = Text(_("The table's loss is the mean of the rows' losses: {sum} = {mean}").format(
                sum=f"({' + '.join(f'{r.loss:.4f}' for r in t.rows)}) / {len(t.rows)}", mean=f"{t.mean_loss:.4f}"))
            self.query_one("#explain", Static).update(text)
            return
        row = t.rows[index]
        target = t.classes.index(row.target)
        p = float(row.probabilities[target])
        self.query_one(BarChart).draw_bars(_("image {image}: p per class").format(image=index + 1), list(t.classes),
                                           [float(v) for v in row.probabilities], target)
        text = Text()
        text.append(_("Image {image}, target {target}: ").format(image=index + 1, target=row.target), style="bold")
        text.append(_("p({target}) = {p}, so its loss is −ln {p} = {loss}.").format(target=row.target, p=f"{p:.4f}", loss=f"{row.loss:.4f}") + "\n")
        text.append(_("The row sums to {total}. ").format(total=f"{float(row.probabilities.sum()):.4f}"))
        if row.logits is not None:
            text.append(_("Logits {logits} → softmax e^hi/Σe^hj. ").format(logits=", ".join(num(v, 4) for v in row.logits)))
        best = int(np.argmax(row.probabilities))
        if best == target and p >= 0.8:
            text.append(_("Confident and right: a small loss."))
        elif best == target:
            text.append(_("Right but unsure: a moderate loss."))
        elif np.isclose(row.probabilities, row.probabilities[0]).all():
            text.append(_("No idea at all: every class gets 1/{classes}, the loss is ln {classes}.").format(classes=len(t.classes)))
        else:
            text.append(_("Wrong: the network prefers {best} ({p}); the less it gives the target, the larger −ln p grows.").format(
                best=t.classes[best], p=f"{float(row.probabilities[best]):.4f}"))
        text.append("\n" + _("Categorical cross-entropy of the table = mean of the rows' losses = {mean}.").format(mean=f"{t.mean_loss:.4f}"), style="dim")
        self.query_one("#explain", Static).update(text)


def _image_cell(index: int, current: bool) -> Text:
    return Text(f"{'▸' if current else ' '} {index + 1}")


def _probability_cell(p: float, target: bool) -> Text:
    """A probability; the target class's in brackets (and bold reverse), so that it is found
    without colour."""
    return Text(f"[{p:.4f}]" if target else f" {p:.4f} ", style="bold reverse" if target else "", justify="right")


class GalleryScreen(LabScreen):
    """Each function plotted over its range, with the values at a movable cursor."""

    BINDINGS = [
        Binding("right,n", "move(1)", N_("cursor →"), priority=True),
        Binding("left,p", "move(-1)", N_("cursor ←"), priority=True),
        Binding("shift+right,N", "move(10)", N_("big step →"), show=False, priority=True),
        Binding("shift+left,P", "move(-10)", N_("big step ←"), show=False, priority=True),
        Binding("t", "target", N_("loss target"), show=False),
    ]

    def __init__(self, scenario: Scenario, backend: Backend):
        super().__init__(scenario)
        assert scenario.gallery is not None
        self.backend = backend
        self.spec = scenario.gallery
        self.losses = scenario.kind == "losses"
        self._build()

    def _build(self) -> None:
        gallery = Training(replace(self.scenario, gallery=self.spec), self.backend).run().gallery
        assert gallery is not None
        self.gallery = gallery
        self.cursor = float(np.clip(self.spec.cursor, self.spec.x_from, self.spec.x_to))
        self.step = nice_step((self.spec.x_to - self.spec.x_from) / 100)

    def compose(self) -> ComposeResult:
        with Horizontal(id="top"):
            yield from self.compose_title()
        with VerticalScroll(id="body"):
            yield Static(id="values", classes="panel")
            with Grid(id="gallery"):
                for curve in self.gallery.curves:
                    yield FunctionChart(id=f"chart-{curve.name}", classes="chart")
        yield from self.compose_small()
        yield LabFooter()

    def on_mount(self) -> None:
        self.title = self.scenario.title
        self.query_one("#values").border_title = _("values at the cursor (← → to move)")
        self.query_one("#body").focus()
        self._draw()

    def retranslate(self) -> None:
        super().retranslate()
        self.query_one("#values").border_title = _("values at the cursor (← → to move)")
        self._draw()

    def action_move(self, steps: int) -> None:
        self.cursor = float(np.clip(round(self.cursor + steps * self.step, 10), self.spec.x_from, self.spec.x_to))
        self._draw()

    def action_target(self) -> None:
        if not self.losses:
            return
        targets = (1.0, 0.0)
        nxt = targets[(targets.index(self.spec.target) + 1) % 2] if self.spec.target in targets else 1.0
        self.spec = replace(self.spec, target=nxt)
        cursor = self.cursor
        self._build()
        self.cursor = cursor
        self._draw()

    def _draw(self) -> None:
        g = self.gallery
        name = "p" if self.losses else "x"
        table = Table(box=None, padding=(0, 2, 0, 0), expand=False)
        # Names are never cut (the longest sets the column); the formulas wrap, and the
        # numbers are short.
        table.add_column(_("function"), no_wrap=True, min_width=max(cell_len(curve_words(curve.name)) for curve in g.curves))
        for col in (_("formula"), _("value at {name} = {x}").format(name=name, x=num(self.cursor, 4)), _("slope there")):
            table.add_column(col, no_wrap=False)
        for curve in g.curves:
            # Exact values at the cursor (not read off the plotted points).
            inside = not (self.losses and "cross-entropy" in curve.name) or 0 < self.cursor < 1
            if self.losses:
                at = loss_at(curve.name, np.array(self.cursor), g.target or 0.0)
            else:
                at = activation_at(curve.name, np.array(self.cursor))
            value = num(float(at[0]), 5) if inside else _("only for {name} in (0, 1), where ln is defined").format(name=name)
            slope = num(float(at[1]), 5) if inside else "—"
            # The derivative formula may hold words ("1 if h > 0 else 0"): marked N_ in the registry.
            formula = curve.formula if self.losses else f"{curve.formula}\n{_(curve.derivative_formula)}"
            table.add_row(Text(curve_words(curve.name), style="bold"), Text(formula), Text(value), Text(slope))
        head = Text()
        if self.losses:
            head.append(_("Each loss for one prediction p against the target y = {target} (t: change the target).").format(target=num(g.target or 0)) + "\n", style="dim")
        else:
            head.append(_("Each activation a = f(h) and its derivative f'(h), the factor ∂a/∂h the chain rule multiplies in.") + "\n", style="dim")
        from rich.console import Group

        self.query_one("#values", Static).update(Group(head, table))
        for curve in g.curves:
            chart = self.query_one(f"#chart-{curve.name}", FunctionChart)
            lines = [(curve_words(curve.name), curve.y), (_("slope") if self.losses else _("derivative"), curve.dy)]
            # A range that keeps each line readable: −1/p's plunge to −1,000 is cut, not shown whole.
            ylim = readable_range([curve.y, curve.dy]) if self.losses else None
            chart.draw_function(f"{curve_words(curve.name)}: {curve.formula}", curve.x, lines, self.cursor, ylim)
