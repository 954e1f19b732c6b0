"""The decision boundary of a 2-D classifier: the predicted class over a grid of the input plane.

A learner sees where the network draws its lines: every cell of the grid is one input point,
coloured by the class the network gives it. Only the forward pass is needed, on the host in
NumPy (a terminal grid is a few thousand points, far too small for a GPU to pay off).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from annlab.engine.activations import ACTIVATIONS


@dataclass(frozen=True)
class ClassGrid:
    classes: np.ndarray  # (rows, columns) int: the predicted class; row 0 is the TOP of the plane
    confidence: np.ndarray  # (rows, columns): the winning class's output
    x_range: tuple[float, float]  # input 1, left to right
    y_range: tuple[float, float]  # input 2, bottom to top


def plane_bounds(inputs: np.ndarray, margin: float = 0.1) -> tuple[tuple[float, float], tuple[float, float]]:
    """The part of the plane the data cover, widened by ``margin`` of its span on each side."""
    low, high = inputs.min(axis=0).astype(np.float64), inputs.max(axis=0).astype(np.float64)
    span = np.where(high > low, high - low, 1.0)
    low, high = low - margin * span, high + margin * span
    return (float(low[0]), float(high[0])), (float(low[1]), float(high[1]))


def cell_centres(x_range: tuple[float, float], y_range: tuple[float, float], columns: int, rows: int) -> np.ndarray:
    """(rows·columns, 2) input points at the centre of each cell, row by row from the top."""
    xs = x_range[0] + (np.arange(columns) + 0.5) * (x_range[1] - x_range[0]) / columns
    ys = y_range[1] - (np.arange(rows) + 0.5) * (y_range[1] - y_range[0]) / rows
    gx, gy = np.meshgrid(xs, ys)
    return np.stack([gx.reshape(-1), gy.reshape(-1)], axis=1)


def cell_of(points: np.ndarray, x_range: tuple[float, float], y_range: tuple[float, float], columns: int, rows: int) -> np.ndarray:
    """(n, 2) int (row, column) of the cell each point falls in, clipped to the grid."""
    col = np.floor((points[:, 0] - x_range[0]) / (x_range[1] - x_range[0]) * columns)
    row = np.floor((y_range[1] - points[:, 1]) / (y_range[1] - y_range[0]) * rows)
    return np.stack([np.clip(row, 0, rows - 1), np.clip(col, 0, columns - 1)], axis=1).astype(int)


def predict(activations: tuple[str, ...], weights: tuple[np.ndarray, ...], biases: tuple[np.ndarray, ...], x: np.ndarray) -> np.ndarray:
    """The network's outputs for inputs ``x`` (the forward pass, a = f(a_below·W + b))."""
    a = x.astype(np.result_type(weights[0].dtype, np.float32))
    with np.errstate(all="ignore"):
        for name, w, b in zip(activations, weights, biases):
            a = ACTIVATIONS[name].forward(np, a @ w + b)
    return a


def class_grid(
    activations: tuple[str, ...],
    weights: tuple[np.ndarray, ...],
    biases: tuple[np.ndarray, ...],
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    columns: int,
    rows: int,
) -> ClassGrid:
    """The predicted class at the centre of each of ``rows × columns`` cells.

    With one output unit (a sigmoid), class 1 means an output of at least 0.5; with several,
    the class is the unit with the largest output (argmax of the softmax)."""
    out = predict(activations, weights, biases, cell_centres(x_range, y_range, columns, rows))
    out = np.nan_to_num(out.astype(np.float64), nan=0.0)
    if out.shape[1] == 1:
        classes = (out[:, 0] >= 0.5).astype(int)
        confidence = np.where(classes == 1, out[:, 0], 1 - out[:, 0])
    else:
        classes = out.argmax(axis=1)
        confidence = out.max(axis=1)
    return ClassGrid(classes.reshape(rows, columns), confidence.reshape(rows, columns), x_range, y_range)
