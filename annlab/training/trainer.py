"""Gradient descent, epoch by epoch, recorded into a ``Run``.

``Trainer.epochs()`` is a generator: each ``next()`` trains one epoch and yields its number,
so the runner (``annlab.training.runner``) can report progress and stop between epochs.
``train()`` drains it in one go. What is kept is ``annlab.training.storage``'s to say.
"""

from __future__ import annotations

import math
from typing import Any, Iterator

import numpy as np

from annlab.engine.backend import Backend, to_host
from annlab.engine.chain import bias_name, weight_name
from annlab.engine.gradients import FlatFiniteDifference
from annlab.engine.network import Network, Parameters
from annlab.engine.optimizers import OPTIMIZERS
from annlab.messages import Message
from annlab.scenario.model import Scenario, TrainingSpec
from annlab.trace import Divergence, EpochRecord, Run
from annlab.training.storage import FlatParameters, ParameterStore, RecordBuffer

FLOAT32_MAX = float(np.finfo(np.float32).max)


class EpochLoop:
    """``epochs()``: a generator that trains one epoch per ``next()`` and yields its number,
    so a UI worker can drain it in batches, show progress and stop between epochs."""

    spec: TrainingSpec
    epochs_done: int

    def epochs(self) -> Iterator[int]:
        with np.errstate(all="ignore"):
            for epoch in range(1, self.spec.epochs + 1):
                self._epoch(epoch)
                self.epochs_done = epoch
                yield epoch
                if self._finished():
                    return

    def _epoch(self, epoch: int) -> None:
        raise NotImplementedError

    def _finished(self) -> bool:
        raise NotImplementedError


def batch_order(spec: TrainingSpec, epoch: int, rows: int) -> np.ndarray:
    """The shuffled order of the data points in a mini-batch epoch (seeded per epoch, so any
    epoch's batches can be told without replaying the ones before)."""
    return np.random.default_rng((spec.shuffle_seed, epoch)).permutation(rows)


def updates_per_epoch(spec: TrainingSpec, rows: int) -> int:
    batch = spec.batch_size
    return 1 if batch == 0 or batch >= rows else math.ceil(rows / batch)


# On a GPU, reading each epoch's loss back to the host makes the CPU wait for the GPU every
# epoch, so kernel launches and GPU work never overlap. There the losses gather on the device
# and come back every this many epochs (and at every recorded epoch); a divergence is still
# found at the exact epoch, only noticed up to this many epochs later.
GPU_READ_BACK_EVERY = 32


class Trainer(EpochLoop):
    def __init__(
        self,
        backend: Backend,
        scenario: Scenario,
        learning_rate: float,
        gradient: str | None = None,
        read_back_every: int | None = None,
        optimizer: str | None = None,
    ):
        assert scenario.network is not None and scenario.training is not None
        self.backend = backend
        self.spec: TrainingSpec = scenario.training
        net = scenario.network
        self.learning_rate = float(learning_rate)
        self.gradient = gradient or self.spec.gradient
        self.dtype = net.dtype
        xp = backend.xp
        self.network = Network(xp, list(net.activations), self.spec.loss)
        x, y = xp.asarray(scenario.inputs), xp.asarray(scenario.targets)
        param_dtype = np.dtype(self.dtype)
        self.compute_dtype = np.result_type(x.dtype, y.dtype, param_dtype)
        # Every operation on the data meets a compute-dtype array, so NumPy would cast integer
        # (or narrower) data to the compute dtype in each of them: cast once, same values.
        self.x, self.y = x.astype(self.compute_dtype, copy=False), y.astype(self.compute_dtype, copy=False)
        self.rows = int(self.x.shape[0])
        self.store = ParameterStore(xp, net.weights, net.biases, param_dtype, self.compute_dtype)
        self._stored, self._compute, self._grads = self.store.stored, self.store.compute, self.store.grads
        # The rate as a 0-d array in the compute dtype: the number NumPy makes of the Python
        # float in each update (NEP 50), without converting it every epoch.
        rate = np.array(self.learning_rate, dtype=self.compute_dtype) if backend.name == "numpy" else self.learning_rate
        name = optimizer or self.spec.optimizer
        self.optimizer = OPTIMIZERS[name](xp, rate, self._grads.flat, **self.spec.hyper_parameters(name))
        self._zeros = xp.zeros(self._stored.size, dtype=param_dtype)
        self.params = self._stored.params
        self.initial = self._host_params()
        fd = self.gradient == "finite-difference"
        self._updates = updates_per_epoch(self.spec, self.rows)
        self.buffer = RecordBuffer(
            self.store.layout, self.spec.epochs, 1, self._updates, param_dtype, self.compute_dtype,
            finite_difference=fd, points=self.rows, batch_size=self.spec.batch_size if self._updates > 1 else 0,
            state_names=self.optimizer.state_names,
        )
        self.stride = self.buffer.stride
        self._records: list[EpochRecord] = []
        self._losses = np.full(self.spec.epochs, np.nan)
        if read_back_every is None:
            read_back_every = 1 if backend.name == "numpy" else GPU_READ_BACK_EVERY
        self._pending = xp.empty(read_back_every, dtype=np.float64) if read_back_every > 1 else None
        self._pending_first = 1  # the first epoch whose loss is still on the device
        self._pending_last = 0
        self.divergence: Divergence | None = None
        self.epochs_done = 0
        self._fd: FlatFiniteDifference | None = None
        if fd:
            self._fd = FlatFiniteDifference(self.network, self._compute.params, self._stored, self.spec.finite_difference_step)

    def _host_params(self) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
        return self._stored.split(to_host(self._stored.flat))

    def _finished(self) -> bool:
        if self.divergence is not None:
            self.epochs_done = min(self.epochs_done, self.divergence.epoch)
            return True
        return False

    @property
    def losses(self) -> np.ndarray:
        """Every epoch's loss so far (any still on the GPU is read back first)."""
        self._read_back()
        return self._losses

    def _read_back(self) -> None:
        first, last = self._pending_first, self._pending_last
        if self._pending is None or last < first:
            return
        self._losses[first - 1 : last] = to_host(self._pending[: last - first + 1])
        self._pending_first = last + 1
        self._check_losses(first, last)

    def _check_losses(self, first: int, last: int) -> None:
        chunk = self._losses[first - 1 : last]
        bad = np.flatnonzero(~np.isfinite(chunk))
        if bad.size and self.divergence is None:
            epoch = first + int(bad[0])
            self.divergence = Divergence(epoch, why_loss(float(chunk[bad[0]]), self._stored.params, self.backend.xp))

    def _store_loss(self, loss: Any, epoch: int, needed_now: bool) -> bool:
        """Keep this epoch's loss; True when every loss so far is on the host and checked."""
        if self._pending is None:
            value = float(loss)
            self._losses[epoch - 1] = value
            if not math.isfinite(value):  # the full check only when it can find something
                self._check_losses(epoch, epoch)
            return True
        self._pending[epoch - self._pending_first] = loss  # a device-side copy: no wait
        self._pending_last = epoch
        if needed_now or epoch - self._pending_first + 1 == self._pending.size:
            self._read_back()
            return True
        return False

    def _gradients(self, x: Any, y: Any) -> Any:
        """The loss at the current parameters; the gradients land in ``self._grads``."""
        if self._fd is not None:
            return self._fd.compute(x, y, self._grads.flat)
        return self.network.loss_and_gradients(self._compute.params, x, y, self._grads.weights, self._grads.biases)

    def _step(self, loss: Any, recorded: bool, batch: int = 1) -> None:
        optimizer = self.optimizer
        optimizer.step(self._grads.flat, self._compute.flat, self._stored.flat)
        if recorded:
            fd = self._fd
            self.buffer.update(loss, self._stored.flat, self._grads.flat, fd and fd.loss_plus, fd and fd.nudges, batch,
                               optimizer.state(), optimizer.steps)

    def _epoch(self, epoch: int) -> None:
        recorded = self.buffer.wanted(epoch, self.spec.epochs)
        if self._updates == 1:
            if recorded:
                self.buffer.begin(epoch, self._stored.flat)
            loss = self._gradients(self.x, self.y)
            self._step(loss, recorded)
        else:
            loss = self.network.training_loss(self._compute.params, self.x, self.y)
            order = batch_order(self.spec, epoch, self.rows)
            if recorded:
                self.buffer.begin(epoch, self._stored.flat, order)
            size, xp = self.spec.batch_size, self.backend.xp
            for k, start in enumerate(range(0, self.rows, size), start=1):
                idx = xp.asarray(order[start : start + size])
                batch_loss = self._gradients(self.x[idx], self.y[idx])
                self._step(batch_loss, recorded, k)
        if not self._store_loss(loss, epoch, recorded):
            return
        if self.divergence is None and recorded and not self._all_finite():
            self.divergence = Divergence(epoch, non_finite_parameter(self._stored.params, self.backend.xp) or Message.of("loss-nan"))
        if recorded:
            self.buffer.end(self._losses[epoch - 1])
        elif self.divergence is not None:
            self._record_divergence()

    def _record_divergence(self) -> None:
        """The epoch where a run diverged, found between recorded epochs (or, on a GPU, a few
        epochs on): its start was not kept; its last update's numbers are the current ones."""
        at = self.divergence.epoch  # type: ignore[union-attr]
        order = batch_order(self.spec, at, self.rows) if self._updates > 1 else None  # seeded per epoch
        self.buffer.begin(at, None, order)
        fd = self._fd
        self.buffer.update(self._losses[at - 1], self._stored.flat, self._grads.flat, fd and fd.loss_plus, fd and fd.nudges, self._updates,
                           self.optimizer.state(), self.optimizer.steps)
        self.buffer.end(self._losses[at - 1])

    def _all_finite(self) -> bool:
        # θ·0 summed is 0 when every θ is finite and NaN as soon as one is inf or NaN
        # (inf·0 = NaN): one dot product instead of isfinite() then all().
        return not math.isnan(float(self._stored.flat @ self._zeros))

    @property
    def records(self) -> list[EpochRecord]:
        """The recorded epochs so far (views of host copies, never of the live parameters).
        Made on first access and kept."""
        done, made = self.buffer.count, len(self._records)
        if made < done:
            self._records.extend(self.buffer.records(0, range(made, done)))
        return self._records

    def result(self) -> Run:
        weights, biases = self._host_params()
        losses = self.losses  # reads back any losses still on the device
        done = min(self.epochs_done, self.divergence.epoch) if self.divergence else self.epochs_done
        with np.errstate(all="ignore"):
            fwd = self.network.forward(self._compute.params, self.x, self.y)
        return Run(
            learning_rate=self.learning_rate,
            gradient=self.gradient,
            dtype=self.dtype,
            initial_weights=self.initial[0],
            initial_biases=self.initial[1],
            losses=losses[:done].copy(),
            records=tuple(self.records),
            record_stride=self.stride,
            final_weights=weights,
            final_biases=biases,
            final_loss=float(to_host(fwd.loss)),
            final_predictions=to_host(fwd.predictions),
            divergence=self.divergence,
            optimizer=self.optimizer.name,
            batch_size=self.spec.batch_size if self._updates > 1 else 0,
        )


def why_loss(loss: float, params: Parameters, xp: Any) -> Message:
    return loss_reason(loss, non_finite_parameter(params, xp))


def loss_reason(loss: float, bad: Message | None) -> Message:
    """Why a loss is inf or NaN, with the first parameter that is (``bad``), if any."""
    code = "loss-nan" if math.isnan(loss) else "loss-inf"
    return Message(code, bad.values if bad is not None else ())


def non_finite_parameter(params: Parameters, xp: Any) -> Message | None:
    """The first weight or bias that is inf or NaN; None if all are finite."""
    for kind, arrays in (("weight", params.weights), ("bias", params.biases)):
        for l, a in enumerate(arrays):
            finite = xp.isfinite(a)
            if not bool(finite.all()):
                index = [int(i) for i in np.argwhere(~to_host(finite))[0]]
                return past_range(kind, l, index, a.dtype)
    return None


def non_finite_in_row(layout: FlatParameters, row: np.ndarray) -> Message | None:
    """``non_finite_parameter`` for one host row of a flat layout: the same parameter, found
    with one isfinite over the row (the flat order is the same: every layer's weights, then
    every layer's biases, each row-major)."""
    bad = np.flatnonzero(~np.isfinite(row))
    if bad.size == 0:
        return None
    k = int(bad[0])
    views = layout.params.weights + layout.params.biases
    i = int(np.searchsorted(layout.offsets, k, side="right")) - 1
    shape = views[i].shape[len(layout.lead) :]
    index = [int(v) for v in np.unravel_index(k - int(layout.offsets[i]), shape)]
    layers = len(layout.params.weights)
    return past_range("weight" if i < layers else "bias", i % layers, index, row.dtype)


def past_range(kind: str, layer: int, index: list[int], dtype: Any) -> Message:
    name = weight_name(layer + 1, *index) if kind == "weight" else bias_name(layer + 1, index[-1])
    dtype = np.dtype(dtype)
    return Message.of("parameter-overflow", kind=kind, parameter=name, dtype=dtype.name, limit=float(np.finfo(dtype).max))


def train(backend: Backend, scenario: Scenario, learning_rate: float, gradient: str | None = None) -> Run:
    trainer = Trainer(backend, scenario, learning_rate, gradient)
    for _ in trainer.epochs():
        pass
    return trainer.result()
