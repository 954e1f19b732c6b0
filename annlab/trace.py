"""The Trace: everything a run computed, as host NumPy arrays and Python numbers.

It is the contract between the engine and everything that shows numbers: ``annlab play``
prints it, ``--format json`` dumps it, the app steps a cursor over it, and the tests freeze
it. Arrays here are copies (``backend.to_host``), never views of the live parameters that the
next update changes in place.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

Arrays = tuple[np.ndarray, ...]


@dataclass(frozen=True)
class LayerValues:
    """One layer of one pass: forward values and what the chain rule multiplied."""

    pre_activation: np.ndarray  # h, (m, units)
    activation: np.ndarray  # a = f(h)
    upstream: np.ndarray  # ∂C/∂a
    activation_derivative: np.ndarray  # ∂a/∂h (softmax: the Jacobian's diagonal)
    delta: np.ndarray  # ∂C/∂h
    weight_gradient: np.ndarray  # ∂C/∂W, exact (chain rule)
    bias_gradient: np.ndarray  # ∂C/∂b, exact (chain rule)


@dataclass(frozen=True)
class Pass:
    """A full forward and backward pass from given parameters (an epoch's start)."""

    inputs: np.ndarray
    targets: np.ndarray
    weights: Arrays
    biases: Arrays
    layers: tuple[LayerValues, ...]
    loss: float

    @property
    def predictions(self) -> np.ndarray:
        return self.layers[-1].activation


@dataclass(frozen=True)
class FiniteDifferenceDetail:
    """The chapter's per-parameter numbers: loss_plus, and the nudge really applied."""

    weight_loss_plus: Arrays
    bias_loss_plus: Arrays
    weight_nudges: Arrays
    bias_nudges: Arrays


@dataclass(frozen=True)
class EpochRecord:
    epoch: int  # 1-based
    loss: float  # before this epoch's update (the chapter's losses[epoch-1])
    weights: Arrays  # after the update
    biases: Arrays
    weight_gradients: Arrays  # the gradients the update used (of the last mini-batch)
    bias_gradients: Arrays
    finite_difference: FiniteDifferenceDetail | None = None


@dataclass(frozen=True)
class Divergence:
    epoch: int
    reason: str

    def __str__(self) -> str:
        return f"diverged at epoch {self.epoch}: {self.reason}"


@dataclass(frozen=True)
class Run:
    learning_rate: float
    gradient: str  # "chain-rule" | "finite-difference"
    dtype: str
    initial_weights: Arrays
    initial_biases: Arrays
    losses: np.ndarray  # every epoch's loss, before its update
    records: tuple[EpochRecord, ...]  # every epoch, or a sample of them for long runs
    record_stride: int  # 1 = every epoch recorded
    final_weights: Arrays
    final_biases: Arrays
    final_loss: float
    final_predictions: np.ndarray
    divergence: Divergence | None = None

    @property
    def epochs_run(self) -> int:
        return int(self.losses.size)

    def record(self, epoch: int) -> EpochRecord | None:
        for r in self.records:
            if r.epoch == epoch:
                return r
        return None

    def weights_before(self, epoch: int) -> tuple[Arrays, Arrays] | None:
        """The parameters at the start of ``epoch`` (None if that epoch was not recorded)."""
        if epoch == 1:
            return self.initial_weights, self.initial_biases
        previous = self.record(epoch - 1)
        return (previous.weights, previous.biases) if previous else None


@dataclass(frozen=True)
class TableRow:
    target: str
    probabilities: np.ndarray
    loss: float  # −ln p(target)
    logits: np.ndarray | None = None


@dataclass(frozen=True)
class SoftmaxTable:
    classes: tuple[str, ...]
    rows: tuple[TableRow, ...]
    mean_loss: float


@dataclass(frozen=True)
class Curve:
    name: str
    formula: str
    derivative_formula: str
    x: np.ndarray
    y: np.ndarray
    dy: np.ndarray


@dataclass(frozen=True)
class Gallery:
    kind: str  # "activations" | "losses"
    curves: tuple[Curve, ...]
    cursor: float
    target: float | None = None


@dataclass(frozen=True)
class Trace:
    scenario_title: str
    kind: str
    backend: str
    backend_reason: str
    first_pass: Pass | None = None
    runs: tuple[Run, ...] = ()
    table: SoftmaxTable | None = None
    gallery: Gallery | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


# --- JSON -------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """Strict-JSON-ready Python values: arrays become lists, non-finite numbers null."""
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return v if math.isfinite(v) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def _pass_json(p: Pass) -> dict[str, Any]:
    return {
        "layers": [
            {
                "pre_activation": _plain(layer.pre_activation),
                "activation": _plain(layer.activation),
                "upstream": _plain(layer.upstream),
                "activation_derivative": _plain(layer.activation_derivative),
                "delta": _plain(layer.delta),
                "weight_gradient": _plain(layer.weight_gradient),
                "bias_gradient": _plain(layer.bias_gradient),
            }
            for layer in p.layers
        ],
        "predictions": _plain(p.predictions),
        "loss": _plain(p.loss),
    }


def _epoch_json(r: EpochRecord) -> dict[str, Any]:
    out = {
        "epoch": r.epoch,
        "loss": _plain(r.loss),
        "weights": _plain(r.weights),
        "biases": _plain(r.biases),
        "weight_gradients": _plain(r.weight_gradients),
        "bias_gradients": _plain(r.bias_gradients),
    }
    if r.finite_difference is not None:
        fd = r.finite_difference
        out["finite_difference"] = {
            "weight_loss_plus": _plain(fd.weight_loss_plus),
            "bias_loss_plus": _plain(fd.bias_loss_plus),
            "weight_nudges": _plain(fd.weight_nudges),
            "bias_nudges": _plain(fd.bias_nudges),
        }
    return out


def trace_to_json(trace: Trace) -> dict[str, Any]:
    out: dict[str, Any] = {
        "scenario": trace.scenario_title,
        "kind": trace.kind,
        "backend": {"name": trace.backend, "reason": trace.backend_reason},
        "notes": list(trace.notes),
    }
    if trace.first_pass is not None:
        out["first_pass"] = _pass_json(trace.first_pass)
    if trace.runs:
        out["runs"] = [
            {
                "learning_rate": run.learning_rate,
                "gradient": run.gradient,
                "dtype": run.dtype,
                "record_stride": run.record_stride,
                "losses": _plain(run.losses),
                "epochs": [_epoch_json(r) for r in run.records],
                "final": {
                    "weights": _plain(run.final_weights),
                    "biases": _plain(run.final_biases),
                    "loss": _plain(run.final_loss),
                    "predictions": _plain(run.final_predictions),
                },
                "diverged_at_epoch": run.divergence.epoch if run.divergence else None,
                "divergence": run.divergence.reason if run.divergence else None,
            }
            for run in trace.runs
        ]
    if trace.table is not None:
        out["table"] = {
            "classes": list(trace.table.classes),
            "rows": [
                {"target": r.target, "probabilities": _plain(r.probabilities), "loss": _plain(r.loss)}
                for r in trace.table.rows
            ],
            "mean_loss": _plain(trace.table.mean_loss),
        }
    if trace.gallery is not None:
        g = trace.gallery
        out["gallery"] = {
            "kind": g.kind,
            "cursor": g.cursor,
            "target": g.target,
            "curves": [
                {"name": c.name, "formula": c.formula, "x": _plain(c.x), "y": _plain(c.y), "derivative": _plain(c.dy)}
                for c in g.curves
            ],
        }
    return out
