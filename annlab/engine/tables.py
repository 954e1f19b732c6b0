"""The maths of the non-training scenarios: an activation or a loss at any point, exactly."""

from __future__ import annotations

import numpy as np

from annlab.engine.activations import ACTIVATIONS
from annlab.engine.losses import LOSSES


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
