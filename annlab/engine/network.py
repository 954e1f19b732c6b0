"""A stack of dense layers: the forward pass and the chain rule backward through it.

Shapes (m data points, layer l with n_{l-1} inputs and n_l units):
    a_0 = x                     (m, n_0)
    h_l = a_{l-1} @ W_l + b_l   (m, n_l)    W_l: (n_{l-1}, n_l), b_l: (n_l,)
    a_l = f_l(h_l)              (m, n_l)
    C   = loss(a_L, y)

Weights are shaped (inputs, outputs), the chapter's convention, so W_l[i, j] joins unit i of
the layer below to unit j of this one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from annlab.engine.activations import ACTIVATIONS, Activation
from annlab.engine.losses import LOSSES, Loss

Array = Any


@dataclass
class Parameters:
    """One network's weights and biases on the backend, layer by layer."""

    weights: list[Array]
    biases: list[Array]

    def copy(self) -> "Parameters":
        return Parameters([w.copy() for w in self.weights], [b.copy() for b in self.biases])

    @property
    def dtype(self) -> Any:
        return self.weights[0].dtype

    def count(self) -> int:
        return sum(int(w.size) + int(b.size) for w, b in zip(self.weights, self.biases))


@dataclass
class ForwardPass:
    pre_activations: list[Array]  # h_l for l = 1..L
    activations: list[Array]  # a_l for l = 1..L (the input a_0 is not repeated here)
    loss: Array  # a 0-d array on the backend

    @property
    def predictions(self) -> Array:
        return self.activations[-1]


@dataclass
class BackwardPass:
    """What the chain rule multiplies, per layer l (listed input side first).

    upstream[l]               ∂C/∂a_l   what the layers above send down
    activation_derivative[l]  ∂a_l/∂h_l the activation's local slope (softmax: the diagonal)
    delta[l]                  ∂C/∂h_l   = upstream · derivative (softmax: its full Jacobian)
    weight_gradients[l]       ∂C/∂W_l   = a_{l-1}ᵀ @ delta[l]
    bias_gradients[l]         ∂C/∂b_l   = Σ_rows delta[l]
    """

    upstream: list[Array]
    activation_derivative: list[Array]
    delta: list[Array]
    weight_gradients: list[Array]
    bias_gradients: list[Array]


class Network:
    """The architecture (activations and loss); the parameters travel separately so that a
    run, a nudged copy and a gradient check can all share one network."""

    def __init__(self, xp: Any, activations: list[str], loss: str):
        self.xp = xp
        self.activations: list[Activation] = [ACTIVATIONS[name] for name in activations]
        self.loss: Loss = LOSSES[loss]
        bare = xp is np
        self._train_forward = [
            None if a.name == "linear" else (BARE_FORWARD.get(a.name, a.forward) if bare else a.forward)
            for a in self.activations
        ]
        self._train_backward = [
            None if a.name == "linear" else (BARE_BACKWARD.get(a.name, a.backward) if bare else a.backward)
            for a in self.activations
        ]
        self._train_loss = BARE_LOSS.get(loss, self.loss.value) if bare else self.loss.value
        self._train_loss_and_gradient = (
            BARE_LOSS_AND_GRADIENT.get(loss, self._loss_and_gradient) if bare else self._loss_and_gradient
        )
        # ndarray.sum is add.reduce behind a Python wrapper that costs as much as the sum.
        self._sum = np.add.reduce if bare else _sum_method

    def forward(self, params: Parameters, x: Array, y: Array) -> ForwardPass:
        xp = self.xp
        a = x
        pre_activations, activations = [], []
        for activation, w, b in zip(self.activations, params.weights, params.biases):
            # The chapter's np.dot(inputs, W) + b, in NumPy's promotion: integer or float64
            # data times float32 weights computes in float64.
            h = xp.matmul(a, w) + b
            a = activation.forward(xp, h)
            pre_activations.append(h)
            activations.append(a)
        return ForwardPass(pre_activations, activations, self.loss.value(xp, a, y))

    def backward(self, params: Parameters, x: Array, y: Array, fwd: ForwardPass) -> BackwardPass:
        xp = self.xp
        layers = len(self.activations)
        upstream: list[Array] = [None] * layers
        derivative: list[Array] = [None] * layers
        delta: list[Array] = [None] * layers
        w_grads: list[Array] = [None] * layers
        b_grads: list[Array] = [None] * layers
        grad_a = self.loss.gradient(xp, fwd.predictions, y)
        for l in reversed(range(layers)):
            activation = self.activations[l]
            h, a = fwd.pre_activations[l], fwd.activations[l]
            a_below = fwd.activations[l - 1] if l > 0 else x
            upstream[l] = grad_a
            derivative[l] = activation.derivative(xp, h, a)
            delta[l] = activation.backward(xp, h, a, grad_a)
            w_grads[l] = xp.matmul(xp.swapaxes(a_below, -1, -2), delta[l])
            b_grads[l] = delta[l].sum(axis=-2)
            grad_a = xp.matmul(delta[l], xp.swapaxes(params.weights[l], -1, -2))
        return BackwardPass(upstream, derivative, delta, w_grads, b_grads)

    def _train_forward_pass(self, params: Parameters, x: Array) -> tuple[list[Array], list[Array]]:
        xp = self.xp
        matmul = xp.matmul
        a = x
        hs, activations = [], []
        for forward, w, b in zip(self._train_forward, params.weights, params.biases):
            h = matmul(a, w) + b
            a = h if forward is None else forward(xp, h)
            hs.append(h)
            activations.append(a)
        return hs, activations

    def training_loss(self, params: Parameters, x: Array, y: Array) -> Array:
        """C only, by the same operations as ``forward`` (inside ``np.errstate``)."""
        _, activations = self._train_forward_pass(params, x)
        return self._train_loss(self.xp, activations[-1], y)

    def loss_and_gradients(
        self, params: Parameters, x: Array, y: Array, w_out: list[Array], b_out: list[Array]
    ) -> Array:
        """Training's hot path: C and every ∂C/∂W_l, ∂C/∂b_l, written into ``w_out``/``b_out``.

        The same operations, in the same order, as ``forward`` then ``backward`` (so the same
        numbers to the last bit), without what only the narration shows: no per-layer
        derivative kept beside delta, no ∂C/∂a_0 sent down to the inputs, and a linear layer's
        delta is its upstream gradient itself (multiplying by ones changes no bit). Call it
        inside ``np.errstate(all="ignore")``: the bare functions below rely on it."""
        # At the chapter's sizes Python's own steps cost as much as NumPy's, hence the locals.
        xp = self.xp
        matmul, total = xp.matmul, self._sum
        hs, activations = self._train_forward_pass(params, x)
        loss, grad_a = self._train_loss_and_gradient(xp, activations[-1], y)
        weights, backwards = params.weights, self._train_backward
        for l in range(len(hs) - 1, -1, -1):
            backward = backwards[l]
            delta = grad_a if backward is None else backward(xp, hs[l], activations[l], grad_a)
            a_below = activations[l - 1] if l > 0 else x
            matmul(a_below.T if a_below.ndim == 2 else xp.swapaxes(a_below, -1, -2), delta, out=w_out[l])
            total(delta, axis=-2, out=b_out[l])
            if l > 0:
                w = weights[l]
                grad_a = matmul(delta, w.T if w.ndim == 2 else xp.swapaxes(w, -1, -2))
        return loss

    def _loss_and_gradient(self, xp: Any, p: Array, y: Array) -> tuple[Array, Array]:
        return self._train_loss(xp, p, y), self.loss.gradient(xp, p, y)


# Training's hot path on NumPy, at the chapter's sizes, is bound by per-call overheads, not
# arithmetic: the sigmoid's own errstate (the Trainer already runs inside one) costs as much
# as the sigmoid, np.mean's Python wrapper three times an add.reduce, and each small array
# operation about half a microsecond. These are the formulas of ACTIVATIONS and LOSSES without
# those wrappers, giving the same bits; tests/test_speed_paths.py checks them against the
# originals, so a change there cannot silently part from training.
#
# A Python number in an operation costs NumPy a conversion each time (as much as the tiny
# operation itself); a 0-d float64 array is the same number to a float64 operation (NEP 50:
# the Python number would become a float64 too), without that cost. Other dtypes keep the
# Python number, so that a float32 network still computes in float32.
_FLOAT64 = np.dtype(np.float64)
_ONE = np.ones((), dtype=np.float64)
_TWO = np.full((), 2.0)
_ONE.flags.writeable = _TWO.flags.writeable = False


def _bare_sigmoid(xp: Any, h: Array) -> Array:
    one = _ONE if h.dtype is _FLOAT64 else 1
    return one / (one + xp.exp(-h))


def _bare_sigmoid_backward(xp: Any, h: Array, a: Array, upstream: Array) -> Array:
    return upstream * (a * ((_ONE if a.dtype is _FLOAT64 else 1) - a))


def _bare_mse(xp: Any, p: Array, y: Array) -> Array:
    return xp.add.reduce(xp.square(p - y), axis=(-2, -1)) / (p.shape[-1] * p.shape[-2])


def _bare_mse_and_gradient(xp: Any, p: Array, y: Array) -> tuple[Array, Array]:
    error = p - y
    elements = p.shape[-1] * p.shape[-2]
    if elements == 1:
        # One data point, one output (the chapter's toy): the sum of one square is that square
        # (never −0, so no signed zero to lose) and x / 1 changes no bit.
        return xp.square(error)[..., 0, 0], (_TWO if error.dtype is _FLOAT64 else 2) * error
    loss = xp.add.reduce(xp.square(error), axis=(-2, -1))
    return loss / elements, 2 * error / elements


def _bare_relu(xp: Any, h: Array) -> Array:
    # where(h > 0, h, 0) in two branch-free passes (where's per-element choice is ~7x slower
    # on random signs): fmax keeps h above 0 and turns NaN into 0, as where does; adding +0
    # then turns fmax's −0 (for h = −0) into where's +0 and changes nothing else.
    a = xp.fmax(h, 0)
    return xp.add(a, 0, out=a)


BARE_FORWARD = {"sigmoid": _bare_sigmoid, "relu": _bare_relu}


def _bare_relu_backward(xp: Any, h: Array, a: Array, upstream: Array) -> Array:
    # upstream · (h > 0): the mask multiplies as 1.0 or 0.0, with no float copy of it made.
    return upstream * (h > 0)


BARE_BACKWARD = {"sigmoid": _bare_sigmoid_backward, "relu": _bare_relu_backward}
BARE_LOSS = {"mse": _bare_mse}
BARE_LOSS_AND_GRADIENT = {"mse": _bare_mse_and_gradient}


def _sum_method(a: Array, axis: int, out: Array) -> Array:
    return a.sum(axis=axis, out=out)


def _transpose(xp: Any, a: Array) -> Array:
    """Swap the last two axes (``.T`` is the cheap spelling for a plain matrix)."""
    return a.T if a.ndim == 2 else xp.swapaxes(a, -1, -2)
