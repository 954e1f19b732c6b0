"""The training screen's text panels: the network, the current step's formula, the chain rule.

Colours carry meaning, and come from the stylesheet (``annlab.tcss``) through component
classes so that every theme gets readable ones:

* ``lab--forward``  values the forward pass computed (and the step being computed now);
* ``lab--backward`` gradients, from the backward pass, and the update;
* ``lab--chosen``   the parameter the chain-rule panel follows;
* ``lab--dim``      what does not touch the chosen parameter (as the chapter greys it out);
* ``lab--label``    names and headings; ``lab--bad`` divergence and failed checks.
"""

from __future__ import annotations

import numpy as np
from rich.cells import cell_len
from rich.console import Group
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from annlab.analysis import gradient_of, relative_error
from annlab.app.view import View
from annlab.engine.activations import ACTIVATIONS
from annlab.engine.chain import bias_name, chapter_name, unit_name, weight_name
from annlab.engine.losses import LOSSES
from annlab.language import _
from annlab.playback.numbers import difference_digits, num
from annlab.playback.words import say
from annlab.playback.updates import previous_state, update_lines, why

MAX_UNITS = 6  # units per layer drawn as nodes; the rest are counted
MAX_COLUMNS = 4  # weight-matrix columns drawn
MAX_ROWS = 6  # weight-matrix rows drawn
MAX_TERMS = 4  # terms of a sum written out
LABEL_WIDTH = 4  # a weight table's row labels: x1, a12, b1
MIN_CELL = 7  # the shortest any number can be ("-5e-324"): a narrower cell would cut it


def point_words(view: View, point: int) -> str:
    """Which data point the values are for: in a mini-batch, its place in the batch and in the data."""
    if not view.batched:
        return _("data point {point} of {points}").format(point=point + 1, points=view.point_count())
    return _("batch {batch}'s point {point} of {points} (data point {index})").format(
        batch=view.update_index + 1, point=point + 1, points=view.point_count(), index=view.data_point(point) + 1)


class LabPanel(Static):
    """A text panel that draws a ``View`` with the meaning-carrying styles."""

    COMPONENT_CLASSES = {"lab--forward", "lab--backward", "lab--chosen", "lab--dim", "lab--label", "lab--bad", "lab--current"}

    def paint(self, name: str, background: bool = False) -> Style:
        # Cached per theme: a panel asks for the same few styles hundreds of times a draw.
        key = (name, background, self.app.theme)
        cache = self.__dict__.setdefault("_paints", {})
        if key not in cache:
            cache[key] = self._paint(name, background)
        return cache[key]

    def _paint(self, name: str, background: bool) -> Style:
        # Resolved against the panel's background, so that colours with alpha (the dimmed
        # text) blend as the stylesheet means; the background itself only where asked for.
        full = self.get_component_rich_style(f"lab--{name}", partial=False)
        return Style(
            color=full.color, bgcolor=full.bgcolor if background else None, bold=full.bold,
            italic=full.italic, underline=full.underline, reverse=full.reverse,
        )

    def show(self, view: View) -> None:
        self.update(self.draw(view))

    def draw(self, view: View):  # pragma: no cover - every panel overrides it
        raise NotImplementedError


def _sizes(view: View) -> tuple[int, ...]:
    return view.session.layer_sizes


def _shown(count: int, limit: int) -> list[int]:
    return list(range(min(count, limit)))


class NetworkPanel(LabPanel):
    """Layers as columns of nodes with their values; the weights and their gradients beneath."""

    def draw(self, view: View):
        return Group(self._draw_nodes(view), self._draw_weights(view))

    def _on_path(self, view: View, layer: int, unit: int) -> bool:
        chain = view_chain(view)
        return not view.dim_off_path or chain is None or (layer, unit) in chain.path_units

    def content_width(self) -> int:
        """The width the panel draws in (before its first layout: the screen's, less a margin).
        One column is kept for the scroll bar its box shows once the content grows taller than
        the box: a table drawn for the width without it would be cut by one column."""
        return (self.size.width or max(20, self.app.size.width - 4)) - 1

    def _draw_nodes(self, view: View):
        sizes = _sizes(view)
        point = view.point
        # Every column gets an equal share of the width; each number is fitted into what its
        # line leaves (fewer digits, then scientific notation), so no number is ever cut or
        # folded, and a node's two values go on two lines when one line is too narrow.
        gap = 2
        room = self.content_width() - gap * (len(sizes) - 1)
        # The inputs' column takes what its values need; the layers share the rest.
        inputs = view.values.inputs[point, :MAX_UNITS]
        needed = max([cell_len(_("inputs"))] + [len(unit_name("a", 0, i, sizes)) + 1 + len(view.n(v)) for i, v in enumerate(inputs)])
        first = min(needed, room // len(sizes))
        budget = max(10, (room - first) // (len(sizes) - 1))
        table = Table(box=None, padding=(0, gap, 0, 0), show_edge=False, expand=False)
        table.add_column(Text(_("inputs"), style=self.paint("label")), overflow="fold", max_width=max(first, 8))
        for l in range(1, len(sizes)):
            name = view.session.activations[l - 1]
            table.add_column(Text(_("layer {layer} · {activation}").format(layer=l, activation=name), style=self.paint("label")), overflow="fold", max_width=budget)
        rows = max(min(s, MAX_UNITS) for s in sizes)
        # The target and the loss sit under the output nodes (in an empty row when there is one).
        y = view.values.targets[point]
        shown_y = y[:MAX_UNITS]
        each = max(1, (budget - 4) // max(1, shown_y.size) - 2)
        target = Text("y = " + ", ".join(view.fit(v, each) for v in shown_y), style=self.paint("label"))
        if view.loss_done():
            target.append(f"\nC = {view.fit(view.values.loss, budget - 4)}", style=self.paint("forward"))
        out = len(sizes) - 1
        target_row = min(sizes[out], MAX_UNITS)
        for r in range(max(rows, target_row + 1)):
            cells = []
            for l, size in enumerate(sizes):
                if l == out and r == target_row:
                    cells.append(target)
                elif r >= size or r >= MAX_UNITS:
                    cells.append(Text(""))
                else:
                    cells.append(self._draw_node(view, l, r, point, max(first, 8) if l == 0 else budget))
            table.add_row(*cells)
        if any(s > MAX_UNITS for s in sizes):
            table.add_row(*[Text(_("… {count} more").format(count=s - MAX_UNITS), style=self.paint("dim")) if s > MAX_UNITS else Text("") for s in sizes])
        if view.point_count() == 1:
            return table
        return Group(Text(_("values for {point} (d: next)").format(point=point_words(view, point)), style=self.paint("label")), table)

    def _draw_node(self, view: View, layer: int, unit: int, point: int, budget: int) -> Text:
        sizes = _sizes(view)
        dim = not self._on_path(view, layer, unit)
        text = Text()
        if layer == 0:
            name = unit_name("a", 0, unit, sizes)
            text.append(f"{name} ", style=self.paint("label"))
            text.append(view.fit(view.values.inputs[point, unit], budget - len(name) - 1), style=self.paint("forward"))
        else:
            # "h11 0.36 a11 0.58904" on one line when it fits, else one value per line; then
            # its ∂C/∂h once the backward pass reached it.
            values = view.values.layers[layer - 1]
            parts = []
            for kind, array in (("h", values.pre_activation), ("a", values.activation)):
                step_kind = "pre" if kind == "h" else "act"
                name = unit_name(kind, layer, unit, sizes)
                if view.forward_done(layer, step_kind):
                    style = self.paint("current") if view.is_current(layer, step_kind) else self.paint("forward")
                    parts.append((name, view.fit(array[point, unit], budget - len(name) - 1), style))
                else:
                    parts.append((name, "·", self.paint("dim")))
            one_line = sum(len(name) + 1 + len(value) for name, value, _ in parts) + 1 <= budget
            for k, (name, value, style) in enumerate(parts):
                if k:
                    text.append(" " if one_line else "\n")
                text.append(f"{name} ", style=self.paint("label"))
                text.append(value, style=style)
            label = "  ∂C/∂h "
            text.append("\n" + label, style=self.paint("label"))
            if view.backward_done(layer):
                style = self.paint("current") if view.is_current(layer, "back") else self.paint("backward")
                text.append(view.fit(values.delta[point, unit], budget - len(label)), style=style)
            else:
                text.append("·", style=self.paint("dim"))
        if dim:
            text.stylize(self.paint("dim"))
        return text

    def _draw_weights(self, view: View):
        sizes = _sizes(view)
        blocks = [self._draw_matrix(view, l, self._cell_width(view, l)) for l in range(1, len(sizes))]
        legend = Text(_("weights: value"), style=self.paint("label"))
        if any(view.backward_done(l) for l in range(1, len(sizes))):
            how = _(" (the update's: finite differences)") if view.run.gradient == "finite-difference" else ""
            legend.append(f", ∂C/∂W{how}", style=self.paint("backward"))
        if view.step.kind == "update":
            legend.append(_(", → after the update"), style=self.paint("backward"))
        return Group(legend, self._arrange(view, blocks))

    def _natural_cell_width(self, view: View) -> int:
        """A cell as wide as its numbers at the chosen precision ("→" and a sign included)."""
        return view.short_digits() + 8

    def _cell_width(self, view: View, layer: int) -> int:
        """The matrix's cell width: its natural width, or its share of the panel when stacked
        matrices are still too wide (its numbers are then fitted, never cut)."""
        sizes = _sizes(view)
        columns = min(sizes[layer], MAX_COLUMNS) + (sizes[layer] > MAX_COLUMNS)
        share = (self.content_width() - LABEL_WIDTH - 1) // columns - 1
        return max(MIN_CELL, min(self._natural_cell_width(view), share))

    def _arrange(self, view: View, blocks: list):
        sizes = _sizes(view)
        # Side by side when they fit the panel at their natural width, else one under the other.
        cell = self._natural_cell_width(view)
        wanted = sum(LABEL_WIDTH + 1 + (cell + 1) * min(sizes[l], MAX_COLUMNS) + 3 for l in range(1, len(sizes)))
        if wanted > self.content_width():
            return Group(*blocks)
        outer = Table(box=None, padding=(0, 3, 0, 0), show_header=False, expand=False)
        for _block in blocks:
            outer.add_column(no_wrap=True)
        outer.add_row(*blocks)
        return outer

    def _draw_matrix(self, view: View, layer: int, width: int) -> Table:
        sizes = _sizes(view)
        w, b = view.values.weights[layer - 1], view.values.biases[layer - 1]
        # The gradient shown is the one the update used (the finite difference in that mode).
        used = view.update
        after = used if view.step.kind == "update" else None
        chain = view_chain(view)
        # The matrix's name in its corner; what the lines of a cell mean is said once, above.
        table = Table(box=None, padding=(0, 1, 0, 0), expand=False)
        table.add_column(Text(f"W{layer}", style=self.paint("label")), no_wrap=True, min_width=LABEL_WIDTH)
        cols = _shown(sizes[layer], MAX_COLUMNS)
        for j in cols:
            table.add_column(Text(unit_name("h", layer, j, sizes), style=self.paint("label")), no_wrap=True, justify="right", max_width=width)
        if sizes[layer] > MAX_COLUMNS:
            table.add_column(Text(f"+{sizes[layer] - MAX_COLUMNS}", style=self.paint("dim")))
        rows = _shown(sizes[layer - 1], MAX_ROWS)
        for i in rows + [-1]:
            label = unit_name("a", layer - 1, i, sizes) if i >= 0 else bias_name(layer, 0).split("[")[0]
            cells = [Text(label, style=self.paint("label"))]
            for j in cols:
                if i >= 0:
                    kind, name, value, grad = "weight", weight_name(layer, i, j), w[i, j], used.weight_gradients[layer - 1][i, j]
                    new = after.weights[layer - 1][i, j] if after is not None else None
                    on_path = chain is None or (layer, i, j) in chain.path_weights
                    args = f"'weight',{layer},{i},{j}"
                else:
                    kind, name, value, grad = "bias", bias_name(layer, j), b[j], used.bias_gradients[layer - 1][j]
                    new = after.biases[layer - 1][j] if after is not None else None
                    on_path = chain is None or (kind == view.parameter.kind and layer == view.parameter.layer and j == view.parameter.i)
                    args = f"'bias',{layer},{j},0"
                chosen = view.parameter.kind == kind and view.parameter.name == name
                cell = Text()
                digits = view.short_digits()
                if chosen:  # ▸ as well as the colour: found under NO_COLOR and by colour-blind eyes
                    cell.append("▸" + view.fit(value, width - 1, digits), style=self.paint("chosen"))
                else:
                    cell.append(view.fit(value, width, digits))
                if view.backward_done(layer):
                    cell.append("\n" + view.fit(grad, width, digits), style=self.paint("backward"))
                if new is not None:
                    cell.append("\n→" + view.fit(new, width - 1, digits), style=self.paint("backward"))
                if view.dim_off_path and not on_path and not chosen:
                    cell.stylize(self.paint("dim"))
                # Clicking a weight picks it for the chain-rule panel.
                cell.stylize(Style.from_meta({"@click": f"screen.pick({args})"}))
                cells.append(cell)
            if sizes[layer] > MAX_COLUMNS:
                cells.append(Text("…", style=self.paint("dim")))
            table.add_row(*cells)
            if i == rows[-1] and sizes[layer - 1] > MAX_ROWS:
                table.add_row(Text(f"+{sizes[layer - 1] - MAX_ROWS}", style=self.paint("dim")))
        return table


def view_chain(view: View):
    """The chain of factors for the chosen parameter at this update (from the shared analysis)."""
    return view.session.analysis.chain(view.run_index, view.epoch, view.update_index, view.parameter)


# --- the step panel -----------------------------------------------------------------------


class StepPanel(LabPanel):
    """The current step's formula, then the same formula with the numbers put in."""

    def draw(self, view: View):
        s = view.step
        head = Text()
        head.append(_("Epoch {epoch}").format(epoch=f"{view.epoch:,}"), style=self.paint("label"))
        if view.batched:
            head.append(_(" · batch {batch} of {batches}").format(batch=view.update_index + 1, batches=view.updates), style=self.paint("label"))
        head.append(f" · {_step_title(view)}", style=self.paint("backward" if s.phase == "backward" else "forward"))
        if view.point_count() > 1 and s.kind in ("pre", "act", "back"):
            head.append(" · " + _("{point} (d: next)").format(point=point_words(view, view.point)), style=self.paint("dim"))
        body = {
            "start": self._draw_start,
            "pre": self._draw_pre,
            "act": self._draw_act,
            "loss": self._draw_loss,
            "back": self._draw_back,
            "update": self._draw_update,
        }[s.kind](view)
        return Group(head, *body)

    def _draw_start(self, view: View) -> list:
        x = view.values.inputs[view.point]
        y = view.values.targets[view.point]
        lines = [
            Text(_("The parameters after batch {batch}'s update are in the weight tables (W, b).").format(batch=view.update_index) if view.update_index else
                 _("The parameters at the start of epoch {epoch} are in the weight tables (W, b).").format(epoch=f"{view.epoch:,}")),
        ]
        if view.batched:
            indices = view.update.indices
            shown = ", ".join(str(int(i) + 1) for i in indices[:10])
            if indices.size > 10:
                shown = _("{points} and {count} more").format(points=shown, count=indices.size - 10)
            lines.append(Text(_("Batch {batch} of {batches} (epoch {epoch} shuffles the data, then updates once per batch): data points {points}.").format(
                batch=view.update_index + 1, batches=view.updates, epoch=f"{view.epoch:,}", points=shown)))
        point = point_words(view, view.point)
        lines += [
            Text(f"{point[:1].upper()}{point[1:]}: x = ({', '.join(view.n(v) for v in x[:8])}"
                 f"{', …' if x.size > 8 else ''}), y = ({', '.join(view.n(v) for v in y[:8])})"),
            Text(_("Next: the forward pass, one layer at a time."), style=self.paint("dim")),
        ]
        if view.epoch == 1 and view.update_index == 0:
            lines.insert(0, Text(_("Initial parameters: {origin}.").format(origin=say(view.session.scenario.network.origin)), style=self.paint("dim")))  # type: ignore[union-attr]
        return lines

    def _draw_pre(self, view: View) -> list:
        l = view.step.layer
        sizes = _sizes(view)
        below = view.below(l)[view.point]
        w, b = view.values.weights[l - 1], view.values.biases[l - 1]
        h = view.values.layers[l - 1].pre_activation[view.point]
        lines = [Text(_("h{l} = a{below}·W{l} + b{l}: each unit sums its inputs times their weights, plus its bias").format(l=l, below=l - 1), style=self.paint("dim"))]
        for j in _shown(sizes[l], MAX_UNITS):
            name = unit_name("h", l, j, sizes)
            n_in = sizes[l - 1]
            if n_in <= MAX_TERMS:
                symbols = " + ".join(f"{unit_name('a', l - 1, i, sizes)}·{weight_name(l, i, j)}" for i in range(n_in))
                numbers = " + ".join(f"{view.signed(below[i])}·{view.signed(w[i, j])}" for i in range(n_in))
            else:
                symbols = _("Σ over {inputs} inputs of a·W{l}[i,{j}]").format(inputs=n_in, l=l, j=j + 1)
                numbers = " + ".join(f"{view.signed(below[i])}·{view.signed(w[i, j])}" for i in range(2)) + " + …"
            line = Text(f"{name} = {symbols} + {bias_name(l, j)}\n", style=self.paint("label"))
            line.append(" " * len(name) + f" = {numbers} + {view.signed(b[j])} = ")
            line.append(view.n(h[j]), style=self.paint("current"))
            lines.append(line)
        if sizes[l] > MAX_UNITS:
            lines.append(Text(_("… and {count} more units, the same way").format(count=sizes[l] - MAX_UNITS), style=self.paint("dim")))
        return lines

    def _draw_act(self, view: View) -> list:
        l = view.step.layer
        sizes = _sizes(view)
        name = view.session.activations[l - 1]
        values = view.values.layers[l - 1]
        fn = ACTIVATIONS[name]
        lines = [Text(fn.formula, style=self.paint("dim"))]
        for j in _shown(sizes[l], MAX_UNITS):
            a, h = unit_name("a", l, j, sizes), unit_name("h", l, j, sizes)
            line = Text()
            if name == "softmax":
                line.append(f"{a} = e^{h} / Σ_k e^h{l}k = ")
            else:
                symbol = ACTIVATIONS[name].symbol
                line.append(f"{a} = {symbol}({h}) = {symbol}({view.n(values.pre_activation[view.point, j])}) = ")
            line.append(view.n(values.activation[view.point, j]), style=self.paint("current"))
            lines.append(line)
        if sizes[l] > MAX_UNITS:
            lines.append(Text(_("… and {count} more units").format(count=sizes[l] - MAX_UNITS), style=self.paint("dim")))
        return lines

    def _draw_loss(self, view: View) -> list:
        loss = LOSSES[view.session.loss_name]
        p = view.values
        m = loss.m(p.predictions)
        lines = [Text(loss.formula, style=self.paint("dim"))]
        if view.batched:
            lines.append(Text(_("on batch {batch}'s {points} data points (the update's own loss); "
                                "the epoch's loss, all the data before its first update: {loss}").format(
                batch=view.update_index + 1, points=p.inputs.shape[0], loss=view.n(view.record.loss)), style=self.paint("dim")))
        pairs = ", ".join(
            f"({', '.join(view.n(v) for v in p.predictions[k][:4])} vs {', '.join(view.n(v) for v in p.targets[k][:4])})"
            for k in range(min(3, p.predictions.shape[0]))
        )
        more = _(", … {count} more").format(count=p.predictions.shape[0] - 3) if p.predictions.shape[0] > 3 else ""
        lines.append(Text(f"ŷ vs y: {pairs}{more}"))
        if view.session.loss_name == "mse" and p.predictions.size <= 4:
            terms = " + ".join(f"({view.n(a)} − {view.n(b)})²" for a, b in zip(p.predictions.reshape(-1), p.targets.reshape(-1)))
            line = Text(f"C = (1/{m})·[{terms}] = ")
        else:
            counted = _("data points") if loss.mean_over_rows else _("values")
            line = Text(_("C (m = {m} {counted}) = ").format(m=m, counted=counted))
        line.append(view.n(p.loss), style=self.paint("current"))
        lines.append(line)
        return lines

    def _draw_back(self, view: View) -> list:
        l = view.step.layer
        sizes = _sizes(view)
        values = view.values.layers[l - 1]
        activation = view.session.activations[l - 1]
        pt = view.point
        lines: list = []
        units = _shown(sizes[l], min(MAX_UNITS, 3))
        for j in units:
            a, h = unit_name("a", l, j, sizes), unit_name("h", l, j, sizes)
            if l == view.layers:
                if ACTIVATIONS[activation].elementwise:
                    line = Text(f"∂C/∂{a} = {LOSSES[view.session.loss_name].gradient_formula} = {view.n(values.upstream[pt, j])}")
                else:
                    line = Text(_("∂C/∂{h} = softmax with the loss, (p − y)/m = ").format(h=h))
                    line.append(view.n(values.delta[pt, j]), style=self.paint("current"))
                    lines.append(line)
                    continue
            else:
                above = view.values.layers[l]
                w_above = view.values.weights[l]
                n_above = sizes[l + 1]
                terms = " + ".join(f"{view.signed(above.delta[pt, k])}·{view.signed(w_above[j, k])}" for k in range(min(n_above, 3)))
                line = Text(f"∂C/∂{a} = Σ_k ∂C/∂h{l + 1}k·W{l + 1}[{j + 1},k] = {terms}{' + …' if n_above > 3 else ''} = {view.n(values.upstream[pt, j])}")
            lines.append(line)
            d = Text(f"∂C/∂{h} = ∂C/∂{a}·{ACTIVATIONS[activation].symbol}'({h}) = {view.signed(values.upstream[pt, j])}·{view.signed(values.activation_derivative[pt, j])} = ")
            d.append(view.n(values.delta[pt, j]), style=self.paint("current"))
            lines.append(d)
        if sizes[l] > len(units):
            lines.append(Text(_("… and {count} more units (their ∂C/∂h are in the network panel)").format(count=sizes[l] - len(units)), style=self.paint("dim")))
        m = view.point_count()
        src = unit_name("a", l - 1, 0, sizes)
        over = _("Σ over the {points} data points of ").format(points=m) if m > 1 else ""
        g = Text(f"∂C/∂W{l}[i,j] = {over}a{l - 1},i·∂C/∂h{l},j", style=self.paint("dim"))
        lines.append(g)
        example = Text(_("e.g. {gradient} = ").format(gradient=f"∂C/∂{weight_name(l, 0, 0)}"))
        if m == 1:
            example.append(f"{src}·∂C/∂{unit_name('h', l, 0, sizes)} = {view.signed(view.below(l)[0, 0])}·{view.signed(values.delta[0, 0])} = ")
        example.append(view.n(values.weight_gradient[0, 0]), style=self.paint("backward"))
        example.append(f";  ∂C/∂{bias_name(l, 0)} = ")
        example.append(view.n(values.bias_gradient[0]), style=self.paint("backward"))
        lines.append(example)
        if view.run.gradient == "finite-difference":
            lines.append(Text(_("This run's update uses the chapter's finite differences, not these chain-rule gradients; "
                                "the weight tables show the ones it used, the chain-rule panel compares the two."), style=self.paint("dim")))
        return lines

    def _draw_update(self, view: View) -> list:
        update = view.update
        run = view.run
        p = view.parameter
        spec = view.session.scenario.training
        before = p.value(view.values.weights, view.values.biases)
        grad = gradient_of(p, (update.weight_gradients, update.bias_gradients))
        step = view.session.scenario.training.finite_difference_step  # type: ignore[union-attr]
        how = _("the chain rule") if run.gradient == "chain-rule" else _("the chapter's finite difference, (loss_plus − loss)/{step}").format(step=view.n(step))
        on = _(" on batch {batch}'s data points").format(batch=view.update_index + 1) if view.batched else ""
        rule = "θ ← θ − lr·∂C/∂θ" if run.optimizer == "sgd" else _("each θ by its own {optimizer} step").format(optimizer=run.optimizer)
        lines = [Text(_("Every parameter moves at once: {rule}, gradients by {how}{on}").format(rule=rule, how=how, on=on), style=self.paint("dim"))]
        if run.optimizer != "sgd":
            lines.append(Text(f"({why(spec, run.optimizer)})", style=self.paint("dim")))
        record = view.record
        previous = previous_state(_records_of(run), record, view.update_index)
        for k, text in enumerate(update_lines(spec, run.optimizer, run.learning_rate, before, record, view.update_index, p, view.n, previous)):
            final = text.rpartition(" = ")
            line = Text(final[0] + " = " if final[1] else text, style="" if k == 0 or final[1] else self.paint("dim"))
            if final[1]:
                line.append(final[2], style=self.paint("chosen") if text.startswith(p.name + " ←") else "")
            lines.append(line)
        if update.finite_difference is not None:
            fd = update.finite_difference
            plus = gradient_of(p, (fd.weight_loss_plus, fd.bias_loss_plus))
            nudge = gradient_of(p, (fd.weight_nudges, fd.bias_nudges))
            digits = max(view.digits(), difference_digits(update.loss, plus))
            lines.append(Text(f"∂C/∂{p.name} = " + _("(loss_plus − loss)/{step}").format(step=view.n(step)) + f" = ({num(plus, digits)} − {num(update.loss, digits)})/{view.n(step)}"
                              f" = {view.n(grad)} · " + _("nudge really applied {nudge}").format(nudge=view.n(nudge))
                              + (_("  (rounded away: the weight is stuck)") if nudge == 0 else ""), style=self.paint("dim")))
        changed = sum(int(np.count_nonzero(a != b)) for a, b in zip(update.weights + update.biases, view.values.weights + view.values.biases))
        total = sum(a.size for a in update.weights + update.biases)
        nxt = _("then the next batch") if view.update_index + 1 < view.updates else _("new loss next epoch")
        lines.append(Text(_("{changed} of {total} parameters changed; {next}").format(changed=changed, total=total, next=nxt), style=self.paint("dim")))
        return lines


def _records_of(run):
    """A run's records in order (a live run's so far), to find the optimiser's state before."""
    if run.result is not None:
        return run.result.records
    return [run.record(e) for e in sorted(run._records)]


def _step_title(view: View) -> str:
    from annlab.app.steps import describe

    return describe(view.step, view.layers)


# --- the chain-rule panel -----------------------------------------------------------------


class ChainPanel(LabPanel):
    """The chosen parameter's gradient as a product of factors, checked by finite differences."""

    def draw(self, view: View):
        chain = view_chain(view)
        p = view.parameter
        head = Text()
        head.append(f"{chain.symbol}", style=self.paint("chosen"))
        name = chapter_name(view.session.layer_sizes, p)
        if name:
            head.append(_(" (the chapter's {gradient})").format(gradient=f"∂C/∂{name}"), style=self.paint("label"))
        head.append(_("  (epoch {epoch}; [ ] or click a weight: another parameter)").format(epoch=f"{view.epoch:,}"), style=self.paint("dim"))
        pad = " " * len(chain.symbol)
        symbols = Text(f"{chain.symbol} = " + " · ".join(f.symbol for f in chain.factors))
        meanings = Text(f"{pad} = " + " · ".join(f.meaning for f in chain.factors), style=self.paint("dim"))
        lines = [head, symbols, meanings]
        points = chain.per_point.size
        for k in range(min(points, 4)):
            row = Text(f"{pad} = " + ("" if points == 1 else _("point {point}: ").format(point=k + 1)))
            for n, f in enumerate(chain.factors):
                if n:
                    row.append(" · ")
                row.append(view.signed(f.values[k]), style=self.paint("backward"))
            if points > 1:
                row.append(f" = {view.n(chain.per_point[k])}")
            lines.append(row)
        if points > 1:
            total = Text(f"{pad} = " + _("sum over the {points} data points = ").format(points=points))
            total.append(view.n(chain.total), style=self.paint("chosen"))
            if points > 4:
                total.append(_("   (… {count} more points)").format(count=points - 4), style=self.paint("dim"))
            lines.append(total)
        else:
            lines[-1].append(" = ")
            lines[-1].append(view.n(chain.total), style=self.paint("chosen"))
        checks = view.session.analysis.checks(view.run_index, view.epoch, view.update_index)
        if checks is None:
            lines.append(Text(_("finite-difference check skipped: too many parameters for one key press"), style=self.paint("dim")))
        else:
            fd = gradient_of(p, checks.forward_difference)
            central = gradient_of(p, checks.central)
            used = _(", the one this update used") if checks.used else ""
            for label, value in ((_("finite difference (the chapter's: +{step} in {dtype}{used})").format(step=view.n(checks.step), dtype=checks.dtype, used=used), fd),
                                 (_("central difference (float64)"), central)):
                err = relative_error(chain.total, value)
                row = Text(_("{label}: {value} · relative error ").format(label=label, value=view.n(value)))
                row.append(f"{err:.1e}", style=self.paint("bad") if err > 1e-2 else self.paint("forward"))
                lines.append(row)
        return Group(*lines)
