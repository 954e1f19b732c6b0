"""Running the scenarios without training: the softmax/cross-entropy table and the galleries.

Each turns its validated spec into the Trace that ``annlab play`` narrates and the app shows.
"""

from __future__ import annotations

import numpy as np

from annlab.engine.activations import ACTIVATIONS
from annlab.engine.backend import Backend
from annlab.engine.losses import LOSSES
from annlab.engine.tables import activation_at, loss_at
from annlab.scenario.model import GallerySpec, Scenario, TableSpec
from annlab.trace import Curve, Gallery, SoftmaxTable, TableRow, Trace


def run_table(scenario: Scenario, backend: Backend) -> Trace:
    assert scenario.table is not None
    return Trace(scenario.title, scenario.kind, backend.name, backend.reason, table=softmax_table(scenario.table))


def run_gallery(scenario: Scenario, backend: Backend) -> Trace:
    assert scenario.gallery is not None
    build = {"activations": activation_gallery, "losses": loss_gallery}[scenario.kind]
    return Trace(scenario.title, scenario.kind, backend.name, backend.reason, gallery=build(scenario.gallery))


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
