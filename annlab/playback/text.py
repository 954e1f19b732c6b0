"""The narrated walk-through that ``annlab play`` prints: what a teacher would project.

It stays short for any number of epochs: the first forward pass in full, one parameter's
chain rule, the first update, a handful of selected epochs, and a summary per run.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

import numpy as np

from annlab.analysis import Analysis
from annlab.engine.activations import ACTIVATIONS
from annlab.engine.chain import Chain, Parameter, bias_name, chapter_name, unit_name, weight_name
from annlab.engine.losses import LOSSES
from annlab.engine.optimizers import OPTIMIZERS
from annlab.playback.numbers import difference_digits, matrix, num, signed, sparkline
from annlab.playback.updates import update_lines, why
from annlab.playback.words import diverged, say
from annlab.scenario.kinds import KINDS, resolve
from annlab.scenario.model import Scenario
from annlab.trace import Pass, Run, Trace

if TYPE_CHECKING:
    from annlab.analysis import SweepOutcome

WIDTH = 92
# Multiply-adds above which play checks only the narrated parameter, not every one.
FULL_CHECK_MACS = 50_000_000
MAX_POINTS_SHOWN = 4
MAX_UNITS_SHOWN = 6
MAX_TERMS_SHOWN = 6


def narrate(scenario: Scenario, trace: Trace) -> str:
    out = Writer()
    out.title(scenario.title)
    if scenario.summary:
        out.para(scenario.summary)
    resolve(KINDS[trace.kind].narrate)(out, scenario, trace)
    return out.text()


class Writer:
    """Lines of narration. Paragraphs are wrapped to ``width`` for a terminal's scrollback;
    with ``width=None`` each stays one line, for a widget that reflows it (the app)."""

    def __init__(self, width: int | None = WIDTH) -> None:
        self.lines: list[str] = []
        self.width = width

    def title(self, text: str) -> None:
        self.lines += [f"━━ {text} " + "━" * max(3, WIDTH - len(text) - 4), ""]

    def heading(self, text: str) -> None:
        self.lines += ["", f"── {text} " + "─" * max(3, WIDTH - len(text) - 4)]

    def para(self, text: str, indent: str = "") -> None:
        if self.width is None:
            self.lines.append(indent + " ".join(text.split()))
            return
        self.lines += textwrap.wrap(" ".join(text.split()), self.width, initial_indent=indent, subsequent_indent=indent)

    def line(self, text: str = "") -> None:
        self.lines.append(text)

    def text(self) -> str:
        return "\n".join(self.lines).rstrip() + "\n"


# --- training -----------------------------------------------------------------------------


def _architecture(scenario: Scenario) -> str:
    net = scenario.network
    assert net is not None
    parts = [str(net.layer_sizes[0])] + [f"{n} {a}" for n, a in zip(net.layer_sizes[1:], net.activations)]
    return " → ".join(parts)


def narrate_training(out: Writer, scenario: Scenario, trace: Trace) -> None:
    net, spec = scenario.network, scenario.training
    assert net is not None and spec is not None
    analysis = Analysis(scenario, trace.runs)
    out.line()
    out.line(f"Network   {_architecture(scenario)}  ·  loss {spec.loss}  ·  {net.dtype} parameters ({net.origin})")
    out.line(f"Data      {scenario.data_origin}")
    rates = ", ".join(num(r) for r in spec.learning_rates) if len(spec.learning_rates) <= 6 else (
        f"{len(spec.learning_rates)} rates from {num(spec.learning_rates[0])} to {num(spec.learning_rates[-1])}")
    methods = " and ".join(
        g + (f" (step {num(spec.finite_difference_step)})" if g == "finite-difference" else "") for g in spec.gradients
    )
    batch = "full batch" if spec.batch_size == 0 else f"mini-batches of {spec.batch_size} (each epoch reshuffled)"
    optimizers = " · optimizer " + ", ".join(
        o + "".join(f" {k} {getattr(spec, k):g}" for k in OPTIMIZERS[o].hyper_parameters) for o in spec.optimizers
    ) if spec.optimizers != ("sgd",) else ""
    epochs = f"{spec.epochs:,} epoch{'s' if spec.epochs != 1 else ''}"
    out.line(f"Training  learning rate {rates}  ·  {epochs}  ·  {methods}  ·  {batch}{optimizers}")
    out.line(f"Backend   {trace.backend} ({say(trace.backend_reason)})")
    for note in trace.notes:
        out.para(f"Note: {say(note)}")
    first = analysis.first_pass()
    _forward(out, scenario, trace.runs[0], first)
    chain = _backward(out, scenario, analysis)
    _update(out, scenario, trace.runs[0], chain)
    seen = {trace.runs[0].optimizer}
    for run in trace.runs[1:]:  # each optimiser's first update, when several are compared
        if run.optimizer not in seen:
            seen.add(run.optimizer)
            _update(out, scenario, run, chain)
    if spec.sweep:
        _sweep(out, scenario, trace)  # a thousand runs: one chart, not a thousand tables
        return
    _runs_report(out, scenario, trace)


def runs_report(scenario: Scenario, trace: Trace, width: int | None = WIDTH) -> str:
    """Each run's first epochs as the chapter prints them, then what the runs show together
    (divergence, stuck weights, why finite differences and the chain rule part): the part of
    ``narrate`` that the app's runs panel shows (with ``width=None``: it reflows the text)."""
    out = Writer(width)
    _runs_report(out, scenario, trace)
    return "\n".join(out.lines).strip("\n")


def _runs_report(out: Writer, scenario: Scenario, trace: Trace) -> None:
    for run in trace.runs:
        _epochs(out, scenario, run)
    _summary(out, scenario, trace, Analysis(scenario, trace.runs))


def _forward(out: Writer, scenario: Scenario, run: Run, p: Pass) -> None:
    net = scenario.network
    assert net is not None
    sizes = net.layer_sizes
    m = p.inputs.shape[0]
    out.heading("1. Forward pass (epoch 1, from the initial weights)")
    first = run.records[0].updates[0]
    if first.indices is not None:
        batches = len(run.records[0].updates)
        points = ", ".join(str(int(i) + 1) for i in first.indices[:12]) + (f" and {first.indices.size - 12} more" if first.indices.size > 12 else "")
        out.para(f"Mini-batches: epoch 1 makes {batches} updates, one per batch of {first.indices.size} data points. "
                 f"The first update, shown here, uses batch 1: data points {points}.")
    for point in range(min(m, MAX_POINTS_SHOWN)):
        x = ", ".join(num(v) for v in p.inputs[point][:MAX_TERMS_SHOWN])
        y = ", ".join(num(v) for v in p.targets[point][:MAX_TERMS_SHOWN])
        out.line(f"{_point_name(first, point, m)}: x = ({x}{', …' if sizes[0] > MAX_TERMS_SHOWN else ''}), y = ({y})")
        for l, activation in enumerate(net.activations, start=1):
            below = p.inputs[point] if l == 1 else p.layers[l - 2].activation[point]
            values = p.layers[l - 1]
            out.line(f"  layer {l} ({activation})")
            for j in range(min(sizes[l], MAX_UNITS_SHOWN)):
                h = unit_name("h", l, j, sizes)
                terms = [f"{unit_name('a', l - 1, i, sizes)}·{weight_name(l, i, j)}" for i in range(sizes[l - 1])]
                numbers = [f"{signed(below[i])}·{signed(p.weights[l - 1][i, j])}" for i in range(sizes[l - 1])]
                bias = p.biases[l - 1][j]
                if len(terms) > MAX_TERMS_SHOWN:
                    symbolic = f"Σ_i {unit_name('a', l - 1, 0, sizes)[0]}_i·W{l}[i,{j + 1}] over {len(terms)} inputs + {bias_name(l, j)}"
                    out.line(f"    {h} = {symbolic} = {num(values.pre_activation[point, j])}")
                else:
                    bias_term = f" + {signed(bias)}" if bias != 0 else ""
                    out.line(f"    {h} = {' + '.join(terms)} + {bias_name(l, j)}")
                    out.line(f"        = {' + '.join(numbers)}{bias_term} = {num(values.pre_activation[point, j])}")
                a = unit_name("a", l, j, sizes)
                fn = ACTIVATIONS[activation].symbol
                if activation == "softmax":
                    out.line(f"    {a} = softmax(h{l})_{j + 1} = {num(values.activation[point, j])}")
                else:
                    out.line(f"    {a} = {fn}({h}) = {fn}({num(values.pre_activation[point, j])}) = {num(values.activation[point, j])}")
            if sizes[l] > MAX_UNITS_SHOWN:
                out.line(f"    … and {sizes[l] - MAX_UNITS_SHOWN} more units: a{l} = {matrix(values.activation[point])}")
    if m > MAX_POINTS_SHOWN:
        out.line(f"… and {m - MAX_POINTS_SHOWN} more data points, computed the same way.")
    loss = LOSSES[scenario.training.loss]  # type: ignore[union-attr]
    out.line(f"prediction ŷ = {matrix(p.predictions[:MAX_POINTS_SHOWN].T if p.predictions.shape[1] == 1 else p.predictions[:MAX_POINTS_SHOWN])}"
             f"{' …' if m > MAX_POINTS_SHOWN else ''}")
    on = "" if first.indices is None else " of batch 1"
    m = loss.m(p.predictions)
    what = "data point" if loss.mean_over_rows else "value"
    out.line(f"loss{on}  {loss.formula} = {num(p.loss, 6)}   (m = {m} {what}{'s' if m != 1 else ''})")
    if first.indices is not None:
        out.line(f"(the epoch's loss, over all {scenario.inputs.shape[0]} data points before its first update: {num(run.records[0].loss, 6)})")


def _point_name(update, point: int, m: int) -> str:
    """A data point as the learner finds it in the data (1-based), inside its batch."""
    if update.indices is None:
        return f"data point {point + 1} of {m}"
    return f"batch 1, point {point + 1} of {m} (data point {int(update.indices[point]) + 1})"


# The parameter whose chain the narration follows: the chapter's w11 (layer 1, from input 1
# to unit 1), whose chain is the longest in the network.
NARRATED_WEIGHT = Parameter("weight", 1, 0, 0)


def _chain_lines(chain: Chain) -> list[str]:
    symbols = " · ".join(f.symbol for f in chain.factors)
    meanings = " · ".join(f.meaning for f in chain.factors)
    lines = [f"{chain.symbol} = {symbols}", f"{' ' * len(chain.symbol)} = {meanings}"]
    points = chain.per_point.size
    for point in range(min(points, MAX_POINTS_SHOWN)):
        values = " · ".join(signed(f.values[point]) for f in chain.factors)
        label = f"point {point + 1}: " if points > 1 else ""
        lines.append(f"{' ' * len(chain.symbol)} = {label}{values} = {num(chain.per_point[point])}")
    if points > 1:
        more = f" (… {points - MAX_POINTS_SHOWN} more points)" if points > MAX_POINTS_SHOWN else ""
        lines.append(f"{' ' * len(chain.symbol)} = summed over the {points} data points{more}: {num(chain.total, 6)}")
    return lines


def _backward(out: Writer, scenario: Scenario, analysis: Analysis) -> Chain:
    net = scenario.network
    assert net is not None
    chain = analysis.chain(0, 1, 0, NARRATED_WEIGHT)
    assert chain is not None
    p = analysis.first_pass()
    name = chapter_name(net.layer_sizes, NARRATED_WEIGHT)
    out.heading(f"2. Backward pass: the chain rule for {chain.parameter}" + (f" (the chapter's {name})" if name else ""))
    for text in _chain_lines(chain):
        out.line(text)
    one = analysis.estimates(NARRATED_WEIGHT)
    out.line(
        f"check: central difference {num(one.central_difference, 6)} (relative error "
        f"{num(_rel(chain.total, one.central_difference), 2)}); the chapter's forward difference, "
        f"step {num(scenario.training.finite_difference_step)} in {net.dtype}: {num(one.forward_difference, 6)} "  # type: ignore[union-attr]
        f"(relative error {num(_rel(chain.total, one.forward_difference), 2)})"
    )
    # Checking every parameter costs two forward passes per parameter: worth it while that
    # stays well under a second, and said so otherwise.
    check, count, work = analysis.full_check()
    if check is not None:
        out.line(f"gradient check over all {count} parameters: largest relative error "
                 f"{num(check.max_relative_error, 2)} ({'passed' if check.passed else 'FAILED'}, tolerance {num(check.tolerance)})")
    else:
        out.line(f"(no check of all {count:,} parameters here: it would take {work:,} multiply-adds, "
                 "two forward passes per parameter; that cost is why backpropagation exists)")
    out.line("all gradients by the chain rule:")
    for l, values in enumerate(p.layers, start=1):
        out.line(f"  ∂C/∂W{l} = {matrix(values.weight_gradient)}")
        out.line(f"  ∂C/∂b{l} = {matrix(values.bias_gradient)}")
    return chain


def _rel(a: float, b: float) -> float:
    return abs(a - b) / max(abs(a), abs(b), 1e-12)


def _update(out: Writer, scenario: Scenario, run: Run, chain: Chain) -> None:
    record = run.records[0]
    update = record.updates[0]
    p = NARRATED_WEIGHT
    spec = scenario.training
    assert spec is not None
    optimizer = "" if run.optimizer == "sgd" else f", {run.optimizer}"
    out.heading(f"3. Update (learning rate {num(run.learning_rate)}, {run.gradient} gradients{optimizer})")
    before = p.value(record.start_weights, record.start_biases)
    for line in update_lines(spec, run.optimizer, run.learning_rate, before, record, 0, p, lambda v: num(v, 7), None):
        out.line(line)
    if update.finite_difference is not None:
        fd = update.finite_difference
        grad = p.value(update.weight_gradients, update.bias_gradients)
        loss_plus = p.value(fd.weight_loss_plus, fd.bias_loss_plus)
        digits = difference_digits(update.loss, loss_plus)
        step = spec.finite_difference_step
        out.line(f"  where ∂C/∂{chain.parameter} = (loss_plus − loss)/{num(step)} = ({num(loss_plus, digits)} − {num(update.loss, digits)})/{num(step)} = {num(grad, 6)}")
    if run.optimizer != "sgd":
        out.para(f"({why(spec, run.optimizer)}.)")
    each = "each by −lr × its own gradient" if run.optimizer == "sgd" else f"each by its own {run.optimizer} step"
    if update.indices is None:
        out.line(f"every parameter moves at once, {each}; after epoch 1:")
    else:
        out.line(f"every parameter moves at once, {each} on batch 1; after that first update "
                 f"(epoch 1 makes {len(record.updates)}):")
    for l, (w, b) in enumerate(zip(update.weights, update.biases), start=1):
        out.line(f"  W{l} = {matrix(w, 7)}")
        out.line(f"  b{l} = {matrix(b, 7)}")


def run_label(run: Run) -> str:
    """How a run is named: its learning rate, gradient method and (unless plain) optimiser."""
    return f"learning rate {num(run.learning_rate)}, {run.gradient}" + ("" if run.optimizer == "sgd" else f", {run.optimizer}")


def _selected_epochs(run: Run) -> list[int]:
    recorded = [r.epoch for r in run.records]
    if len(recorded) <= 12:
        return recorded
    head = recorded[:5]
    rest = recorded[5:]
    # sorted(set()), not np.unique: np.unique imports numpy.ma, 5 ms of play's start-up.
    picks = sorted(set((np.geomspace(1, len(rest), 7).astype(int) - 1).tolist()))
    return head + [rest[k] for k in picks if rest[k] not in head]


def _epochs(out: Writer, scenario: Scenario, run: Run) -> None:
    net = scenario.network
    assert net is not None
    label = run_label(run)
    single_weight = net.layer_sizes == (1, 1)
    if single_weight and run.gradient == "finite-difference" and run.records[0].finite_difference is not None:
        out.heading(f"4. The first 10 epochs ({label}), as the chapter prints them")
        for epoch in range(1, min(10, run.epochs_run) + 1):
            record = run.record(epoch)
            if record is None or record.start_weights is None or record.finite_difference is None:
                break
            w0 = record.start_weights[0][0, 0]
            fd = record.finite_difference
            out.line(
                f"weight value: {_r2(w0)} original loss: {_r2(record.loss)} loss_plus: {_r2(fd.weight_loss_plus[0][0, 0])} "
                f"gradient: {_r2(record.weight_gradients[0][0, 0])} updated_weights: {_r2(record.weights[0][0, 0])}"
            )
        return
    out.heading(f"4. Selected epochs ({label})")
    show_params = net.parameter_count() <= 4
    header = f"{'epoch':>8}  {'loss (before update)':>20}"
    names = []
    if show_params:
        for l in range(1, len(net.layer_sizes)):
            names += [weight_name(l, i, j) for i in range(net.layer_sizes[l - 1]) for j in range(net.layer_sizes[l])]
            names += [bias_name(l, j) for j in range(net.layer_sizes[l])]
        header += "".join(f"  {n:>12}" for n in names)
    else:
        label = "‖∂C/∂θ‖ (gradient size)" if run.batch_size == 0 else "‖∂C/∂θ‖ (batch 1's)"
        header += f"  {label:>24}"
    out.line(header)
    for epoch in _selected_epochs(run):
        record = run.record(epoch)
        assert record is not None
        row = f"{epoch:>8}  {num(record.loss, 8):>20}"
        if show_params:
            values = [v for w, b in zip(record.weights, record.biases) for v in (*w.reshape(-1), *b.reshape(-1))]
            row += "".join(f"  {num(v, 7):>12}" for v in values)
        else:
            first = record.updates[0]
            norm = float(np.sqrt(sum(float((g.astype(np.float64) ** 2).sum()) for g in first.weight_gradients + first.bias_gradients)))
            row += f"  {num(norm, 5):>24}"
        out.line(row)
    if run.record_stride > 1:
        out.line(f"(weights were recorded every {run.record_stride:,} epochs to keep memory flat; every epoch's loss is kept)")


def _r2(value: float) -> str:
    """np.round(value, 2) printed as the chapter's print() shows it."""
    return str(np.round(value, 2))


def _summary(out: Writer, scenario: Scenario, trace: Trace, analysis: Analysis) -> None:
    out.heading("5. Summary")
    for run in trace.runs:
        out.line(f"{run_label(run)}: {run.epochs_run:,} epoch{'s' if run.epochs_run != 1 else ''}")
        if run.divergence is not None:
            out.para(f"  {diverged(run.divergence)}. A learning rate this large makes each step overshoot by more than it corrects.", "  ")
        out.line(f"  final loss {num(run.final_loss, 6)}; final predictions {matrix(run.final_predictions.T if run.final_predictions.shape[1] == 1 else run.final_predictions, 6)}")
        if sum(w.size for w in run.final_weights) <= 16:
            for l, (w, b) in enumerate(zip(run.final_weights, run.final_biases), start=1):
                out.line(f"  final W{l} = {matrix(w, 8)}   b{l} = {matrix(b, 8)}")
        for note in analysis.stuck(run):
            out.para(say(note), "  ")
        line, scale = sparkline(run.losses)
        if line and run.epochs_run > 1:
            out.line(f"  loss {line}  {scale}")
    _compare_methods(out, trace, analysis)


def _compare_methods(out: Writer, trace: Trace, analysis: Analysis) -> None:
    """Where a scenario trains the same rate both ways, say how and why they part."""
    by_rate: dict[float, dict[str, Run]] = {}
    for run in trace.runs:
        by_rate.setdefault(run.learning_rate, {})[run.gradient] = run
    for rate, runs in by_rate.items():
        if len(runs) < 2:
            continue
        fd, exact = runs["finite-difference"], runs["chain-rule"]
        out.line()
        out.line(f"finite differences vs the chain rule at learning rate {num(rate)}:")
        if (fd.divergence is None) != (exact.divergence is None) or analysis.stuck(fd):
            out.para(
                "The two runs part ways. The chain rule follows the exact gradient, so with this learning rate "
                "every step overshoots further and the weights grow without bound"
                + (f" ({diverged(exact.divergence)})" if exact.divergence else "")
                + ". The chapter's finite difference measures the gradient by nudging each parameter by 0.0001 "
                "in float32; once a parameter is large, the nudge is lost to rounding, the measured gradient is "
                "exactly 0, and that parameter stops moving.",
                "  ",
            )
        else:
            diffs = [
                float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64))))
                for a, b in zip(fd.final_weights + fd.final_biases, exact.final_weights + exact.final_biases)
            ]
            out.para(
                f"The final parameters differ by at most {num(max(diffs), 3)}; the final losses are "
                f"{num(fd.final_loss, 6)} (finite differences) and {num(exact.final_loss, 6)} (chain rule). "
                "The forward difference overestimates or underestimates each gradient by about "
                "step/2 · ∂²C/∂θ², and float32 rounds the nudge itself; the chain rule has neither error.",
                "  ",
            )


# --- learning-rate sweeps -----------------------------------------------------------------

SWEEP_ROWS = 24
SWEEP_BAR = 40


def _sweep_rows(runs: list[Run], outcome: SweepOutcome) -> list[int]:
    """About SWEEP_ROWS runs spread evenly over the (log-spaced) rates, plus the runs on
    either side of where training broke, which are the point of the chart."""
    picks = set(np.linspace(0, len(runs) - 1, min(SWEEP_ROWS, len(runs))).round().astype(int).tolist())
    for rate in (outcome.last_rate_that_learned, outcome.first_rate_that_failed, outcome.first_rate_that_overflowed, outcome.best_rate):
        if rate is not None:
            picks.add(next(i for i, r in enumerate(runs) if r.learning_rate == rate))
    return sorted(picks)


def _sweep(out: Writer, scenario: Scenario, trace: Trace) -> None:
    from annlab.analysis import hessian_bound, sweep_outcome

    spec = scenario.training
    assert spec is not None
    for gradient in spec.gradients:
        runs = sorted((r for r in trace.runs if r.gradient == gradient), key=lambda r: r.learning_rate)
        if not runs:
            continue
        outcome = sweep_outcome(tuple(runs))
        out.heading(f"4. The sweep ({gradient}): final loss after up to {spec.epochs:,} epochs, per learning rate")
        finals = np.array([r.final_loss for r in runs])
        good = np.isfinite(finals) & (finals > 0)
        logs = np.log10(finals[good]) if good.any() else np.zeros(1)
        low, high = float(logs.min()), float(logs.max())
        span = high - low or 1.0
        out.line(f"{'learning rate':>14}  {'final loss, log scale from ' + num(10 ** low, 2) + ' to ' + num(10 ** high, 2):<{SWEEP_BAR}}  final loss")
        for i in _sweep_rows(runs, outcome):
            run = runs[i]
            if run.divergence is not None:
                bar, note = "✗" * SWEEP_BAR, f"diverged at epoch {run.divergence.epoch:,}"
            else:
                width = 1 + int(round((np.log10(max(run.final_loss, 10 ** low)) - low) / span * (SWEEP_BAR - 1))) if run.final_loss > 0 else 0
                bar = "█" * width
                note = num(run.final_loss, 4) + ("   ↑ grew from " + num(run.losses[0], 4) if outcome.failed[i] else "")
            out.line(f"{num(run.learning_rate, 4):>14}  {bar:<{SWEEP_BAR}}  {note}")
        grew = int(outcome.failed.sum()) - sum(r.divergence is not None for r in runs)
        overflowed = sum(r.divergence is not None for r in runs)
        out.line(f"({len(runs):,} rates; {grew:,} ended above their starting loss (↑), {overflowed:,} overflowed (✗); "
                 f"every epoch's loss is kept, weights every {runs[0].record_stride:,} epoch{'s' if runs[0].record_stride != 1 else ''})")
        out.line()
        bound = hessian_bound(scenario)
        if bound is not None and gradient == "chain-rule":
            out.para(
                f"Exact bound: this loss is quadratic in the parameters, with the constant Hessian "
                f"H = {matrix(bound.hessian, 5)}. Its largest eigenvalue is λmax = {num(bound.largest_eigenvalue, 5)}, "
                f"and gradient descent settles only while lr < 2/λmax = {num(bound.largest_stable_rate, 5)}: "
                f"each step multiplies the error along that direction by (1 − lr·λmax), which grows once lr > 2/λmax."
            )
        observed = []
        if outcome.last_rate_that_learned is not None:
            observed.append(f"the loss still fell at lr = {num(outcome.last_rate_that_learned, 5)}")
        if outcome.first_rate_that_failed is not None:
            observed.append(f"it first failed to fall at lr = {num(outcome.first_rate_that_failed, 5)}")
        if outcome.first_rate_that_overflowed is not None:
            first = next(r for r in runs if r.learning_rate == outcome.first_rate_that_overflowed)
            observed.append(f"the first rate to overflow was {num(first.learning_rate, 5)} ({diverged(first.divergence)})")
        if observed:
            out.para("Where training really broke: " + "; ".join(observed) + ".")
        if outcome.best_rate is not None:
            best = next(r for r in runs if r.learning_rate == outcome.best_rate)
            out.line(f"Lowest final loss: {num(best.final_loss, 4)} at lr = {num(best.learning_rate, 5)}.")


# --- tables and galleries -----------------------------------------------------------------


def narrate_table(out: Writer, scenario: Scenario, trace: Trace) -> None:
    table = trace.table
    assert table is not None
    out.heading("Softmax outputs and categorical cross-entropy")
    width = max(7, *(len(c) + 2 for c in table.classes))
    out.line(f"{'row':>4}  {'target':<8}" + "".join(f"{c:>{width}}" for c in table.classes) + f"{'−ln p(target)':>16}")
    for k, row in enumerate(table.rows, start=1):
        cells = ""
        for c, p in zip(table.classes, row.probabilities):
            text = f"[{p:.4f}]" if c == row.target else f"{p:.4f}"
            cells += f"{text:>{width}}"
        out.line(f"{k:>4}  {row.target:<8}{cells}{row.loss:>16.4f}")
    out.line(f"{'':>4}  {'':<8}" + " " * (width * len(table.classes)) + f"{'mean':>9} {table.mean_loss:>6.4f}")
    out.line()
    out.para("[ ] marks each row's target. Each row sums to 1. A row's loss is −ln of the probability given to its "
             "target: 0 when the network is sure and right, growing without bound as that probability goes to 0.")


def narrate_gallery(out: Writer, scenario: Scenario, trace: Trace) -> None:
    from annlab.engine import tables  # only galleries need it (start-up)

    g = trace.gallery
    assert g is not None
    if g.kind == "activations":
        out.heading("Activations and their derivatives")
        xs = np.array([-10, -5, -2, -1, 0, 1, 2, 5, 10], dtype=float)
    else:
        out.heading(f"Losses for a target of {num(g.target or 0)}")
        xs = np.array([-0.5, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1.5])
    for curve in g.curves:
        out.line(f"{curve.name}: {curve.formula}   ({curve.derivative_formula})")
        inside = [x for x in xs if curve.x[0] <= x <= curve.x[-1]]
        cols = "".join(f" {num(x, 3):>9}" for x in inside)
        at = np.array(inside)
        y, dy = tables.activation_at(curve.name, at) if g.kind == "activations" else tables.loss_at(curve.name, at, g.target or 0.0)
        vals = "".join(f" {num(v, 4):>9}" for v in y)
        ders = "".join(f" {num(v, 4):>9}" for v in dy)
        name = "x" if g.kind == "activations" else "p"
        out.line(f"  {name:<6}{cols}")
        out.line(f"  {'value':<6}{vals}")
        out.line(f"  {'slope':<6}{ders}")
        line, scale = sparkline(curve.y)
        out.line(f"  {line}  over {name} in [{num(curve.x[0])}, {num(curve.x[-1])}]")
        out.line()
