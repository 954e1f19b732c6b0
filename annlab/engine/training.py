"""Gradient descent, epoch by epoch, recorded into a ``Run``.

``Trainer.epochs()`` is a generator: each ``next()`` trains one epoch and yields its number,
so a UI worker can drain it in batches, show progress and stop between epochs. ``train()``
drains it in one go.

What is kept (issue: memory stays flat for a million epochs): every epoch's loss, always; the
parameters and gradients of every epoch while they fit a budget, else of every N-th epoch
(``Run.record_stride``), plus the first, the last and the one where a run diverged.
"""

from __future__ import annotations

import math
from typing import Any, Iterator

import numpy as np

from annlab.engine.backend import Backend, to_host
from annlab.engine.chain import bias_name, weight_name
from annlab.engine.gradients import chain_rule, finite_difference
from annlab.engine.network import Network, Parameters
from annlab.scenario.model import NetworkSpec, Scenario, TrainingSpec
from annlab.trace import Divergence, EpochRecord, FiniteDifferenceDetail, LayerValues, Pass, Run

RECORD_BUDGET_BYTES = 64 * 1024 * 1024
FLOAT32_MAX = float(np.finfo(np.float32).max)


def initial_parameters(backend: Backend, network: NetworkSpec, dtype: str | None = None) -> Parameters:
    """The scenario's initial parameters on the backend, cast to the parameters' dtype."""
    xp = backend.xp
    dt = np.dtype(dtype or network.dtype)
    return Parameters(
        [xp.asarray(w.astype(dt)) for w in network.weights],
        [xp.asarray(b.astype(dt)) for b in network.biases],
    )


def compute_pass(backend: Backend, scenario: Scenario, weights: tuple, biases: tuple) -> Pass:
    """Forward and backward from given (host) parameters: every value one epoch shows."""
    assert scenario.network is not None and scenario.training is not None
    xp = backend.xp
    network = Network(xp, list(scenario.network.activations), scenario.training.loss)
    params = Parameters([xp.asarray(w) for w in weights], [xp.asarray(b) for b in biases])
    x, y = xp.asarray(scenario.inputs), xp.asarray(scenario.targets)
    with np.errstate(all="ignore"):
        _, _, fwd, bwd = chain_rule(network, params, x, y)
    layers = tuple(
        LayerValues(
            to_host(fwd.pre_activations[l]),
            to_host(fwd.activations[l]),
            to_host(bwd.upstream[l]),
            to_host(bwd.activation_derivative[l]),
            to_host(bwd.delta[l]),
            to_host(bwd.weight_gradients[l]),
            to_host(bwd.bias_gradients[l]),
        )
        for l in range(len(weights))
    )
    return Pass(
        np.array(scenario.inputs), np.array(scenario.targets),
        tuple(np.array(w) for w in weights), tuple(np.array(b) for b in biases),
        layers, float(to_host(fwd.loss)),
    )


class Trainer:
    def __init__(self, backend: Backend, scenario: Scenario, learning_rate: float, gradient: str | None = None):
        assert scenario.network is not None and scenario.training is not None
        self.backend = backend
        self.spec: TrainingSpec = scenario.training
        self.network_spec = scenario.network
        self.learning_rate = float(learning_rate)
        self.gradient = gradient or self.spec.gradient
        self.dtype = scenario.network.dtype
        xp = backend.xp
        self.network = Network(xp, list(scenario.network.activations), self.spec.loss)
        self.params = initial_parameters(backend, scenario.network)
        self.x, self.y = xp.asarray(scenario.inputs), xp.asarray(scenario.targets)
        self.initial = self._host_params()
        epochs = self.spec.epochs
        per_record = 2 * self.params.count() * np.dtype(self.dtype).itemsize
        if self.gradient == "finite-difference":
            per_record += 2 * self.params.count() * 8
        max_records = max(2, min(epochs, RECORD_BUDGET_BYTES // max(1, per_record)))
        self.stride = math.ceil(epochs / max_records)
        self.losses = np.empty(epochs, dtype=np.float64)
        self.records: list[EpochRecord] = []
        self.divergence: Divergence | None = None
        self.epochs_done = 0

    def _host_params(self) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
        return tuple(to_host(w) for w in self.params.weights), tuple(to_host(b) for b in self.params.biases)

    def epochs(self) -> Iterator[int]:
        with np.errstate(all="ignore"):
            for epoch in range(1, self.spec.epochs + 1):
                self._epoch(epoch)
                self.epochs_done = epoch
                yield epoch
                if self.divergence is not None:
                    return

    def _gradients(self, x: Any, y: Any) -> tuple[Any, list[Any], list[Any], FiniteDifferenceDetail | None]:
        if self.gradient == "finite-difference":
            fd = finite_difference(self.network, self.params, x, y, self.spec.finite_difference_step)
            detail = FiniteDifferenceDetail(
                tuple(to_host(a) for a in fd.loss_plus.weights),
                tuple(to_host(a) for a in fd.loss_plus.biases),
                tuple(to_host(a) for a in fd.nudges.weights),
                tuple(to_host(a) for a in fd.nudges.biases),
            )
            return fd.loss, fd.gradients.weights, fd.gradients.biases, detail
        loss, grads, _, _ = chain_rule(self.network, self.params, x, y)
        return loss, grads.weights, grads.biases, None

    def _update(self, w_grads: list[Any], b_grads: list[Any]) -> None:
        # w − lr·g is computed in the gradient's precision and rounded to the parameters'
        # dtype, as the chapter's `updated_weights[i][index] -= grad*lr` does.
        lr = self.learning_rate
        p = self.params
        p.weights = [(w - lr * g).astype(w.dtype, copy=False) for w, g in zip(p.weights, w_grads)]
        p.biases = [(b - lr * g).astype(b.dtype, copy=False) for b, g in zip(p.biases, b_grads)]

    def _epoch(self, epoch: int) -> None:
        batch = self.spec.batch_size
        rows = self.x.shape[0]
        if batch == 0 or batch >= rows:
            loss, gw, gb, detail = self._gradients(self.x, self.y)
            self._update(gw, gb)
        else:
            loss = self.network.forward(self.params, self.x, self.y).loss
            order = np.random.default_rng((self.spec.shuffle_seed, epoch)).permutation(rows)
            for start in range(0, rows, batch):
                idx = self.backend.xp.asarray(order[start : start + batch])
                _, gw, gb, detail = self._gradients(self.x[idx], self.y[idx])
                self._update(gw, gb)
        loss_value = float(to_host(loss))
        self.losses[epoch - 1] = loss_value
        if not math.isfinite(loss_value):
            self.divergence = Divergence(epoch, self._why_loss(loss_value))
        elif epoch == self.spec.epochs or epoch % self.stride == 0 or epoch == 1:
            bad = self._non_finite_parameter()
            if bad:
                self.divergence = Divergence(epoch, bad)
        if self.divergence is not None or epoch == 1 or epoch == self.spec.epochs or epoch % self.stride == 0:
            weights, biases = self._host_params()
            self.records.append(
                EpochRecord(
                    epoch, loss_value, weights, biases,
                    tuple(to_host(g) for g in gw), tuple(to_host(g) for g in gb), detail,
                )
            )

    def _why_loss(self, loss: float) -> str:
        bad = self._non_finite_parameter()
        if math.isnan(loss):
            return "the loss became NaN" + (f" ({bad})" if bad else " (inf − inf: the predictions overflowed)")
        return "the loss overflowed to inf" + (f" ({bad})" if bad else " (the predictions grew past the float range)")

    def _non_finite_parameter(self) -> str | None:
        xp = self.backend.xp
        for kind, arrays in (("weight", self.params.weights), ("bias", self.params.biases)):
            for l, a in enumerate(arrays):
                finite = xp.isfinite(a)
                if not bool(finite.all()):
                    index = [int(i) for i in np.argwhere(~to_host(finite))[0]]
                    name = weight_name(l + 1, *index) if kind == "weight" else bias_name(l + 1, index[-1])
                    limit = "float32's range (±3.4e38)" if a.dtype == np.float32 else "float64's range (±1.8e308)"
                    return f"the update pushed {kind} {name} past {limit}"
        return None

    def result(self) -> Run:
        weights, biases = self._host_params()
        done = self.epochs_done
        with np.errstate(all="ignore"):
            fwd = self.network.forward(self.params, self.x, self.y)
        return Run(
            learning_rate=self.learning_rate,
            gradient=self.gradient,
            dtype=self.dtype,
            initial_weights=self.initial[0],
            initial_biases=self.initial[1],
            losses=self.losses[:done].copy(),
            records=tuple(self.records),
            record_stride=self.stride,
            final_weights=weights,
            final_biases=biases,
            final_loss=float(to_host(fwd.loss)),
            final_predictions=to_host(fwd.predictions),
            divergence=self.divergence,
        )


def train(backend: Backend, scenario: Scenario, learning_rate: float, gradient: str | None = None) -> Run:
    trainer = Trainer(backend, scenario, learning_rate, gradient)
    for _ in trainer.epochs():
        pass
    return trainer.result()
