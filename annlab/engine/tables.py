"""The non-training scenarios: the softmax/cross-entropy table and the function galleries."""

from __future__ import annotations

import numpy as np

from annlab.engine.activations import ACTIVATIONS
from annlab.engine.losses import LOSSES
from annlab.scenario.model import GallerySpec, TableSpec
from annlab.trace import Curve, Gallery, SoftmaxTable, TableRow


def softmax_table(spec: TableSpec) -> SoftmaxTable:
    """Each row's loss is −ln p(target); the table's loss is their mean (categorical
    cross-entropy with one-hot targets)."""
    if spec.logits is not None:
        probabilities = ACTIVATIONS["softmax"].forward(np, spec.logits)
    else:
        assert spec.probabilities is not None
        probabilities = spec.probabilities
    rows = []
    for i, target in enumerate(spec.targets):
        p = probabilities[i]
        p_target = max(float(p[spec.classes.index(target)]), 1e-15)
        rows.append(TableRow(target, p.copy(), -float(np.log(p_target)), None if spec.logits is None else spec.logits[i].copy()))
    return SoftmaxTable(spec.classes, tuple(rows), float(np.mean([r.loss for r in rows])))


def activation_at(name: str, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """An activation's value and slope ∂a/∂h at each x, exactly (no interpolation)."""
    x = np.asarray(x, dtype=np.float64)
    f = ACTIVATIONS[name]
    with np.errstate(all="ignore"):
        if name == "softmax":
            # Softmax needs a vector: unit 0 of softmax([x, 0]) (which is σ(x)) and its slope.
            a = f.forward(np, np.stack([x, np.zeros_like(x)], axis=-1))[..., 0]
            return a, a * (1 - a)
        y = f.forward(np, x)
        return y, f.derivative(np, x, y)


def loss_at(name: str, p: np.ndarray, target: float) -> tuple[np.ndarray, np.ndarray]:
    """The loss of one prediction p against ``target``, and its slope dC/dp, at each p.

    For categorical cross-entropy there are two classes: the target's class is predicted with
    p and the other with 1 − p, so C = −t·ln p − (1 − t)·ln(1 − p)."""
    p = np.asarray(p, dtype=np.float64)
    loss = LOSSES[name]
    with np.errstate(all="ignore"):
        if name == "categorical-cross-entropy":
            pred = np.stack([p, 1 - p], axis=-1)[..., None, :]
            y = np.broadcast_to(np.array([target, 1 - target]), pred.shape)
            slope = loss.gradient(np, pred, y)
            return loss.value(np, pred, y), slope[..., 0, 0] - slope[..., 0, 1]
        pred = p[..., None, None]
        y = np.broadcast_to(np.float64(target), pred.shape)
        return loss.value(np, pred, y), loss.gradient(np, pred, y)[..., 0, 0]


def activation_gallery(spec: GallerySpec) -> Gallery:
    x = np.linspace(spec.x_from, spec.x_to, spec.points)
    curves = []
    for name in spec.functions:
        f = ACTIVATIONS[name]
        y, dy = activation_at(name, x)
        curves.append(Curve(name, f.formula, f.derivative_formula, x, y, dy))
    return Gallery("activations", tuple(curves), spec.cursor)


def loss_domain(name: str, spec: GallerySpec) -> np.ndarray:
    """The predictions a loss is drawn over: cross-entropies only inside (0, 1), where ln is defined."""
    if "cross-entropy" not in name:
        return np.linspace(spec.x_from, spec.x_to, spec.points)
    lo, hi = max(spec.x_from, 1e-3), min(spec.x_to, 1 - 1e-3)
    if hi <= lo:
        lo, hi = 1e-3, 1 - 1e-3
    return np.linspace(lo, hi, spec.points)


def loss_gallery(spec: GallerySpec) -> Gallery:
    """Each loss of one prediction p against the fixed target, for p across the x range."""
    curves = []
    for name in spec.functions:
        p = loss_domain(name, spec)
        values, slopes = loss_at(name, p, spec.target)
        curves.append(Curve(name, LOSSES[name].formula, "∂C/∂p", p, values, slopes))
    return Gallery("losses", tuple(curves), spec.cursor, spec.target)
