"""What the training screen shows, kept apart from Textual so that tests can check it directly.

A ``Session`` holds one scenario's runs (one per gradient method and learning rate) as they
arrive from the training worker, and computes, on demand and cached, everything an epoch
shows: the forward and backward values (``compute_pass`` from the epoch's starting
parameters: deterministic, so stepping back shows exactly the same numbers), the update that
training applied, and the finite-difference estimates for the chain-rule panel.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from annlab.engine.backend import Backend
from annlab.engine.chain import Chain, bias_name, chain_of_factors, dloss_formula, weight_name
from annlab.engine.gradients import central_difference_check, finite_difference
from annlab.engine.network import Network, Parameters
from annlab.engine.training import compute_pass
from annlab.scenario.model import Scenario
from annlab.trace import Divergence, EpochRecord, Pass, Run

# Above this many parameters the chain-rule panel skips its finite-difference estimates (one
# forward pass per parameter would make a key press slow).
MAX_CHECKED_PARAMETERS = 20_000


@dataclass(frozen=True)
class Parameter:
    kind: str  # "weight" | "bias"
    layer: int  # 1-based
    i: int  # weight: the unit below; bias: the unit
    j: int = 0  # weight: the unit above

    @property
    def name(self) -> str:
        return weight_name(self.layer, self.i, self.j) if self.kind == "weight" else bias_name(self.layer, self.i)

    def value(self, weights: tuple, biases: tuple) -> float:
        if self.kind == "weight":
            return float(weights[self.layer - 1][self.i, self.j])
        return float(biases[self.layer - 1][self.i])


def parameters_of(layer_sizes: tuple[int, ...], limit: int = 10_000) -> list[Parameter]:
    """Every weight and bias, layer by layer (the first ``limit`` for huge networks)."""
    found: list[Parameter] = []
    for l in range(1, len(layer_sizes)):
        for j in range(layer_sizes[l]):
            for i in range(layer_sizes[l - 1]):
                found.append(Parameter("weight", l, i, j))
            found.append(Parameter("bias", l, j))
            if len(found) >= limit:
                return found
    return found


@dataclass
class LiveRun:
    """One run as it trains: the records and losses that have arrived so far."""

    learning_rate: float
    gradient: str
    dtype: str
    initial_weights: tuple[np.ndarray, ...]
    initial_biases: tuple[np.ndarray, ...]
    epochs: int
    records: dict[int, EpochRecord] = field(default_factory=dict)
    losses: np.ndarray = field(default_factory=lambda: np.empty(0))
    epochs_done: int = 0
    divergence: Divergence | None = None
    result: Run | None = None

    @property
    def label(self) -> str:
        from annlab.playback.numbers import num

        return f"lr {num(self.learning_rate)} · {self.gradient}"

    def add(self, records: tuple[EpochRecord, ...], losses: np.ndarray, epochs_done: int, divergence: Divergence | None) -> None:
        for r in records:
            self.records[r.epoch] = r
        self.losses = np.concatenate([self.losses, losses]) if self.losses.size else np.asarray(losses, dtype=np.float64)
        self.epochs_done = epochs_done
        self.divergence = divergence

    def finish(self, run: Run) -> None:
        self.result = run
        self.records = {r.epoch: r for r in run.records}
        self.losses = run.losses
        self.epochs_done = run.epochs_run
        self.divergence = run.divergence

    def weights_before(self, epoch: int) -> tuple[tuple, tuple] | None:
        if epoch == 1:
            return self.initial_weights, self.initial_biases
        previous = self.records.get(epoch - 1)
        return (previous.weights, previous.biases) if previous else None

    def steppable_epochs(self) -> list[int]:
        """Epochs trained so far whose starting parameters are known."""
        if self.epochs_done == 0:
            return [1]
        return [1] + sorted(e + 1 for e in self.records if e + 1 <= self.epochs_done)

    def parameter_history(self, p: Parameter) -> tuple[np.ndarray, np.ndarray]:
        """(epochs, value after that epoch's update) for the recorded epochs, epoch 0 = initial."""
        epochs = [0] + sorted(self.records)
        values = [p.value(self.initial_weights, self.initial_biases)] + [
            p.value(self.records[e].weights, self.records[e].biases) for e in epochs[1:]
        ]
        return np.array(epochs), np.array(values, dtype=np.float64)

    @property
    def finished(self) -> bool:
        return self.result is not None

    @property
    def diverged(self) -> bool:
        """Training made things worse: the loss overflowed, or ended above where it began."""
        if self.divergence is not None or not np.isfinite(self.final_loss):
            return True
        return bool(self.losses.size and self.final_loss > self.losses[0])

    @property
    def final_loss(self) -> float:
        if self.result is not None:
            return self.result.final_loss
        return float(self.losses[-1]) if self.losses.size else float("nan")


@dataclass(frozen=True)
class Checks:
    """The same gradient two other ways, for the chain-rule panel."""

    forward_difference: tuple[list[np.ndarray], list[np.ndarray]]  # the chapter's, in the parameters' dtype
    central: tuple[list[np.ndarray], list[np.ndarray]]  # float64 central difference
    step: float
    dtype: str


class Session:
    def __init__(self, scenario: Scenario, backend: Backend):
        assert scenario.network is not None and scenario.training is not None
        self.scenario = scenario
        self.backend = backend
        net, spec = scenario.network, scenario.training
        self.layer_sizes = net.layer_sizes
        self.layers = len(net.layer_sizes) - 1
        self.activations = net.activations
        self.loss_name = spec.loss
        self.plan = [(g, lr) for g in spec.gradients for lr in spec.learning_rates]
        dtype = np.dtype(net.dtype)
        weights = tuple(w.astype(dtype) for w in net.weights)
        biases = tuple(b.astype(dtype) for b in net.biases)
        self.runs = [LiveRun(lr, g, net.dtype, weights, biases, spec.epochs) for g, lr in self.plan]
        self.parameters = parameters_of(net.layer_sizes)
        self._pass = lru_cache(maxsize=64)(self._compute_pass)
        self._checks = lru_cache(maxsize=16)(self._compute_checks)

    @property
    def is_sweep(self) -> bool:
        return len(self.runs) > 10

    @property
    def is_2d_classifier(self) -> bool:
        return self.layer_sizes[0] == 2 and (self.activations[-1] == "softmax" or (self.layer_sizes[-1] == 1 and self.activations[-1] == "sigmoid" and "cross-entropy" in self.loss_name))

    @property
    def all_finished(self) -> bool:
        return all(r.finished for r in self.runs)

    def pass_at(self, run: int, epoch: int) -> Pass | None:
        if self.runs[run].weights_before(epoch) is None:
            return None
        return self._pass(run, epoch)

    def _compute_pass(self, run: int, epoch: int) -> Pass:
        start = self.runs[run].weights_before(epoch)
        assert start is not None
        return compute_pass(self.backend, self.scenario, *start)

    def record_at(self, run: int, epoch: int) -> EpochRecord | None:
        return self.runs[run].records.get(epoch)

    def chain(self, p: Pass, parameter: Parameter) -> Chain:
        return chain_of_factors(
            p, self.activations, dloss_formula(self.loss_name), parameter.kind, parameter.layer, parameter.i, parameter.j
        )

    def checks_at(self, run: int, epoch: int) -> Checks | None:
        if self.scenario.network.parameter_count() > MAX_CHECKED_PARAMETERS:  # type: ignore[union-attr]
            return None
        if self.runs[run].weights_before(epoch) is None:
            return None
        return self._checks(run, epoch)

    def _compute_checks(self, run: int, epoch: int) -> Checks:
        """On the host in NumPy, like ``annlab play``: the chapter's forward difference in the
        parameters' dtype and an independent float64 central difference."""
        live = self.runs[run]
        start = live.weights_before(epoch)
        assert start is not None
        spec = self.scenario.training
        assert spec is not None
        network = Network(np, list(self.activations), self.loss_name)
        params = Parameters([np.array(w) for w in start[0]], [np.array(b) for b in start[1]])
        x, y = self.scenario.inputs, self.scenario.targets
        with np.errstate(all="ignore"):
            fd = finite_difference(network, params, x, y, spec.finite_difference_step)
            check = central_difference_check(network, params, x, y)
        return Checks(
            ([np.asarray(g) for g in fd.gradients.weights], [np.asarray(g) for g in fd.gradients.biases]),
            ([np.asarray(g) for g in check.numeric.weights], [np.asarray(g) for g in check.numeric.biases]),
            spec.finite_difference_step,
            live.dtype,
        )


def gradient_of(parameter: Parameter, gradients: tuple[list[np.ndarray], list[np.ndarray]] | tuple[tuple, tuple]) -> float:
    weights, biases = gradients
    return parameter.value(tuple(weights), tuple(biases))


def relative_error(a: float, b: float) -> float:
    return abs(a - b) / max(abs(a), abs(b), 1e-12)

