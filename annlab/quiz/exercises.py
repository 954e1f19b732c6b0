"""Generated numeric exercises: small seeded networks and softmax tables, answered by the engine.

Every exercise is drawn from its own ``random.Random``, seeded by the quiz's seed and the
exercise's number, so a seed always gives the same quiz. The numbers are friendly for hand
computation (weights and biases with one decimal, small integer inputs), and an exercise is
drawn again until its answer is well conditioned: at least ``MIN_ANSWER`` in size, so that the
0.5 % relative tolerance decides (never the 5e-4 absolute floor that would let a guess of 0
pass), and, for an update, a step larger than the tolerance, so that the old value is wrong.

The answers come from the engine's own forward and backward passes (``Network``), in float64.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

import numpy as np

from annlab.engine.chain import bias_name, weight_name
from annlab.engine.network import BackwardPass, ForwardPass, Network, Parameters

# The chapter's order: forward, loss, gradient, update, learning rate, softmax table.
KINDS = ("h", "a", "prediction", "loss", "gradient", "updated", "y3x", "row-loss", "mean-loss")
MAX_COUNT = 100
RELATIVE, ABSOLUTE = 0.005, 5e-4  # about 3 significant digits; the floor only matters near 0
MIN_ANSWER = 0.05
MAX_ANSWER = 1000.0
MAX_DRAWS = 1000
CLASSES = ("dog", "cat", "mouse", "cow", "hen")  # the chapter's table


def tolerance_for(answer: float) -> float:
    return max(RELATIVE * abs(answer), ABSOLUTE)


def significant(value: float, digits: int = 6) -> float:
    """``value`` to ``digits`` significant digits: what the quiz states as the answer."""
    return float(f"{value:.{digits}g}")


@dataclass(frozen=True, eq=False)
class NetworkScenario:
    """A small network and its data, shaped as a scenario file's [network], [data], [training]."""

    layers: tuple[int, ...]
    activations: tuple[str, ...]
    weights: tuple[np.ndarray, ...]  # per layer, (inputs, outputs)
    biases: tuple[np.ndarray, ...]
    inputs: np.ndarray  # (m, layers[0])
    targets: np.ndarray  # (m, layers[-1])
    loss: str
    learning_rate: float

    def passes(self) -> tuple[ForwardPass, BackwardPass]:
        """The engine's forward and backward passes over all the data, in float64."""
        network = Network(np, list(self.activations), self.loss)
        params = Parameters([w.copy() for w in self.weights], [b.copy() for b in self.biases])
        with np.errstate(all="raise"):  # the drawn numbers are small: nothing may overflow
            forward = network.forward(params, self.inputs, self.targets)
            backward = network.backward(params, self.inputs, self.targets, forward)
        return forward, backward


@dataclass(frozen=True, eq=False)
class TableScenario:
    """The chapter's softmax table: one row of class probabilities per image, and its target."""

    classes: tuple[str, ...]
    targets: tuple[str, ...]  # one class per row
    probabilities: np.ndarray  # (rows, classes), each row sums to 1

    def target_probabilities(self) -> np.ndarray:
        columns = [self.classes.index(t) for t in self.targets]
        return self.probabilities[np.arange(len(columns)), columns]


@dataclass(frozen=True)
class Asks:
    """What the learner computes (indices 1-based, as the names h12, W1[1,2] write them)."""

    quantity: str  # h | a | prediction | loss | gradient | updated | row-loss | mean-loss
    layer: int | None = None
    unit: int | None = None
    point: int | None = None
    row: int | None = None
    parameter: str | None = None  # "W1[1,2]", "b2[1]"


@dataclass(frozen=True, eq=False)
class Exercise:
    number: int
    kind: str  # one of KINDS (y3x asks for an "updated" quantity on the chapter's y = 3x data)
    scenario: NetworkScenario | TableScenario
    asks: Asks
    answer: float
    tolerance: float = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tolerance", significant(tolerance_for(self.answer), 3))


@dataclass(frozen=True)
class ParameterRef:
    kind: str  # "weight" | "bias"
    layer: int  # 1-based
    i: int  # 0-based: input row of a weight, unit of a bias
    j: int = 0  # 0-based: unit of a weight

    @property
    def name(self) -> str:
        return weight_name(self.layer, self.i, self.j) if self.kind == "weight" else bias_name(self.layer, self.i)

    def value(self, scenario: NetworkScenario) -> float:
        if self.kind == "weight":
            return float(scenario.weights[self.layer - 1][self.i, self.j])
        return float(scenario.biases[self.layer - 1][self.i])

    def gradient(self, backward: BackwardPass) -> float:
        if self.kind == "weight":
            return float(backward.weight_gradients[self.layer - 1][self.i, self.j])
        return float(backward.bias_gradients[self.layer - 1][self.i])


def parse_parameter(name: str) -> ParameterRef:
    """``"W1[1,2]"`` or ``"b2[1]"`` (1-based) → a ParameterRef (0-based indices)."""
    kind = "weight" if name.startswith("W") else "bias"
    layer, rest = name[1:].split("[", 1)
    indices = [int(k) - 1 for k in rest.rstrip("]").split(",")]
    return ParameterRef(kind, int(layer), *indices)


# --- the exercises ------------------------------------------------------------------------------


def make_exercises(seed: int, count: int) -> tuple[Exercise, ...]:
    """``count`` exercises for ``seed``: every kind once per round of len(KINDS), in a shuffled
    choice, each round in the chapter's order (forward before loss before gradient)."""
    if not 1 <= count <= MAX_COUNT:
        raise ValueError(f"count must be 1 to {MAX_COUNT}")
    chooser = random.Random(f"annlab-quiz:{seed}")
    kinds: list[str] = []
    while len(kinds) < count:
        chosen = chooser.sample(KINDS, min(len(KINDS), count - len(kinds)))
        kinds += sorted(chosen, key=KINDS.index)
    return tuple(_draw(seed, number, kind) for number, kind in enumerate(kinds, start=1))


def _draw(seed: int, number: int, kind: str) -> Exercise:
    rng = random.Random(f"annlab-quiz:{seed}:{number}:{kind}")
    for _ in range(MAX_DRAWS):
        drawn = _DRAWERS[kind](rng)
        if drawn is None:
            continue
        scenario, asks, answer = drawn
        if _well_conditioned(answer) and not _at_a_kink(scenario):
            return Exercise(number, kind, scenario, asks, significant(answer))
    raise RuntimeError(f"no well-conditioned {kind} exercise in {MAX_DRAWS} draws")  # never seen: a bug


def _well_conditioned(answer: float) -> bool:
    return math.isfinite(answer) and MIN_ANSWER <= abs(answer) <= MAX_ANSWER


def _at_a_kink(s: NetworkScenario | TableScenario) -> bool:
    """A ReLU unit with h = 0 (up to rounding): its slope is 0 by hand but may be 1 in floats."""
    if not isinstance(s, NetworkScenario) or "relu" not in s.activations:
        return False
    forward, _ = s.passes()
    return any(
        bool(np.any(np.abs(h) < 1e-9)) for h, name in zip(forward.pre_activations, s.activations) if name == "relu"
    )


def _tenth(rng: random.Random, low: int, high: int, zero: bool = True) -> float:
    """A number with one decimal in [low/10, high/10] (0 excluded unless ``zero``)."""
    while True:
        k = rng.randint(low, high)
        if k or zero:
            return k / 10


def _network(rng: random.Random, loss: str, points: int) -> NetworkScenario:
    """2 inputs, one or two hidden layers of 2 or 3 units, and the output the loss calls for."""
    hidden = [rng.choice((2, 3))] if rng.random() < 0.65 else [2, 2]
    outputs, output_activation = {
        "mse": (1, "linear"),
        "mae": (1, "linear"),
        "binary-cross-entropy": (1, "sigmoid"),
        "categorical-cross-entropy": (rng.choice((2, 3)), "softmax"),
    }[loss]
    layers = (2, *hidden, outputs)
    activations = tuple(rng.choice(("sigmoid", "tanh", "relu")) for _ in hidden) + (output_activation,)
    weights = tuple(
        np.array([[_tenth(rng, -10, 10, zero=False) for _ in range(n_out)] for _ in range(n_in)])
        for n_in, n_out in zip(layers, layers[1:])
    )
    biases = tuple(np.array([_tenth(rng, -5, 5) for _ in range(n)]) for n in layers[1:])
    inputs = np.array([[float(rng.choice((-2, -1, 1, 2, 3))) for _ in range(layers[0])] for _ in range(points)])
    if loss in ("mse", "mae"):
        targets = np.array([[_tenth(rng, -10, 20)] for _ in range(points)])
    elif loss == "binary-cross-entropy":
        targets = np.array([[float(rng.randint(0, 1))] for _ in range(points)])
    else:
        targets = np.eye(outputs)[[rng.randrange(outputs) for _ in range(points)]]
    learning_rate = rng.choice((0.1, 0.5, 1.0))
    return NetworkScenario(layers, activations, weights, biases, inputs, targets, loss, learning_rate)


def _forward_question(quantity: str):
    def draw(rng: random.Random):
        loss = rng.choice(("mse", "binary-cross-entropy", "categorical-cross-entropy"))
        s = _network(rng, loss, rng.choice((1, 2)))
        forward, _ = s.passes()
        point = rng.randrange(s.inputs.shape[0])
        last = len(s.layers) - 1
        if quantity == "h":
            layer = rng.randint(1, last)
        elif quantity == "a":
            layer = rng.randint(1, last - 1)  # a hidden layer: the output's is the prediction
        else:
            layer = last
        unit = rng.randrange(s.layers[layer])
        values = forward.pre_activations if quantity == "h" else forward.activations
        answer = float(values[layer - 1][point, unit])
        asks = Asks(quantity, layer=layer, unit=unit + 1, point=point + 1)
        return s, asks, answer

    return draw


def _loss(rng: random.Random):
    loss = rng.choice(("mse", "mae", "binary-cross-entropy", "categorical-cross-entropy"))
    s = _network(rng, loss, rng.choice((1, 2)))
    forward, _ = s.passes()
    return s, Asks("loss"), float(forward.loss)


def _parameter(rng: random.Random, s: NetworkScenario) -> ParameterRef:
    layer = rng.randint(1, len(s.layers) - 1)
    if rng.random() < 0.75:
        return ParameterRef("weight", layer, rng.randrange(s.layers[layer - 1]), rng.randrange(s.layers[layer]))
    return ParameterRef("bias", layer, rng.randrange(s.layers[layer]))


def _gradient(rng: random.Random):
    # One data point: a gradient by hand is one chain of products, as in the chapter.
    s = _network(rng, rng.choice(("mse", "binary-cross-entropy", "categorical-cross-entropy")), 1)
    _, backward = s.passes()
    parameter = _parameter(rng, s)
    return s, Asks("gradient", parameter=parameter.name), parameter.gradient(backward)


def _updated(rng: random.Random):
    s = _network(rng, rng.choice(("mse", "binary-cross-entropy", "categorical-cross-entropy")), 1)
    return _update_of(s, _parameter(rng, s))


def _update_of(s: NetworkScenario, parameter: ParameterRef):
    _, backward = s.passes()
    step = s.learning_rate * parameter.gradient(backward)
    answer = parameter.value(s) - step
    # The step must be well outside the tolerance: typing the old value is a wrong answer.
    if abs(step) < 4 * tolerance_for(answer):
        return None
    return s, Asks("updated", parameter=parameter.name), answer


def _y3x(rng: random.Random):
    """One step of the chapter's learning-rate experiment: ŷ = w·x + b on y = 3x."""
    x = np.array([[1.0], [2.0], [3.0], [4.0]])
    w, b = rng.choice((0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.5, 4.0)), rng.choice((0.0, 0.5, -0.5, 1.0))
    lr = rng.choice((0.01, 0.02, 0.05, 0.1))
    s = NetworkScenario((1, 1), ("linear",), (np.array([[w]]),), (np.array([b]),), x, 3 * x, "mse", lr)
    parameter = ParameterRef("weight", 1, 0, 0) if rng.random() < 0.7 else ParameterRef("bias", 1, 0)
    return _update_of(s, parameter)


def _table(rng: random.Random) -> TableScenario:
    """Rows of hundredths summing to 1, with confident, unsure and wrong predictions mixed."""
    classes = CLASSES[: rng.randint(3, 5)]
    rows = rng.randint(3, 5)
    probabilities, targets = [], []
    for _ in range(rows):
        n = len(classes)
        target = rng.randrange(n)
        p_target = rng.randint(5, 90)
        rest = 100 - p_target
        cuts = sorted(rng.sample(range(1, rest), n - 2))
        others = [b - a for a, b in zip([0, *cuts], [*cuts, rest])]
        row = others[:target] + [p_target] + others[target:]
        probabilities.append([k / 100 for k in row])
        targets.append(classes[target])
    return TableScenario(classes, tuple(targets), np.array(probabilities))


def _row_loss(rng: random.Random):
    table = _table(rng)
    row = rng.randrange(len(table.targets))
    return table, Asks("row-loss", row=row + 1), -math.log(float(table.target_probabilities()[row]))


def _mean_loss(rng: random.Random):
    table = _table(rng)
    return table, Asks("mean-loss"), float(np.mean(-np.log(table.target_probabilities())))


_DRAWERS = {
    "h": _forward_question("h"),
    "a": _forward_question("a"),
    "prediction": _forward_question("prediction"),
    "loss": _loss,
    "gradient": _gradient,
    "updated": _updated,
    "y3x": _y3x,
    "row-loss": _row_loss,
    "mean-loss": _mean_loss,
}
