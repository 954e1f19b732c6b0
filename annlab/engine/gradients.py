"""Three ways to get ∂C/∂θ for every parameter θ.

* ``chain_rule``: the exact gradient, by backpropagation (``Network.backward``).
* ``finite_difference``: the chapter's procedure, exactly. Each parameter in turn is nudged by
  ``step`` on a fresh copy of the epoch-start parameters, *in the parameters' own dtype*
  (``temp_weights[i][index] += 0.0001`` on a float32 array), the loss is recomputed, and
  ``grad = (loss_plus − loss) / step``. Instead of the chapter's one forward pass per parameter
  in a Python loop, all nudged copies of a layer are stacked on a leading axis and scored in
  one batched pass; layers below the nudged one are shared, since the nudge cannot reach them.
* ``central_difference_check``: (C(θ+ε) − C(θ−ε)) / 2ε in float64, an independent oracle for
  the chain rule, with the relative error per parameter.

Why the chapter's numbers part from exact descent: the forward difference has a truncation
error of about (step/2)·∂²C/∂θ², and in float32 the nudge itself is rounded. Once |θ| is large
enough that θ + 0.0001 rounds back to θ (float32 spacing above 0.0001, i.e. |θ| ≳ 1024), the
loss does not move, the "gradient" is 0 and the parameter is stuck for good. ``nudges`` records
the nudge each parameter really got, so the app can show that moment.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from annlab.engine.network import Network, Parameters
from annlab.trace import LayerValues, Pass

Array = Any

# Upper bound on the elements of one stacked block of nudged copies (keeps memory flat for
# large networks: finite differences then run in chunks, slower but never out of memory).
_BLOCK_ELEMENTS = 1 << 22


@dataclass
class Gradients:
    weights: list[Array]
    biases: list[Array]


@dataclass
class FiniteDifference:
    """The chapter's forward difference, with what it is built from."""

    loss: Array  # C(θ), the epoch-start loss
    gradients: Gradients  # (loss_plus − loss) / step
    loss_plus: Gradients  # C(θ + nudge) per parameter ("loss_plus" in the chapter's code)
    nudges: Gradients  # the nudge each parameter really got, in float64 (0 where it vanished)


def chain_rule(network: Network, params: Parameters, x: Array, y: Array) -> tuple[Array, Gradients, Any, Any]:
    fwd = network.forward(params, x, y)
    bwd = network.backward(params, x, y, fwd)
    return fwd.loss, Gradients(bwd.weight_gradients, bwd.bias_gradients), fwd, bwd


def nudged_losses(
    network: Network, params: Parameters, x: Array, y: Array, delta: float
) -> tuple[Array, Gradients, Gradients]:
    """C(θ + delta·e_k) for every parameter k, nudged in the parameters' dtype.

    Returns the unnudged loss, the nudged losses and the nudges really applied (float64)."""
    xp = network.xp
    fwd = network.forward(params, x, y)
    below = [x] + fwd.activations[:-1]
    loss_w, loss_b, nudge_w, nudge_b = [], [], [], []
    for l, (w, b) in enumerate(zip(params.weights, params.biases)):
        for is_weight, original in ((True, w), (False, b)):
            flat = original.reshape(-1)
            # `temp[i][index] += step` on an array of the parameters' dtype: the add happens
            # in that dtype, so a float32 nudge is rounded to float32 spacing.
            moved = flat + xp.asarray(delta, dtype=flat.dtype)
            nudge = moved.astype(xp.float64) - flat.astype(xp.float64)
            losses = xp.empty(flat.size, dtype=fwd.loss.dtype)
            per_copy = max(1, _BLOCK_ELEMENTS // max(1, flat.size + below[l].size))
            for start in range(0, flat.size, per_copy):
                stop = min(flat.size, start + per_copy)
                idx = xp.arange(start, stop)
                copies = xp.repeat(flat[None, :], stop - start, axis=0)
                copies[xp.arange(stop - start), idx] = moved[start:stop]
                if is_weight:
                    stacked_w, stacked_b = copies.reshape((stop - start,) + w.shape), b
                else:
                    stacked_w, stacked_b = w, copies[:, None, :]
                losses[start:stop] = _loss_from_layer(network, params, l, below[l], stacked_w, stacked_b, y)
            (loss_w if is_weight else loss_b).append(losses.reshape(original.shape))
            (nudge_w if is_weight else nudge_b).append(nudge.reshape(original.shape))
    return fwd.loss, Gradients(loss_w, loss_b), Gradients(nudge_w, nudge_b)


def _loss_from_layer(network: Network, params: Parameters, l: int, a_below: Array, w: Array, b: Array, y: Array) -> Array:
    """Run layers l..L with layer l's weights or biases replaced by a stack of copies."""
    xp = network.xp
    h = xp.matmul(a_below, w) + b
    a = network.activations[l].forward(xp, h)
    for activation, w_next, b_next in zip(
        network.activations[l + 1 :], params.weights[l + 1 :], params.biases[l + 1 :]
    ):
        a = activation.forward(xp, xp.matmul(a, w_next) + b_next)
    return network.loss.value(xp, a, y)


def finite_difference(network: Network, params: Parameters, x: Array, y: Array, step: float) -> FiniteDifference:
    loss, plus, nudges = nudged_losses(network, params, x, y, step)
    # grad = (_loss_plus − original_loss) / 0.0001: divided by the step asked for, as the
    # chapter does, not by the nudge really applied.
    grads = Gradients(
        [(lp - loss) / step for lp in plus.weights],
        [(lp - loss) / step for lp in plus.biases],
    )
    return FiniteDifference(loss, grads, plus, nudges)


class FlatFiniteDifference:
    """``finite_difference`` for training: flat arrays in, flat arrays out, reused buffers.

    When the stack fits (the chapter's networks: 13 and 2 parameters), every nudged copy
    of the whole network, plus one un-nudged copy, is one row of a (parameters + 1) ×
    parameters array, made by a single add of a fixed diagonal of nudges, and all of them
    are scored in one batched forward pass. The nudge is added in the parameters' dtype, as
    the chapter's ``temp_weights[i][index] += 0.0001`` does, so the numbers are the
    chapter's. Larger networks go through ``finite_difference`` layer by layer, in chunks.

    ``stored`` holds the parameters in their own dtype (a FlatParameters); after
    ``compute`` the gradients are in ``out`` and ``loss_plus``/``nudges`` hold the chapter's
    per-parameter numbers in the same flat order."""

    def __init__(self, network: Network, compute_params: Parameters, stored: Any, step: float):
        xp = network.xp
        self.network = network
        self.stored = stored
        self.step = step
        count = stored.size
        self.loss_plus: Array = None
        self.nudges = xp.empty(count, dtype=xp.float64)
        self._stack: Array | None = None
        self._nudge_diagonal: Array | None = None
        self._stack_params: Parameters | None = None

    def _fits(self, x: Array) -> bool:
        count = self.stored.size
        widths = sum(int(w.shape[-1]) for w in self.stored.weights)
        return (count + 1) * (count + x.shape[0] * widths) <= _BLOCK_ELEMENTS

    def _prepare_stack(self) -> None:
        xp = self.network.xp
        count, dtype = self.stored.size, self.stored.flat.dtype
        rows = xp.arange(count)
        diagonal = xp.zeros((count + 1, count), dtype=dtype)
        diagonal[rows + 1, rows] = self.step  # row 0 stays un-nudged
        self._nudge_diagonal = diagonal
        self._stack = xp.empty((count + 1, count), dtype=dtype)
        shapes = [w.shape for w in self.stored.weights] + [(1,) + b.shape for b in self.stored.biases]
        views, start = [], 0
        for shape in shapes:
            size = math.prod(shape)
            views.append(self._stack[:, start : start + size].reshape((count + 1,) + shape))
            start += size
        layers = len(self.stored.weights)
        self._stack_params = Parameters(views[:layers], views[layers:])

    def compute(self, x: Array, y: Array, out: Array) -> Array:
        """C(θ); ∂C/∂θ ≈ (C(θ + nudge) − C(θ)) / step lands in ``out`` (flat)."""
        xp = self.network.xp
        flat = self.stored.flat
        if not self._fits(x):
            return self._in_chunks(x, y, out)
        if self._stack is None:
            self._prepare_stack()
        xp.add(flat, self._nudge_diagonal, out=self._stack)
        losses = self.network.training_loss(self._stack_params, x, y)
        loss, self.loss_plus = losses[0], losses[1:]
        xp.subtract(self.loss_plus, loss, out=out)
        xp.divide(out, self.step, out=out)
        xp.subtract(self._stack[1:].diagonal(), flat, out=self.nudges, dtype=xp.float64)
        return loss

    def _in_chunks(self, x: Array, y: Array, out: Array) -> Array:
        xp = self.network.xp
        fd = finite_difference(self.network, self.stored.params, x, y, self.step)

        def flat(g: Gradients) -> Array:
            return xp.concatenate([a.reshape(-1) for a in g.weights + g.biases])

        out[...] = flat(fd.gradients)
        self.loss_plus = flat(fd.loss_plus)
        self.nudges[...] = flat(fd.nudges)
        return fd.loss


@dataclass
class GradientCheck:
    analytic: Gradients
    numeric: Gradients
    relative_error: Gradients
    max_relative_error: float
    tolerance: float

    @property
    def passed(self) -> bool:
        return self.max_relative_error <= self.tolerance


def central_difference_check(
    network: Network,
    params: Parameters,
    x: Array,
    y: Array,
    epsilon: float = 1e-6,
    tolerance: float = 1e-6,
) -> GradientCheck:
    """Compare the chain rule with (C(θ+ε) − C(θ−ε)) / 2ε, all in float64.

    The relative error |a − n| / max(|a|, |n|, 1e-8) is ~1e-9 for a correct derivative of a
    smooth network and O(1) for a wrong one."""
    xp = network.xp
    p64 = Parameters(
        [w.astype(xp.float64) for w in params.weights], [b.astype(xp.float64) for b in params.biases]
    )
    x64, y64 = x.astype(xp.float64), y.astype(xp.float64)
    _, analytic, _, _ = chain_rule(network, p64, x64, y64)
    _, plus, _ = nudged_losses(network, p64, x64, y64, epsilon)
    _, minus, _ = nudged_losses(network, p64, x64, y64, -epsilon)
    numeric = Gradients(
        [(p - m) / (2 * epsilon) for p, m in zip(plus.weights, minus.weights)],
        [(p - m) / (2 * epsilon) for p, m in zip(plus.biases, minus.biases)],
    )

    def rel(a: Array, n: Array) -> Array:
        return xp.abs(a - n) / xp.maximum(xp.maximum(xp.abs(a), xp.abs(n)), 1e-8)

    errors = Gradients(
        [rel(a, n) for a, n in zip(analytic.weights, numeric.weights)],
        [rel(a, n) for a, n in zip(analytic.biases, numeric.biases)],
    )
    worst = max(float(e.max()) for e in errors.weights + errors.biases)
    return GradientCheck(analytic, numeric, errors, worst, tolerance)


@dataclass
class OneParameterEstimates:
    """One parameter's gradient measured two ways, for a chain-rule panel."""

    forward_difference: float  # the chapter's: (C(θ + step) − C(θ)) / step, nudged in θ's dtype
    central_difference: float  # (C(θ + ε) − C(θ − ε)) / 2ε in float64


def one_parameter_estimates(
    network: Network,
    params: Parameters,
    x: Array,
    y: Array,
    kind: str,
    layer: int,
    index: tuple[int, ...],
    step: float,
    epsilon: float = 1e-6,
) -> OneParameterEstimates:
    """Both estimates for a single weight or bias: four forward passes, whatever the network's
    size (checking every parameter costs one or two passes per parameter)."""
    xp = network.xp

    def loss(delta: float, dtype: Any, data: tuple[Array, Array]) -> float:
        # A copy in ``dtype`` with one parameter moved by ``delta``, the add done in that dtype
        # (the chapter's `temp_weights[i][index] += 0.0001`).
        moved = Parameters([w.astype(dtype) for w in params.weights], [b.astype(dtype) for b in params.biases])
        target = (moved.weights if kind == "weight" else moved.biases)[layer - 1]
        target[index] = target[index] + xp.asarray(delta, dtype=target.dtype)
        return float(network.forward(moved, *data).loss)

    own = (x, y)
    wide = (x.astype(xp.float64), y.astype(xp.float64))
    forward = (loss(step, params.dtype, own) - loss(0.0, params.dtype, own)) / step
    central = (loss(epsilon, xp.float64, wide) - loss(-epsilon, xp.float64, wide)) / (2 * epsilon)
    return OneParameterEstimates(forward, central)


def replay(xp: Any, activations: tuple[str, ...], loss: str, weights: tuple, biases: tuple, x: Array, y: Array) -> Pass:
    """Every value of one update's forward and backward pass, as host arrays (a ``Pass``):
    from the parameters the update started from, on the data points it used. ``forward`` and
    ``backward`` do the same operations as training's hot path, to the last bit
    (tests/test_speed_paths.py), so this is what the engine computed, shown."""
    network = Network(xp, list(activations), loss)
    params = Parameters([xp.asarray(w) for w in weights], [xp.asarray(b) for b in biases])
    with np.errstate(all="ignore"):
        _, _, fwd, bwd = chain_rule(network, params, x, y)
    layers = tuple(
        LayerValues(
            _host(fwd.pre_activations[l]), _host(fwd.activations[l]), _host(bwd.upstream[l]),
            _host(bwd.activation_derivative[l]), _host(bwd.delta[l]),
            _host(bwd.weight_gradients[l]), _host(bwd.bias_gradients[l]),
        )
        for l in range(len(weights))
    )
    return Pass(
        _host(x), _host(y), tuple(np.array(w) for w in weights), tuple(np.array(b) for b in biases),
        layers, float(_host(fwd.loss)),
    )


def _host(array: Array) -> np.ndarray:
    return array.get() if hasattr(array, "get") and not isinstance(array, np.ndarray) else np.array(array, copy=True)
