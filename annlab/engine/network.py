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
