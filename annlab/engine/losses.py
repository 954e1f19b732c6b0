"""Loss functions, with the chapter's formulas and the natural log.

Every loss reduces over the last two axes (data points × outputs), so the same code scores
one network or a stack of nudged copies of it (a leading axis) in one pass.

The chapter's ``binary_cross_entropy`` and ``categorical_cross_entropy`` code take
``np.mean(np.sum(...))``, which is a sum; its formulas divide by m, and annlab follows the
formulas. Probabilities are clipped to [ε, 1 − ε] before the log so that a confident wrong
prediction costs a large finite loss (−ln ε ≈ 34.5 in float64) rather than inf or nan.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from annlab.language import N_

Array = Any

EPSILON = 1e-15


@dataclass(frozen=True)
class Loss:
    """A loss owns its maths and its wording: ``formula`` for C, ``gradient_formula`` for
    ∂C/∂ŷ of one output value as a learner writes it (m = the number of values)."""

    name: str
    formula: str
    value: Callable[[Any, Array, Array], Array]
    """C(p, y), reduced over the last two axes."""
    gradient: Callable[[Any, Array, Array], Array]
    """∂C/∂p, the same shape as p."""
    gradient_formula: str
    mean_over_rows: bool = False  # m counts data points (rows), not values (rows × outputs)
    label: str = ""
    """How a learner reads its name (marked for translation; shown with ``_(loss.label)``)."""

    def m(self, predictions: Array) -> int:
        """The m of the formula for these predictions (data points × outputs)."""
        return int(predictions.shape[-2]) if self.mean_over_rows else int(predictions.shape[-1] * predictions.shape[-2])


def _elements(p: Array) -> int:
    return p.shape[-1] * p.shape[-2]


def _mse(xp: Any, p: Array, y: Array) -> Array:
    # mean(square(p − y)) exactly as the chapter's code, reduced over both axes at once.
    return xp.mean(xp.square(p - y), axis=(-2, -1))


def _mae(xp: Any, p: Array, y: Array) -> Array:
    return xp.mean(xp.abs(p - y), axis=(-2, -1))


def _clip(xp: Any, p: Array) -> Array:
    # In float32, 1 − 1e-15 rounds to 1 and ln(1 − p) would be −inf (0·−inf = nan for y = 1):
    # the margin is never finer than the dtype's own spacing near 1. float64 keeps 1e-15.
    eps = max(EPSILON, float(xp.finfo(p.dtype).eps)) if p.dtype.kind == "f" else EPSILON
    return xp.clip(p, eps, 1 - eps)


def _bce(xp: Any, p: Array, y: Array) -> Array:
    q = _clip(xp, p)
    return -xp.mean(y * xp.log(q) + (1 - y) * xp.log(1 - q), axis=(-2, -1))


def _bce_gradient(xp: Any, p: Array, y: Array) -> Array:
    q = _clip(xp, p)
    return (q - y) / (q * (1 - q)) / _elements(p)


def _cce(xp: Any, p: Array, y: Array) -> Array:
    return -xp.mean(xp.sum(y * xp.log(_clip(xp, p)), axis=-1), axis=-1)


def _cce_gradient(xp: Any, p: Array, y: Array) -> Array:
    return -y / _clip(xp, p) / p.shape[-2]


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss(
            "mse",
            "C = (1/m) Σ (ŷ − y)²",
            _mse,
            lambda xp, p, y: 2 * (p - y) / _elements(p),
            "2(ŷ − y)/m",
            label=N_("mse"),
        ),
        Loss(
            "mae",
            "C = (1/m) Σ |ŷ − y|",
            _mae,
            lambda xp, p, y: xp.sign(p - y) / _elements(p),
            "sign(ŷ − y)/m",
            label=N_("mae"),
        ),
        Loss(
            "binary-cross-entropy",
            "C = −(1/m) Σ [y·ln p + (1 − y)·ln(1 − p)]",
            _bce,
            _bce_gradient,
            "(ŷ − y)/(ŷ(1 − ŷ))/m",
            label=N_("binary-cross-entropy"),
        ),
        Loss(
            "categorical-cross-entropy",
            "C = −(1/m) Σ_rows Σ_classes y·ln p",
            _cce,
            _cce_gradient,
            "−y/ŷ/m",
            mean_over_rows=True,
            label=N_("categorical-cross-entropy"),
        ),
    )
}
