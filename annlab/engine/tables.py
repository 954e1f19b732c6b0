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


def activation_gallery(spec: GallerySpec) -> Gallery:
    x = np.linspace(spec.x_from, spec.x_to, spec.points)
    curves = []
    with np.errstate(all="ignore"):
        for name in spec.functions:
            f = ACTIVATIONS[name]
            if name == "softmax":
                # Softmax needs a vector: show unit 0 of softmax([x, 0]) (= σ(x)) and its slope.
                h = np.stack([x, np.zeros_like(x)], axis=1)
                a = f.forward(np, h)
                y, dy = a[:, 0], (a * (1 - a))[:, 0]
            else:
                y = f.forward(np, x)
                dy = f.derivative(np, x, y)
            curves.append(Curve(name, f.formula, f.derivative_formula, x, y, dy))
    return Gallery("activations", tuple(curves), spec.cursor)


def loss_gallery(spec: GallerySpec) -> Gallery:
    """Each loss of one prediction p against the fixed target, for p across the x range
    (cross-entropies over (0, 1), where log is defined)."""
    curves = []
    with np.errstate(all="ignore"):
        for name in spec.functions:
            loss = LOSSES[name]
            if "cross-entropy" in name:
                lo, hi = max(spec.x_from, 1e-3), min(spec.x_to, 1 - 1e-3)
                if hi <= lo:
                    lo, hi = 1e-3, 1 - 1e-3
                p = np.linspace(lo, hi, spec.points)
            else:
                p = np.linspace(spec.x_from, spec.x_to, spec.points)
            pred = p[:, None, None]
            if name == "categorical-cross-entropy":
                # Two classes: the target's class gets p, the other 1 − p.
                pred = np.stack([p, 1 - p], axis=1)[:, None, :]
                y = np.array([[[spec.target, 1 - spec.target]]])
            else:
                y = np.full((1, 1, 1), spec.target)
            values = loss.value(np, pred, y)
            slope = loss.gradient(np, pred, np.broadcast_to(y, pred.shape))
            dy = slope[:, 0, 0] - (slope[:, 0, 1] if name == "categorical-cross-entropy" else 0)
            curves.append(Curve(name, loss.formula, "∂C/∂p", p, values, dy))
    return Gallery("losses", tuple(curves), spec.cursor, spec.target)
