"""Activation functions and their derivatives, as the chapter defines them.

Each activation maps a layer's pre-activation ``h`` to its activation ``a = f(h)``.
``derivative(h, a)`` is the local factor ∂a/∂h that the chain rule multiplies in; for the
element-wise functions it is exact. Softmax mixes a row's units, so its Jacobian is a matrix:
``derivative`` gives its diagonal ∂a_i/∂h_i (what a node-by-node view can show) and
``backward`` applies the full Jacobian, which is what the gradients use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from annlab.language import N_, _

Array = Any


@dataclass(frozen=True)
class Activation:
    """An activation owns everything said about it: its maths and its wording.

    ``symbol`` is what a formula applies ("σ" in a = σ(h)); ``slope`` words the local factor
    ∂a/∂h for one unit from the names of its activation and pre-activation, with the
    parentheses it needs inside a product ("a11·(1 − a11)", "(1 − a11²)"), in the interface
    language. A formula with words is marked ``N_`` and shown with ``_(formula)``."""

    name: str
    symbol: str
    formula: str
    derivative_formula: str
    forward: Callable[[Any, Array], Array]
    derivative: Callable[[Any, Array, Array], Array]
    slope: Callable[[str, str], str]
    elementwise: bool = True

    def backward(self, xp: Any, h: Array, a: Array, upstream: Array) -> Array:
        """∂C/∂h from ∂C/∂a: the chain rule through this activation."""
        if self.elementwise:
            return upstream * self.derivative(xp, h, a)
        # Softmax: ∂C/∂h_i = a_i (∂C/∂a_i − Σ_j a_j ∂C/∂a_j), the Jacobian-vector product.
        return a * (upstream - (upstream * a).sum(axis=-1, keepdims=True))


def _sigmoid(xp: Any, h: Array) -> Array:
    # The chapter's own formula, kept operation for operation so that float results match
    # its code bit for bit. For h ≪ 0, exp(−h) overflows to inf and 1/(1+inf) is exactly 0,
    # the right limit: the overflow is expected, so its warning is silenced, not the value.
    with _quiet(xp):
        return 1 / (1 + xp.exp(-h))


def _tanh(xp: Any, h: Array) -> Array:
    # np.tanh, not the chapter's (e^x − e^−x)/(e^x + e^−x): same function, no inf/inf at |x| > 710.
    return xp.tanh(h)


def _relu(xp: Any, h: Array) -> Array:
    return xp.where(h > 0, h, 0).astype(h.dtype, copy=False)


def _softmax(xp: Any, h: Array) -> Array:
    # Subtracting each row's maximum leaves softmax unchanged and keeps exp() ≤ 1, so logits
    # of ±1000 give exact 0s and 1s instead of the chapter's inf/inf = nan. Logits near the
    # float range (1e308 − (−1e308)) overflow the subtraction to −inf, and exp(−inf) = 0 is the
    # right limit: that expected overflow is silenced, as in the sigmoid.
    with _quiet(xp):
        shifted = h - h.max(axis=-1, keepdims=True)
    e = xp.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


class _quiet:
    """np.errstate for NumPy; CuPy never warns, so it needs nothing."""

    def __init__(self, xp: Any):
        self._state = xp.errstate(over="ignore") if hasattr(xp, "errstate") else None

    def __enter__(self) -> None:
        if self._state is not None:
            self._state.__enter__()

    def __exit__(self, *exc: object) -> None:
        if self._state is not None:
            self._state.__exit__(*exc)


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation(
            "sigmoid",
            "σ",
            "σ(h) = 1 / (1 + e^−h)",
            "σ'(h) = σ(h)·(1 − σ(h))",
            _sigmoid,
            lambda xp, h, a: a * (1 - a),
            lambda a, h: f"{a}·(1 − {a})",
        ),
        Activation(
            "tanh",
            "tanh",
            "tanh(h) = (e^h − e^−h) / (e^h + e^−h)",
            "tanh'(h) = 1 − tanh(h)²",
            _tanh,
            lambda xp, h, a: 1 - a * a,
            lambda a, h: f"(1 − {a}²)",
        ),
        Activation(
            "relu",
            "relu",
            "relu(h) = max(h, 0)",
            N_("relu'(h) = 1 if h > 0 else 0"),
            _relu,
            lambda xp, h, a: (h > 0).astype(h.dtype),
            lambda a, h: _("(1 if {h} > 0 else 0)").format(h=h),
        ),
        Activation(
            "linear",
            "linear",
            "linear(h) = h",
            "linear'(h) = 1",
            lambda xp, h: h,
            lambda xp, h, a: xp.ones_like(h),
            lambda a, h: "1",
        ),
        Activation(
            "softmax",
            "softmax",
            "softmax(h)_i = e^h_i / Σ_j e^h_j",
            N_("∂a_i/∂h_i = a_i·(1 − a_i)  (∂a_i/∂h_j = −a_i·a_j off the diagonal)"),
            _softmax,
            lambda xp, h, a: a * (1 - a),
            lambda a, h: _("{a}·(1 − {a}) (the diagonal of softmax's Jacobian)").format(a=a),
            elementwise=False,
        ),
    )
}
