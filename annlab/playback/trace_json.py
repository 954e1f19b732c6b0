"""The Trace as strict JSON (``annlab play --format json``): arrays as lists, non-finite
numbers as null, messages as their code and values (the same in every language) with their
words, in the interface language, beside them as ``text``.

An epoch record holds the parameters it started from (``start_weights``, ``start_biases``), its
loss (all the data, before its first update) and the parameters after it. A full-batch epoch
makes one update, whose gradients are the epoch's (``weight_gradients``, ``bias_gradients``); a
mini-batch epoch lists its updates in ``batches``, each with the data points it used. Every
recorded update satisfies: parameters after = parameters before − lr × the recorded gradient
(see the README's JSON section for the exact arithmetic).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from annlab.analysis import Analysis
from annlab.playback.words import as_json
from annlab.scenario.model import Scenario
from annlab.trace import EpochRecord, Pass, Run, Trace, Update


def plain(value: Any) -> Any:
    """Strict-JSON-ready Python values: arrays become lists, non-finite numbers null."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "iub" or (value.dtype.kind == "f" and np.isfinite(value).all()):
            return value.tolist()  # nothing to replace: no element-by-element walk
        return plain(value.tolist())
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return v if math.isfinite(v) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def _pass(p: Pass) -> dict[str, Any]:
    return {
        "layers": [
            {
                "pre_activation": plain(layer.pre_activation),
                "activation": plain(layer.activation),
                "upstream": plain(layer.upstream),
                "activation_derivative": plain(layer.activation_derivative),
                "delta": plain(layer.delta),
                "weight_gradient": plain(layer.weight_gradient),
                "bias_gradient": plain(layer.bias_gradient),
            }
            for layer in p.layers
        ],
        "predictions": plain(p.predictions),
        "loss": plain(p.loss),
    }


def _gradients(u: Update) -> dict[str, Any]:
    out = {"weight_gradients": plain(u.weight_gradients), "bias_gradients": plain(u.bias_gradients)}
    if u.optimizer_state:
        out["optimizer_state"] = {
            name: (value if name == "step" else {"weights": plain(value[0]), "biases": plain(value[1])})
            for name, value in u.optimizer_state.items()
        }
    if u.finite_difference is not None:
        fd = u.finite_difference
        out["finite_difference"] = {
            "weight_loss_plus": plain(fd.weight_loss_plus),
            "bias_loss_plus": plain(fd.bias_loss_plus),
            "weight_nudges": plain(fd.weight_nudges),
            "bias_nudges": plain(fd.bias_nudges),
        }
    return out


def _epoch(r: EpochRecord, batches: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "epoch": r.epoch,
        "loss": plain(r.loss),
        "start_weights": plain(r.start_weights),
        "start_biases": plain(r.start_biases),
        "weights": plain(r.weights),
        "biases": plain(r.biases),
    }
    if not batches:
        if r.updates:
            out.update(_gradients(r.updates[0]))
        return out
    out["batches"] = [
        {
            "batch": u.batch,
            "indices": plain(u.indices),
            "loss": plain(u.loss),
            **_gradients(u),
            "weights": plain(u.weights),
            "biases": plain(u.biases),
        }
        for u in r.updates
    ]
    return out


def _run(run: Run) -> dict[str, Any]:
    return {
        "learning_rate": run.learning_rate,
        "gradient": run.gradient,
        "optimizer": run.optimizer,
        "dtype": run.dtype,
        "batch_size": run.batch_size,
        "record_stride": run.record_stride,
        "losses": plain(run.losses),
        "epochs": [_epoch(r, run.batch_size > 0) for r in run.records],
        "final": {
            "weights": plain(run.final_weights),
            "biases": plain(run.final_biases),
            "loss": plain(run.final_loss),
            "predictions": plain(run.final_predictions),
        },
        "diverged_at_epoch": run.divergence.epoch if run.divergence else None,
        "divergence": as_json(run.divergence.reason) if run.divergence else None,
    }


def trace_to_json(scenario: Scenario, trace: Trace) -> dict[str, Any]:
    out: dict[str, Any] = {
        "scenario": trace.scenario_title,
        "kind": trace.kind,
        "backend": {"name": trace.backend, "reason": as_json(trace.backend_reason)},
        "notes": [as_json(n) for n in trace.notes],
    }
    if trace.runs:
        analysis = Analysis(scenario, trace.runs)
        out["first_pass"] = _pass(analysis.first_pass())
        out["runs"] = [_run(run) for run in trace.runs]
        stuck = [as_json(m) for run in trace.runs for m in analysis.stuck(run)]
        if stuck:
            out["stuck"] = stuck
    if trace.table is not None:
        out["table"] = {
            "classes": list(trace.table.classes),
            "rows": [
                {"target": r.target, "probabilities": plain(r.probabilities), "loss": plain(r.loss)}
                for r in trace.table.rows
            ],
            "mean_loss": plain(trace.table.mean_loss),
        }
    if trace.gallery is not None:
        g = trace.gallery
        out["gallery"] = {
            "kind": g.kind,
            "cursor": g.cursor,
            "target": g.target,
            "curves": [
                {"name": c.name, "formula": c.formula, "x": plain(c.x), "y": plain(c.y), "derivative": plain(c.dy)}
                for c in g.curves
            ],
        }
    return out
