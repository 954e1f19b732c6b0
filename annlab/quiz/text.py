"""An exercise's question and its worked solution, in the learner's language.

The solutions are written as the training screen's step panel writes a step: the formula in
symbols, then the same formula with the numbers put in, then the value. The numbers are the
engine's (``NetworkScenario.passes``); the sentences come from ``words.py``.
"""

from __future__ import annotations

import math

import numpy as np
from wcwidth import wcswidth

from annlab.engine.activations import ACTIVATIONS
from annlab.engine.chain import bias_name, unit_name, weight_name
from annlab.engine.losses import LOSSES
from annlab.playback import numbers
from annlab.quiz.exercises import Exercise, NetworkScenario, TableScenario, parse_parameter
from annlab.quiz.words import say

def num(value: float) -> str:
    # The data and weights are exact decimals; float sums of them can leave 1e-17 where a hand
    # computation gets 0: shown as 0 (the answers themselves are never that small).
    return numbers.num(round(float(value), 12))


def signed(value: float) -> str:
    return numbers.signed(round(float(value), 12))


def symbol(activation: str) -> str:
    return ACTIVATIONS[activation].symbol


# --- the question -----------------------------------------------------------------------------


def question_text(exercise: Exercise) -> str:
    s, asks = exercise.scenario, exercise.asks
    if isinstance(s, TableScenario):
        ask = say(f"ask.{asks.quantity}", row=asks.row)
        return "\n".join([describe_table(s), "", ask, say("rounding")])
    if exercise.kind == "y3x":
        network = say("network.no-hidden", w=num(s.weights[0][0, 0]), b=num(s.biases[0][0]), loss=say(f"loss.{s.loss}"))
        ask = say("ask.y3x", parameter=asks.parameter, lr=num(s.learning_rate))
        return "\n".join([say("ask.y3x-data"), network, "", ask, say("rounding")])
    sizes = s.layers
    name = ""
    if asks.quantity in ("h", "a", "prediction"):
        kind = "h" if asks.quantity == "h" else "a"
        name = unit_name(kind, asks.layer, asks.unit - 1, sizes)
    ask = say(f"ask.{asks.quantity}", name=name, unit=asks.unit, layer=asks.layer, point=asks.point,
              parameter=asks.parameter, lr=num(s.learning_rate))
    return "\n".join([describe_network(s), "", ask, say("rounding")])


def describe_network(s: NetworkScenario) -> str:
    last = len(s.layers) - 1
    layers = ", ".join(
        say("network.output" if l == last else "network.layer", layer=l, activation=say(f"activation.{s.activations[l - 1]}"))
        for l in range(1, last + 1)
    )
    lines = [say("network.shape", shape="-".join(map(str, s.layers)), layers=layers, loss=say(f"loss.{s.loss}"))]
    for l in range(1, last + 1):
        lines.append("")
        lines.append(say("network.weights", layer=l))
        head = [""] + [unit_name("h", l, j, s.layers) for j in range(s.layers[l])]
        rows = [[unit_name("a", l - 1, i, s.layers)] + [num(v) for v in s.weights[l - 1][i]] for i in range(s.layers[l - 1])]
        lines += _aligned([head] + rows)
        lines.append(say("network.biases", layer=l, values="[" + ", ".join(num(v) for v in s.biases[l - 1]) + "]"))
    lines += ["", say("data.points")]
    for k in range(s.inputs.shape[0]):
        lines.append("  " + say("data.point", point=k + 1, x=", ".join(num(v) for v in s.inputs[k]),
                                y=", ".join(num(v) for v in s.targets[k])))
    return "\n".join(lines)


def describe_table(t: TableScenario) -> str:
    head = [""] + [say(f"class.{c}") for c in t.classes]
    rows = []
    for r, target in enumerate(t.targets):
        cells = [f"{p:.2f}" + ("*" if t.classes[c] == target else " ") for c, p in enumerate(t.probabilities[r])]
        rows.append([say("table.row", row=r + 1, target=say(f"class.{target}"))] + cells)
    intro = say("table.intro", rows=len(t.targets), classes=len(t.classes))
    return "\n".join([intro] + _aligned([head] + rows))


def _aligned(rows: list[list[str]]) -> list[str]:
    return ["  " + line for line in aligned(rows)]


def cells(text: str) -> int:
    """Terminal cells ``text`` takes (a Chinese character takes two)."""
    return max(wcswidth(text), len(text))


def aligned(rows: list[list[str]]) -> list[str]:
    """Rows as columns: the first left-aligned, the others right-aligned, measured in cells."""
    widths = [max(cells(r[k]) for r in rows) for k in range(len(rows[0]))]
    pad = [[" " * (w - cells(c)) for c, w in zip(r, widths)] for r in rows]
    return ["  ".join(c + p if k == 0 else p + c for k, (c, p) in enumerate(zip(r, pads))).rstrip() for r, pads in zip(rows, pad)]


# --- the worked solution ----------------------------------------------------------------------


def solution_text(exercise: Exercise) -> str:
    s, asks = exercise.scenario, exercise.asks
    if isinstance(s, TableScenario):
        return "\n".join(_table_solution(s, asks))
    if exercise.kind == "y3x":
        return "\n".join(_y3x_solution(s, asks))
    forward, backward = s.passes()
    last = len(s.layers) - 1
    lines: list[str] = []
    if asks.quantity in ("h", "a", "prediction"):
        lines.append(say("solve.forward", point=asks.point))
        lines += _forward_lines(s, forward, asks.point - 1, asks.layer, asks.unit - 1, with_activation=asks.quantity != "h")
        return "\n".join(lines)
    points = range(s.inputs.shape[0])
    for k in points:
        lines.append(say("solve.forward", point=k + 1))
        lines += _forward_lines(s, forward, k, last, None, with_activation=True)
    lines += _loss_lines(s, forward)
    if asks.quantity == "loss":
        return "\n".join(lines)
    parameter = parse_parameter(asks.parameter)
    lines.append(say("solve.backward"))
    lines += _backward_lines(s, forward, backward, parameter)
    if asks.quantity == "updated":
        lines += _update_lines(s, backward, parameter)
    return "\n".join(lines)


def _forward_lines(s: NetworkScenario, forward, point: int, upto: int, unit: int | None, with_activation: bool) -> list[str]:
    """Layers 1..upto for one data point; at layer ``upto`` only ``unit`` (None: all units)."""
    lines = []
    for l in range(1, upto + 1):
        units = range(s.layers[l]) if l < upto or unit is None else [unit]
        activation = s.activations[l - 1]
        if activation == "softmax":
            units_h = range(s.layers[l])  # softmax needs every unit's h
        else:
            units_h = units
        for j in units_h:
            lines += _pre_activation_lines(s, forward, point, l, j)
        if l == upto and not with_activation:
            continue
        for j in units:
            lines.append("  " + _activation_line(s, forward, point, l, j))
    return lines


def _pre_activation_lines(s: NetworkScenario, forward, point: int, l: int, j: int) -> list[str]:
    sizes = s.layers
    below = s.inputs[point] if l == 1 else forward.activations[l - 2][point]
    w, b = s.weights[l - 1], s.biases[l - 1]
    name = unit_name("h", l, j, sizes)
    symbols = " + ".join(f"{unit_name('a', l - 1, i, sizes)}·{weight_name(l, i, j)}" for i in range(sizes[l - 1]))
    numbers = " + ".join(f"{signed(below[i])}·{signed(w[i, j])}" for i in range(sizes[l - 1]))
    h = forward.pre_activations[l - 1][point, j]
    return [f"  {name} = {symbols} + {bias_name(l, j)}", f"  {' ' * len(name)} = {numbers} + {signed(b[j])} = {num(h)}"]


def _activation_line(s: NetworkScenario, forward, point: int, l: int, j: int) -> str:
    sizes = s.layers
    activation = s.activations[l - 1]
    a, h = unit_name("a", l, j, sizes), unit_name("h", l, j, sizes)
    value = num(forward.activations[l - 1][point, j])
    hs = forward.pre_activations[l - 1][point]
    if activation == "softmax":
        exps = np.exp(hs)
        total = " + ".join(f"e^{signed(v)}" for v in hs)
        return (f"{a} = e^{h} / Σ_k e^h{l}k = e^{signed(hs[j])} / ({total}) "
                f"= {num(exps[j])} / {num(exps.sum())} = {value}")
    return f"{a} = {symbol(activation)}({h}) = {symbol(activation)}({num(hs[j])}) = {value}"


def _loss_lines(s: NetworkScenario, forward) -> list[str]:
    p, y = forward.activations[-1], s.targets
    m = p.shape[0] if LOSSES[s.loss].mean_over_rows else p.size
    if s.loss == "mse":
        terms = " + ".join(f"({num(a)} − {num(b)})²" for a, b in zip(p.reshape(-1), y.reshape(-1)))
        numbers = f"(1/{m})·[{terms}]"
    elif s.loss == "mae":
        terms = " + ".join(f"|{num(a)} − {num(b)}|" for a, b in zip(p.reshape(-1), y.reshape(-1)))
        numbers = f"(1/{m})·[{terms}]"
    elif s.loss == "binary-cross-entropy":
        terms = " + ".join(f"ln({num(a)})" if b == 1 else f"ln(1 − {num(a)})" for a, b in zip(p.reshape(-1), y.reshape(-1)))
        numbers = f"−(1/{m})·[{terms}]"
    else:
        targets = np.argmax(y, axis=1)
        terms = " + ".join(f"ln({num(p[k, c])})" for k, c in enumerate(targets))
        numbers = f"−(1/{m})·[{terms}]"
    formula = LOSSES[s.loss].formula
    return [f"  {formula}", f"    = {numbers} = {num(forward.loss)}"]


def _backward_lines(s: NetworkScenario, forward, backward, parameter) -> list[str]:
    sizes = s.layers
    last = len(sizes) - 1
    m = s.inputs.shape[0]  # gradient exercises have one data point
    point = 0
    lines = []
    # The output layer.
    activation = s.activations[last - 1]
    delta = backward.delta[last - 1][point]
    if activation == "softmax":
        for k in range(sizes[last]):
            p, y = forward.activations[-1][point, k], s.targets[point, k]
            h = unit_name("h", last, k, sizes)
            lines.append(f"  ∂C/∂{h} = (ŷ{k + 1} − y{k + 1})/m = ({num(p)} − {num(y)})/{m} = {num(delta[k])}"
                         f"   ({say('solve.softmax-with-loss')})")
    else:
        for k in range(sizes[last]):
            p, y = forward.activations[-1][point, k], s.targets[point, k]
            a, h = unit_name("a", last, k, sizes), unit_name("h", last, k, sizes)
            up = backward.upstream[last - 1][point, k]
            if s.loss == "mse":
                numbers = f"2·({num(p)} − {num(y)})/{m}"
            else:  # binary cross-entropy
                numbers = f"({num(p)} − {num(y)})/({num(p)}·(1 − {num(p)}))/{m}"
            lines.append(f"  ∂C/∂{a} = {LOSSES[s.loss].gradient_formula} = {numbers} = {num(up)}")
            lines += _through_activation(s, forward, backward, last, k)
    # Down to the parameter's layer: every unit of the layers in between, then its own unit.
    for l in range(last - 1, parameter.layer - 1, -1):
        own = parameter.j if parameter.kind == "weight" else parameter.i
        units = [own] if l == parameter.layer else range(sizes[l])
        delta_above = backward.delta[l][point]
        w_above = s.weights[l]
        for j in units:
            a = unit_name("a", l, j, sizes)
            n_above = sizes[l + 1]
            symbols = " + ".join(f"∂C/∂{unit_name('h', l + 1, k, sizes)}·{weight_name(l + 1, j, k)}" for k in range(n_above))
            numbers = " + ".join(f"{signed(delta_above[k])}·{signed(w_above[j, k])}" for k in range(n_above))
            lines.append(f"  ∂C/∂{a} = {symbols}")
            lines.append(f"  {' ' * (len(a) + 3)} = {numbers} = {num(backward.upstream[l - 1][point, j])}")
            lines += _through_activation(s, forward, backward, l, j)
    # The parameter itself.
    l = parameter.layer
    if parameter.kind == "weight":
        i, j = parameter.i, parameter.j
        below = s.inputs[point, i] if l == 1 else forward.activations[l - 2][point, i]
        h = unit_name("h", l, j, sizes)
        lines.append(f"  ∂C/∂{parameter.name} = ∂C/∂{h}·∂{h}/∂{parameter.name} = ∂C/∂{h}·{unit_name('a', l - 1, i, sizes)}"
                     f" = {signed(backward.delta[l - 1][point, j])}·{signed(below)} = {num(parameter.gradient(backward))}")
    else:
        h = unit_name("h", l, parameter.i, sizes)
        lines.append(f"  ∂C/∂{parameter.name} = ∂C/∂{h}·∂{h}/∂{parameter.name} = ∂C/∂{h}·1 = {num(parameter.gradient(backward))}")
    return lines


def _through_activation(s: NetworkScenario, forward, backward, l: int, j: int) -> list[str]:
    sizes = s.layers
    activation = s.activations[l - 1]
    a, h = unit_name("a", l, j, sizes), unit_name("h", l, j, sizes)
    av = forward.activations[l - 1][0, j]
    hv = forward.pre_activations[l - 1][0, j]
    derivative = backward.activation_derivative[l - 1][0, j]
    # The registry's own wording of the slope, in symbols and then with the numbers put in.
    slope = ACTIVATIONS[activation].slope
    meaning, numbers = slope(a, h), slope(signed(av), signed(hv))
    d = f"{symbol(activation)}'({h})"
    up, delta = backward.upstream[l - 1][0, j], backward.delta[l - 1][0, j]
    lines = []
    if activation != "linear":
        lines.append(f"  {d} = {meaning} = {numbers} = {num(derivative)}")
    lines.append(f"  ∂C/∂{h} = ∂C/∂{a}·{d} = {signed(up)}·{signed(derivative)} = {num(delta)}")
    return lines


def _update_lines(s: NetworkScenario, backward, parameter) -> list[str]:
    g = parameter.gradient(backward)
    before = parameter.value(s)
    after = before - s.learning_rate * g
    name = parameter.name
    return [say("solve.update"),
            f"  {name} ← {name} − lr·∂C/∂{name} = {num(before)} − {num(s.learning_rate)}·{signed(g)} = {num(after)}"]


def _y3x_solution(s: NetworkScenario, asks) -> list[str]:
    forward, backward = s.passes()
    x, y = s.inputs[:, 0], s.targets[:, 0]
    p = forward.activations[-1][:, 0]
    w, b = s.weights[0][0, 0], s.biases[0][0]
    m = x.size
    parameter = parse_parameter(asks.parameter)
    lines = [
        f"  ŷ = w·x + b = {num(w)}·x + {signed(b)}:  ŷ = ({', '.join(num(v) for v in p)}) "
        f"for x = ({', '.join(num(v) for v in x)}), y = ({', '.join(num(v) for v in y)})",
        f"  {LOSSES['mse'].formula} = {num(forward.loss)}",
    ]
    if parameter.kind == "weight":
        terms = " + ".join(f"({num(a)} − {num(t)})·{num(v)}" for a, t, v in zip(p, y, x))
        lines.append(f"  ∂C/∂w = (2/m)·Σ (ŷ − y)·x = (2/{m})·[{terms}] = {num(parameter.gradient(backward))}")
    else:
        terms = " + ".join(f"({num(a)} − {num(t)})" for a, t in zip(p, y))
        lines.append(f"  ∂C/∂b = (2/m)·Σ (ŷ − y) = (2/{m})·[{terms}] = {num(parameter.gradient(backward))}")
    return lines + _update_lines(s, backward, parameter)


def _table_solution(t: TableScenario, asks) -> list[str]:
    p = t.target_probabilities()
    losses = -np.log(p)
    if asks.quantity == "row-loss":
        r = asks.row - 1
        return [f"  −ln p({say(f'class.{t.targets[r]}')}) = −ln({p[r]:.2f}) = {num(losses[r])}"]
    lines = [f"  {say('table.row', row=r + 1, target=say(f'class.{t.targets[r]}'))}: "
             f"−ln({p[r]:.2f}) = {num(losses[r])}" for r in range(p.size)]
    lines.append(f"  C = (1/{p.size})·[{' + '.join(num(v) for v in losses)}] = {num(float(np.mean(losses)))}"
                 f"   ({say('solve.mean', rows=p.size)})")
    return lines


def answer_text(value: float) -> str:
    """The answer as the quiz states it: 4 to 6 significant digits, no noise."""
    if value == 0 or not math.isfinite(value):
        return numbers.num(value)
    return numbers.num(value, 6 if abs(value) >= 100 else 5)
