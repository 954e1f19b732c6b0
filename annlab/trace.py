"""The Trace: everything a run computed, as host NumPy arrays and Python numbers.

It is the contract between the engine and everything that shows numbers: ``annlab play``
prints it, ``--format json`` dumps it, the app steps a cursor over it, and the tests freeze
it. Arrays here are copies (``backend.to_host``), never views of the live parameters that the
next update changes in place.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from annlab.messages import Message

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
class Update:
    """One step of gradient descent, as the engine took it: on which data points, from which
    loss, with which gradient, to which parameters. Full batch: one per epoch; mini-batches:
    one per batch. Invariant (tests/test_records.py): ``weights`` = the parameters before the
    step − lr × ``weight_gradients``, computed as the engine does (see the README)."""

    batch: int  # 1-based
    indices: np.ndarray | None  # the data points used, 0-based; None: all of them
    loss: float  # on those points, before the step
    weight_gradients: Arrays  # the gradient the step used (the finite difference in that mode)
    bias_gradients: Arrays
    weights: Arrays  # after the step
    biases: Arrays
    finite_difference: FiniteDifferenceDetail | None = None
    optimizer_state: Any = None  # the optimiser's per-parameter state after the step (none for sgd)


@dataclass(frozen=True)
class EpochRecord:
    epoch: int  # 1-based
    loss: float  # the epoch's loss, on all the data, before its first update (the chapter's losses[epoch-1])
    start_weights: Arrays | None  # the parameters the epoch started from (None: not kept, see Run)
    start_biases: Arrays | None
    weights: Arrays  # after the epoch's last update
    biases: Arrays
    updates: tuple[Update, ...]  # every update of the epoch, in order

    # Full batch has one update per epoch: these name its gradient (for mini-batches, the last one's).
    @property
    def weight_gradients(self) -> Arrays:
        return self.updates[-1].weight_gradients

    @property
    def bias_gradients(self) -> Arrays:
        return self.updates[-1].bias_gradients

    @property
    def finite_difference(self) -> FiniteDifferenceDetail | None:
        return self.updates[-1].finite_difference if self.updates else None

    def start_of(self, update: int) -> tuple[Arrays, Arrays] | None:
        """The parameters before update ``update`` (0-based) of this epoch."""
        if update == 0:
            return None if self.start_weights is None else (self.start_weights, self.start_biases)  # type: ignore[return-value]
        previous = self.updates[update - 1]
        return previous.weights, previous.biases


@dataclass(frozen=True)
class Divergence:
    epoch: int
    reason: Message  # "parameter-overflow", "loss-nan" or "loss-inf", with what was found


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
    optimizer: str = "sgd"
    batch_size: int = 0  # 0 = full batch

    @property
    def epochs_run(self) -> int:
        return int(self.losses.size)

    def record(self, epoch: int) -> EpochRecord | None:
        k = bisect.bisect_left(self._epochs, epoch)
        return self.records[k] if k < len(self.records) and self.records[k].epoch == epoch else None

    @cached_property
    def _epochs(self) -> list[int]:
        return [r.epoch for r in self.records]

    def weights_before(self, epoch: int) -> tuple[Arrays, Arrays] | None:
        """The parameters at the start of ``epoch`` (None if that epoch was not recorded)."""
        record = self.record(epoch)
        if record is None or record.start_weights is None:
            return None
        return record.start_weights, record.start_biases  # type: ignore[return-value]


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
    backend_reason: Message
    runs: tuple[Run, ...] = ()
    table: SoftmaxTable | None = None
    gallery: Gallery | None = None
    notes: tuple[Message, ...] = field(default_factory=tuple)
