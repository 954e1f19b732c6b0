"""The narrated walk-through that ``annlab play`` prints: what a teacher would project.

It stays short for any number of epochs: the first forward pass in full, one parameter's
chain rule, the first update, a handful of selected epochs, and a summary per run.
"""

from __future__ import annotations

from functools import reduce
from typing import TYPE_CHECKING

import numpy as np

from annlab.analysis import Analysis
from annlab.engine.activations import ACTIVATIONS
from annlab.engine.chain import Chain, Parameter, bias_name, chapter_name, unit_name, weight_name
from annlab.engine.losses import LOSSES
from annlab.engine.optimizers import OPTIMIZERS
from annlab.language import N_, _, ngettext
from annlab.playback.layout import cells, pad, wrap
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
        self.lines += [f"━━ {text} " + "━" * max(3, WIDTH - cells(text) - 4), ""]

    def heading(self, text: str) -> None:
        self.lines += ["", f"── {text} " + "─" * max(3, WIDTH - cells(text) - 4)]

    def para(self, text: str, indent: str = "") -> None:
        if self.width is None:
            self.lines.append(indent + " ".join(text.split()))
            return
        self.lines += wrap(text, self.width, indent)

    def line(self, text: str = "") -> None:
        self.lines.append(text)

    def text(self) -> str:
        return "\n".join(self.lines).rstrip() + "\n"


# --- names ---------------------------------------------------------------------------------

# How each way of computing gradients is named (the file's values, read by a learner).
GRADIENT_LABELS = {"chain-rule": N_("chain-rule"), "finite-difference": N_("finite-difference")}


def gradient_label(gradient: str) -> str:
    return _(GRADIENT_LABELS[gradient])


def optimizer_label(optimizer: str) -> str:
    return _(OPTIMIZERS[optimizer].label)


def loss_label(loss: str) -> str:
    return _(LOSSES[loss].label)


def _clauses(parts: list[str]) -> str:
    """Clauses of one sentence, joined as the language joins them ("a; b; c")."""
    return reduce(lambda first, then: _("{first}; {then}").format(first=first, then=then), parts)


def _listed(items: list[str]) -> str:
    """Items of a list, joined as the language joins them ("a, b, c")."""
    return reduce(lambda first, then: _("{first}, {then}").format(first=first, then=then), items)


def _optimizer_settings(spec, optimizer: str) -> str:
    """An optimiser and its hyper-parameters, by the names the scenario file gives them."""
    settings = " ".join(f"{k} {getattr(spec, k):g}" for k in OPTIMIZERS[optimizer].hyper_parameters)
    if not settings:
        return optimizer_label(optimizer)
    return _("{optimizer} {settings}").format(optimizer=optimizer_label(optimizer), settings=settings)


def _row_label(text: str) -> str:
    """The label column of the overview (Network, Data, ...): 10 cells wide."""
    return pad(text, 10, "<")


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
    out.line(_row_label(_("Network")) + _("{architecture}  ·  loss {loss}  ·  {dtype} parameters ({origin})").format(
        architecture=_architecture(scenario), loss=loss_label(spec.loss), dtype=net.dtype, origin=say(net.origin)))
    out.line(_row_label(_("Data")) + _data_origin(scenario))
    rates = ", ".join(num(r) for r in spec.learning_rates) if len(spec.learning_rates) <= 6 else (
        _("{count} rates from {first} to {last}").format(
            count=len(spec.learning_rates), first=num(spec.learning_rates[0]), last=num(spec.learning_rates[-1])))
    step = num(spec.finite_difference_step)
    named = [_("finite-difference (step {step})").format(step=step) if g == "finite-difference" else gradient_label(g) for g in spec.gradients]
    methods = named[0] if len(named) == 1 else _("{first} and {second}").format(first=named[0], second=named[1])
    batch = _("full batch") if spec.batch_size == 0 else _("mini-batches of {size} (each epoch reshuffled)").format(size=spec.batch_size)
    optimizers = " · " + _("optimizer {optimizers}").format(
        optimizers=_listed([_optimizer_settings(spec, o) for o in spec.optimizers])) if spec.optimizers != ("sgd",) else ""
    epochs = ngettext("{n} epoch", "{n} epochs", spec.epochs).format(n=f"{spec.epochs:,}")
    out.line(_row_label(_("Training")) + _("learning rate {rates}  ·  {epochs}  ·  {methods}  ·  {batch}{optimizers}").format(
        rates=rates, epochs=epochs, methods=methods, batch=batch, optimizers=optimizers))
    out.line(_row_label(_("Backend")) + _("{backend} ({reason})").format(backend=trace.backend, reason=say(trace.backend_reason)))
    for note in trace.notes:
        out.para(_("Note: {note}").format(note=say(note)))
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


def _data_origin(scenario: Scenario) -> str:
    """Where the data came from: the file's rows or a seeded generator."""
    g = scenario.generated
    if g is not None:
        return _("{samples} points from the {generator} generator (seed {seed}, noise {noise})").format(
            samples=g.samples, generator=repr(g.generator), seed=g.seed, noise=g.noise)
    rows = scenario.inputs.shape[0]  # type: ignore[union-attr]
    return ngettext("{n} data point from the file", "{n} data points from the file", rows).format(n=rows)


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
    out.heading(_("1. Forward pass (epoch 1, from the initial weights)"))
    first = run.records[0].updates[0]
    if first.indices is not None:
        batches = len(run.records[0].updates)
        points = ", ".join(str(int(i) + 1) for i in first.indices[:12])
        if first.indices.size > 12:
            points = _("{shown} and {count} more").format(shown=points, count=first.indices.size - 12)
        out.para(_("Mini-batches: epoch 1 makes {updates} updates, one per batch of {size} data points. "
                   "The first update, shown here, uses batch 1: data points {points}.").format(
                       updates=batches, size=first.indices.size, points=points))
    for point in range(min(m, MAX_POINTS_SHOWN)):
        x = ", ".join(num(v) for v in p.inputs[point][:MAX_TERMS_SHOWN])
        y = ", ".join(num(v) for v in p.targets[point][:MAX_TERMS_SHOWN])
        out.line(f"{_point_name(first, point, m)}: x = ({x}{', …' if sizes[0] > MAX_TERMS_SHOWN else ''}), y = ({y})")
        for l, activation in enumerate(net.activations, start=1):
            below = p.inputs[point] if l == 1 else p.layers[l - 2].activation[point]
            values = p.layers[l - 1]
            out.line("  " + _("layer {layer} ({activation})").format(layer=l, activation=activation))
            for j in range(min(sizes[l], MAX_UNITS_SHOWN)):
                h = unit_name("h", l, j, sizes)
                terms = [f"{unit_name('a', l - 1, i, sizes)}·{weight_name(l, i, j)}" for i in range(sizes[l - 1])]
                numbers = [f"{signed(below[i])}·{signed(p.weights[l - 1][i, j])}" for i in range(sizes[l - 1])]
                bias = p.biases[l - 1][j]
                if len(terms) > MAX_TERMS_SHOWN:
                    symbolic = _("{sum} over {count} inputs + {bias}").format(
                        sum=f"Σ_i {unit_name('a', l - 1, 0, sizes)[0]}_i·W{l}[i,{j + 1}]", count=len(terms), bias=bias_name(l, j))
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
                out.line("    " + _("… and {count} more units: {name} = {values}").format(
                    count=sizes[l] - MAX_UNITS_SHOWN, name=f"a{l}", values=matrix(values.activation[point])))
    if m > MAX_POINTS_SHOWN:
        out.line(_("… and {count} more data points, computed the same way.").format(count=m - MAX_POINTS_SHOWN))
    loss = LOSSES[scenario.training.loss]  # type: ignore[union-attr]
    shown = matrix(p.predictions[:MAX_POINTS_SHOWN].T if p.predictions.shape[1] == 1 else p.predictions[:MAX_POINTS_SHOWN])
    out.line(_("prediction ŷ = {values}").format(values=shown) + (" …" if m > MAX_POINTS_SHOWN else ""))
    label = _("loss") if first.indices is None else _("loss of batch 1")
    m = loss.m(p.predictions)
    count = (ngettext("{n} data point", "{n} data points", m) if loss.mean_over_rows else ngettext("{n} value", "{n} values", m)).format(n=m)
    out.line(f"{label}  {loss.formula} = {num(p.loss, 6)}   (m = {count})")
    if first.indices is not None:
        out.line(_("(the epoch's loss, over all {count} data points before its first update: {loss})").format(
            count=scenario.inputs.shape[0], loss=num(run.records[0].loss, 6)))


def _point_name(update, point: int, m: int) -> str:
    """A data point as the learner finds it in the data (1-based), inside its batch."""
    if update.indices is None:
        return _("data point {point} of {count}").format(point=point + 1, count=m)
    return _("batch 1, point {point} of {count} (data point {index})").format(
        point=point + 1, count=m, index=int(update.indices[point]) + 1)


# The parameter whose chain the narration follows: the chapter's w11 (layer 1, from input 1
# to unit 1), whose chain is the longest in the network.
NARRATED_WEIGHT = Parameter("weight", 1, 0, 0)


def _chain_lines(chain: Chain) -> list[str]:
    symbols = " · ".join(f.symbol for f in chain.factors)
    meanings = " · ".join(f.meaning for f in chain.factors)
    under = " " * cells(chain.symbol)  # the "=" signs line up under the first one
    lines = [f"{chain.symbol} = {symbols}", f"{under} = {meanings}"]
    points = chain.per_point.size
    for point in range(min(points, MAX_POINTS_SHOWN)):
        values = " · ".join(signed(f.values[point]) for f in chain.factors)
        label = _("point {point}:").format(point=point + 1) + " " if points > 1 else ""
        lines.append(f"{under} = {label}{values} = {num(chain.per_point[point])}")
    if points > 1:
        total = num(chain.total, 6)
        if points > MAX_POINTS_SHOWN:
            summed = _("summed over the {count} data points (… {more} more points): {total}").format(
                count=points, more=points - MAX_POINTS_SHOWN, total=total)
        else:
            summed = _("summed over the {count} data points: {total}").format(count=points, total=total)
        lines.append(f"{under} = {summed}")
    return lines


def _backward(out: Writer, scenario: Scenario, analysis: Analysis) -> Chain:
    net = scenario.network
    assert net is not None
    chain = analysis.chain(0, 1, 0, NARRATED_WEIGHT)
    assert chain is not None
    p = analysis.first_pass()
    name = chapter_name(net.layer_sizes, NARRATED_WEIGHT)
    if name:
        out.heading(_("2. Backward pass: the chain rule for {parameter} (the chapter's {name})").format(parameter=chain.parameter, name=name))
    else:
        out.heading(_("2. Backward pass: the chain rule for {parameter}").format(parameter=chain.parameter))
    for text in _chain_lines(chain):
        out.line(text)
    one = analysis.estimates(NARRATED_WEIGHT)
    out.line(_(
        "check: central difference {central} (relative error {central_error}); the chapter's forward difference, "
        "step {step} in {dtype}: {forward} (relative error {forward_error})"
    ).format(
        central=num(one.central_difference, 6), central_error=num(_rel(chain.total, one.central_difference), 2),
        step=num(scenario.training.finite_difference_step), dtype=net.dtype,  # type: ignore[union-attr]
        forward=num(one.forward_difference, 6), forward_error=num(_rel(chain.total, one.forward_difference), 2),
    ))
    # Checking every parameter costs two forward passes per parameter: worth it while that
    # stays well under a second, and said so otherwise.
    check, count, work = analysis.full_check()
    if check is not None:
        verdict = (_("passed") if check.passed else _("FAILED"))
        out.line(_("gradient check over all {count} parameters: largest relative error {error} ({verdict}, tolerance {tolerance})").format(
            count=count, error=num(check.max_relative_error, 2), verdict=verdict, tolerance=num(check.tolerance)))
    else:
        out.line(_("(no check of all {count} parameters here: it would take {work} multiply-adds, "
                   "two forward passes per parameter; that cost is why backpropagation exists)").format(count=f"{count:,}", work=f"{work:,}"))
    out.line(_("all gradients by the chain rule:"))
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
    named = {"rate": num(run.learning_rate), "gradient": gradient_label(run.gradient), "optimizer": optimizer_label(run.optimizer)}
    if run.optimizer == "sgd":
        out.heading(_("3. Update (learning rate {rate}, {gradient} gradients)").format(**named))
    else:
        out.heading(_("3. Update (learning rate {rate}, {gradient} gradients, {optimizer})").format(**named))
    before = p.value(record.start_weights, record.start_biases)
    for line in update_lines(spec, run.optimizer, run.learning_rate, before, record, 0, p, lambda v: num(v, 7), None):
        out.line(line)
    if update.finite_difference is not None:
        fd = update.finite_difference
        grad = p.value(update.weight_gradients, update.bias_gradients)
        loss_plus = p.value(fd.weight_loss_plus, fd.bias_loss_plus)
        digits = difference_digits(update.loss, loss_plus)
        step = spec.finite_difference_step
        out.line("  " + _("where {symbol} = (loss_plus − loss)/{step} = ({loss_plus} − {loss})/{step} = {gradient}").format(
            symbol=f"∂C/∂{chain.parameter}", step=num(step), loss_plus=num(loss_plus, digits), loss=num(update.loss, digits), gradient=num(grad, 6)))
    if run.optimizer != "sgd":
        out.para(_("({explanation}.)").format(explanation=why(spec, run.optimizer)))
    each = _("each by −lr × its own gradient") if run.optimizer == "sgd" else _("each by its own {optimizer} step").format(optimizer=optimizer_label(run.optimizer))
    if update.indices is None:
        out.line(_("every parameter moves at once, {each}; after epoch 1:").format(each=each))
    else:
        out.line(_("every parameter moves at once, {each} on batch 1; after that first update (epoch 1 makes {count}):").format(
            each=each, count=len(record.updates)))
    for l, (w, b) in enumerate(zip(update.weights, update.biases), start=1):
        out.line(f"  W{l} = {matrix(w, 7)}")
        out.line(f"  b{l} = {matrix(b, 7)}")


def run_label(run: Run) -> str:
    """How a run is named: its learning rate, gradient method and (unless plain) optimiser."""
    named = {"rate": num(run.learning_rate), "gradient": gradient_label(run.gradient), "optimizer": optimizer_label(run.optimizer)}
    if run.optimizer == "sgd":
        return _("learning rate {rate}, {gradient}").format(**named)
    return _("learning rate {rate}, {gradient}, {optimizer}").format(**named)


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
        out.heading(_("4. The first 10 epochs ({run}), as the chapter prints them").format(run=label))
        for epoch in range(1, min(10, run.epochs_run) + 1):
            record = run.record(epoch)
            if record is None or record.start_weights is None or record.finite_difference is None:
                break
            w0 = record.start_weights[0][0, 0]
            fd = record.finite_difference
            # The chapter's own print() line, as its code prints it in every language (not a
            # sentence of annlab's: the learner compares it with the page).
            out.line(
                f"weight value: {_r2(w0)} original loss: {_r2(record.loss)} loss_plus: {_r2(fd.weight_loss_plus[0][0, 0])} "
                f"gradient: {_r2(record.weight_gradients[0][0, 0])} updated_weights: {_r2(record.weights[0][0, 0])}"
            )
        return
    out.heading(_("4. Selected epochs ({run})").format(run=label))
    show_params = net.parameter_count() <= 4
    header = pad(_("epoch"), 8) + "  " + pad(_("loss (before update)"), 20)
    names = []
    if show_params:
        for l in range(1, len(net.layer_sizes)):
            names += [weight_name(l, i, j) for i in range(net.layer_sizes[l - 1]) for j in range(net.layer_sizes[l])]
            names += [bias_name(l, j) for j in range(net.layer_sizes[l])]
        header += "".join(f"  {n:>12}" for n in names)
    else:
        label = _("‖∂C/∂θ‖ (gradient size)") if run.batch_size == 0 else _("‖∂C/∂θ‖ (batch 1's)")
        header += "  " + pad(label, 24)
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
        out.line(_("(weights were recorded every {stride} epochs to keep memory flat; every epoch's loss is kept)").format(
            stride=f"{run.record_stride:,}"))


def _r2(value: float) -> str:
    """np.round(value, 2) printed as the chapter's print() shows it."""
    return str(np.round(value, 2))


def _summary(out: Writer, scenario: Scenario, trace: Trace, analysis: Analysis) -> None:
    out.heading(_("5. Summary"))
    for run in trace.runs:
        out.line(ngettext("{run}: {n} epoch", "{run}: {n} epochs", run.epochs_run).format(run=run_label(run), n=f"{run.epochs_run:,}"))
        if run.divergence is not None:
            out.para(_("{diverged}. A learning rate this large makes each step overshoot by more than it corrects.").format(
                diverged=diverged(run.divergence)), "  ")
        predictions = run.final_predictions.T if run.final_predictions.shape[1] == 1 else run.final_predictions
        out.line("  " + _("final loss {loss}; final predictions {predictions}").format(loss=num(run.final_loss, 6), predictions=matrix(predictions, 6)))
        if sum(w.size for w in run.final_weights) <= 16:
            for l, (w, b) in enumerate(zip(run.final_weights, run.final_biases), start=1):
                out.line("  " + _("final W{layer} = {weights}   b{layer} = {biases}").format(layer=l, weights=matrix(w, 8), biases=matrix(b, 8)))
        for note in analysis.stuck(run):
            out.para(say(note), "  ")
        line, scale = sparkline(run.losses)
        if line and run.epochs_run > 1:
            out.line("  " + _("loss {chart}  {scale}").format(chart=line, scale=scale))
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
        out.line(_("finite differences vs the chain rule at learning rate {rate}:").format(rate=num(rate)))
        if (fd.divergence is None) != (exact.divergence is None) or analysis.stuck(fd):
            if exact.divergence:
                parted = _(
                    "The two runs part ways. The chain rule follows the exact gradient, so with this learning rate "
                    "every step overshoots further and the weights grow without bound ({diverged}). The chapter's "
                    "finite difference measures the gradient by nudging each parameter by 0.0001 in float32; once a "
                    "parameter is large, the nudge is lost to rounding, the measured gradient is exactly 0, and that "
                    "parameter stops moving."
                ).format(diverged=diverged(exact.divergence))
            else:
                parted = _(
                    "The two runs part ways. The chain rule follows the exact gradient, so with this learning rate "
                    "every step overshoots further and the weights grow without bound. The chapter's "
                    "finite difference measures the gradient by nudging each parameter by 0.0001 in float32; once a "
                    "parameter is large, the nudge is lost to rounding, the measured gradient is exactly 0, and that "
                    "parameter stops moving."
                )
            out.para(parted, "  ")
        else:
            diffs = [
                float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64))))
                for a, b in zip(fd.final_weights + fd.final_biases, exact.final_weights + exact.final_biases)
            ]
            out.para(_(
                "The final parameters differ by at most {difference}; the final losses are "
                "{finite_difference} (finite differences) and {chain_rule} (chain rule). "
                "The forward difference overestimates or underestimates each gradient by about "
                "step/2 · ∂²C/∂θ², and float32 rounds the nudge itself; the chain rule has neither error."
            ).format(difference=num(max(diffs), 3), finite_difference=num(fd.final_loss, 6), chain_rule=num(exact.final_loss, 6)), "  ")


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
        out.heading(_("4. The sweep ({gradient}): final loss after up to {epochs} epochs, per learning rate").format(
            gradient=gradient_label(gradient), epochs=f"{spec.epochs:,}"))
        finals = np.array([r.final_loss for r in runs])
        good = np.isfinite(finals) & (finals > 0)
        logs = np.log10(finals[good]) if good.any() else np.zeros(1)
        low, high = float(logs.min()), float(logs.max())
        span = high - low or 1.0
        scale = _("final loss, log scale from {low} to {high}").format(low=num(10 ** low, 2), high=num(10 ** high, 2))
        out.line(pad(_("learning rate"), 14) + "  " + pad(scale, SWEEP_BAR, "<") + "  " + _("final loss"))
        for i in _sweep_rows(runs, outcome):
            run = runs[i]
            if run.divergence is not None:
                bar, note = "✗" * SWEEP_BAR, _("diverged at epoch {epoch}").format(epoch=f"{run.divergence.epoch:,}")
            else:
                width = 1 + int(round((np.log10(max(run.final_loss, 10 ** low)) - low) / span * (SWEEP_BAR - 1))) if run.final_loss > 0 else 0
                bar = "█" * width
                note = num(run.final_loss, 4) + ("   " + _("↑ grew from {loss}").format(loss=num(run.losses[0], 4)) if outcome.failed[i] else "")
            out.line(f"{num(run.learning_rate, 4):>14}  {bar:<{SWEEP_BAR}}  {note}")
        grew = int(outcome.failed.sum()) - sum(r.divergence is not None for r in runs)
        overflowed = sum(r.divergence is not None for r in runs)
        stride = runs[0].record_stride
        out.line(ngettext(
            "({rates} rates; {grew} ended above their starting loss (↑), {overflowed} overflowed (✗); every epoch's loss is kept, weights every {stride} epoch)",
            "({rates} rates; {grew} ended above their starting loss (↑), {overflowed} overflowed (✗); every epoch's loss is kept, weights every {stride} epochs)",
            stride,
        ).format(rates=f"{len(runs):,}", grew=f"{grew:,}", overflowed=f"{overflowed:,}", stride=f"{stride:,}"))
        out.line()
        bound = hessian_bound(scenario)
        if bound is not None and gradient == "chain-rule":
            out.para(_(
                "Exact bound: this loss is quadratic in the parameters, with the constant Hessian "
                "H = {hessian}. Its largest eigenvalue is λmax = {eigenvalue}, "
                "and gradient descent settles only while lr < 2/λmax = {rate}: "
                "each step multiplies the error along that direction by (1 − lr·λmax), which grows once lr > 2/λmax."
            ).format(hessian=matrix(bound.hessian, 5), eigenvalue=num(bound.largest_eigenvalue, 5), rate=num(bound.largest_stable_rate, 5)))
        observed = []
        if outcome.last_rate_that_learned is not None:
            observed.append(_("the loss still fell at lr = {rate}").format(rate=num(outcome.last_rate_that_learned, 5)))
        if outcome.first_rate_that_failed is not None:
            observed.append(_("it first failed to fall at lr = {rate}").format(rate=num(outcome.first_rate_that_failed, 5)))
        if outcome.first_rate_that_overflowed is not None:
            first = next(r for r in runs if r.learning_rate == outcome.first_rate_that_overflowed)
            observed.append(_("the first rate to overflow was {rate} ({diverged})").format(
                rate=num(first.learning_rate, 5), diverged=diverged(first.divergence)))
        if observed:
            out.para(_("Where training really broke: {observations}.").format(observations=_clauses(observed)))
        if outcome.best_rate is not None:
            best = next(r for r in runs if r.learning_rate == outcome.best_rate)
            out.line(_("Lowest final loss: {loss} at lr = {rate}.").format(loss=num(best.final_loss, 4), rate=num(best.learning_rate, 5)))


# --- tables and galleries -----------------------------------------------------------------


def narrate_table(out: Writer, scenario: Scenario, trace: Trace) -> None:
    table = trace.table
    assert table is not None
    out.heading(_("Softmax outputs and categorical cross-entropy"))
    width = max(7, *(cells(c) + 2 for c in table.classes))
    out.line(pad(_("row"), 4) + "  " + pad(_("target"), 8, "<") + "".join(pad(c, width) for c in table.classes)
             + pad(_("−ln p(target)"), 16))
    for k, row in enumerate(table.rows, start=1):
        shown = ""
        for c, p in zip(table.classes, row.probabilities):
            shown += pad(f"[{p:.4f}]" if c == row.target else f"{p:.4f}", width)
        out.line(f"{k:>4}  " + pad(row.target, 8, "<") + f"{shown}{row.loss:>16.4f}")
    out.line(" " * (4 + 2 + 8 + width * len(table.classes)) + pad(_("mean"), 9) + f" {table.mean_loss:>6.4f}")
    out.line()
    out.para(_("[ ] marks each row's target. Each row sums to 1. A row's loss is −ln of the probability given to its "
               "target: 0 when the network is sure and right, growing without bound as that probability goes to 0."))


def narrate_gallery(out: Writer, scenario: Scenario, trace: Trace) -> None:
    from annlab.engine import tables  # only galleries need it (start-up)

    g = trace.gallery
    assert g is not None
    if g.kind == "activations":
        out.heading(_("Activations and their derivatives"))
        xs = np.array([-10, -5, -2, -1, 0, 1, 2, 5, 10], dtype=float)
    else:
        out.heading(_("Losses for a target of {target}").format(target=num(g.target or 0)))
        xs = np.array([-0.5, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1.5])
    for curve in g.curves:
        name = curve.name if g.kind == "activations" else loss_label(curve.name)  # an activation's name is its symbol
        out.line(f"{name}: {curve.formula}   ({_(curve.derivative_formula)})")
        inside = [x for x in xs if curve.x[0] <= x <= curve.x[-1]]
        cols = "".join(f" {num(x, 3):>9}" for x in inside)
        at = np.array(inside)
        y, dy = tables.activation_at(curve.name, at) if g.kind == "activations" else tables.loss_at(curve.name, at, g.target or 0.0)
        vals = "".join(f" {num(v, 4):>9}" for v in y)
        ders = "".join(f" {num(v, 4):>9}" for v in dy)
        variable = "x" if g.kind == "activations" else "p"
        out.line(f"  {variable:<6}{cols}")
        out.line("  " + pad(_("value"), 6, "<") + vals)
        out.line("  " + pad(_("slope"), 6, "<") + ders)
        line, _scale = sparkline(curve.y)
        out.line(f"  {line}  " + _("over {variable} in [{low}, {high}]").format(variable=variable, low=num(curve.x[0]), high=num(curve.x[-1])))
        out.line()
