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
from annlab.engine.gradients import FlatFiniteDifference, chain_rule
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


class FlatParameters:
    """All weights and biases of a network in one flat array, with a per-layer view of each.

    One flat array makes the update one operation and a recorded copy one copy, whatever
    the number of layers. ``shapes`` are the per-layer weight and bias shapes; a leading
    axis (a learning-rate sweep) goes in front of every shape."""

    def __init__(
        self,
        xp: Any,
        weight_shapes: list[tuple[int, ...]],
        bias_shapes: list[tuple[int, ...]],
        dtype: Any,
        lead: tuple[int, ...] = (),
        copies_last: bool = False,
    ):
        sizes = [math.prod(s) for s in weight_shapes + bias_shapes]
        self.lead = lead
        self.size = sum(sizes)
        if copies_last:
            assert len(lead) == 1
            # Shaped (copies, size) like the default, but the copies lie next to each other
            # in memory (``flat.T`` is contiguous): see annlab.engine.sweep's column path.
            self.flat = xp.empty((self.size,) + lead, dtype=dtype).T
        else:
            self.flat = xp.empty(lead + (self.size,), dtype=dtype)
        views, start = [], 0
        for shape, size in zip(weight_shapes + bias_shapes, sizes):
            views.append(self.flat[..., start : start + size].reshape(lead + shape))
            start += size
        layers = len(weight_shapes)
        self.offsets = np.cumsum([0] + sizes)
        self.params = Parameters(views[:layers], views[layers:])

    @property
    def weights(self) -> list[Any]:
        return self.params.weights

    @property
    def biases(self) -> list[Any]:
        return self.params.biases

    def split(self, flat: np.ndarray) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
        """Per-layer views of a host copy of ``flat`` (weights, biases)."""
        arrays = [
            flat[..., a:b].reshape(flat.shape[:-1] + tuple(v.shape[len(self.lead):]))
            for a, b, v in zip(self.offsets, self.offsets[1:], self.params.weights + self.params.biases)
        ]
        layers = len(self.params.weights)
        return tuple(arrays[:layers]), tuple(arrays[layers:])


def descend(xp: Any, grads: FlatParameters, rate: Any, compute: FlatParameters, stored: FlatParameters, step: Any) -> None:
    """θ ← θ − lr·∂C/∂θ for every parameter at once (``rate`` a number or a column of them).

    w − lr·g is computed in the gradient's precision and rounded to the parameters' dtype,
    as the chapter's `updated_weights[i][index] -= grad*lr` does; ``compute`` then gets the
    rounded values back, widened, for the next epoch's maths."""
    xp.multiply(grads.flat, rate, out=step)
    xp.subtract(compute.flat, step, out=step)
    stored.flat[...] = step
    if compute is not stored:
        compute.flat[...] = stored.flat


def host_row(row: np.ndarray, array: Any) -> None:
    """Copy a backend array into a host row (CuPy arrays never convert implicitly)."""
    if isinstance(array, np.ndarray):
        row[...] = array
    else:
        row[...] = array.get()


def records_that_fit(epochs: int, runs: int, per_record_bytes: int, budget: int | None = None) -> tuple[int, int]:
    """(stride, rows): record every ``stride``-th epoch (plus the first, the last and a
    divergence) so that ``runs`` runs' records stay within ``budget`` bytes.

    ``per_record_bytes`` counts the Python objects a record is made of as well as its
    numbers: for the chapter's 13-parameter network the objects outweigh the numbers ten to
    one, and counting numbers alone let a million-epoch run grow past a gigabyte."""
    budget = RECORD_BUDGET_BYTES if budget is None else budget
    max_records = max(2, min(epochs, budget // max(1, per_record_bytes * runs)))
    stride = math.ceil(epochs / max_records)
    return stride, epochs // stride + 3


# What one EpochRecord costs beyond its numbers: the record and its tuples (~400 bytes) and
# one NumPy view object per array (~120 bytes), measured with tracemalloc on NumPy 2.
RECORD_OVERHEAD_BYTES = 400
ARRAY_OVERHEAD_BYTES = 120


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
    ):
        assert scenario.network is not None and scenario.training is not None
        self.backend = backend
        self.spec: TrainingSpec = scenario.training
        self.network_spec = scenario.network
        self.learning_rate = float(learning_rate)
        self.gradient = gradient or self.spec.gradient
        self.dtype = scenario.network.dtype
        xp = backend.xp
        self.network = Network(xp, list(scenario.network.activations), self.spec.loss)
        self.x, self.y = xp.asarray(scenario.inputs), xp.asarray(scenario.targets)
        net = scenario.network
        w_shapes = [w.shape for w in net.weights]
        b_shapes = [b.shape for b in net.biases]
        # The parameters live in their own dtype (float32 in the chapter) and are rounded to
        # it after every update. The maths runs in NumPy's promotion of data and parameters
        # (float64 data × float32 weights computes in float64), so a second copy holds the
        # same values widened once per update instead of once per matrix product.
        param_dtype = np.dtype(self.dtype)
        self.compute_dtype = np.result_type(self.x.dtype, self.y.dtype, param_dtype)
        # Every operation on the data meets a compute-dtype array, so NumPy would cast integer
        # (or narrower) data to the compute dtype in each of them: cast once, same values.
        self.x, self.y = self.x.astype(self.compute_dtype, copy=False), self.y.astype(self.compute_dtype, copy=False)
        self._stored = FlatParameters(xp, w_shapes, b_shapes, param_dtype)
        for view, value in zip(self._stored.weights + self._stored.biases, net.weights + net.biases):
            view[...] = xp.asarray(value.astype(param_dtype))
        if self.compute_dtype == param_dtype:
            self._compute = self._stored
        else:
            self._compute = FlatParameters(xp, w_shapes, b_shapes, self.compute_dtype)
            self._compute.flat[...] = self._stored.flat
        self._grads = FlatParameters(xp, w_shapes, b_shapes, self.compute_dtype)
        self._step = xp.empty(self._grads.size, dtype=self.compute_dtype)
        # The rate as a 0-d array in the compute dtype: the number NumPy makes of the Python
        # float in each update (NEP 50), without converting it every epoch.
        self._rate = np.array(self.learning_rate, dtype=self.compute_dtype) if backend.name == "numpy" else self.learning_rate
        self._zeros = xp.zeros(self._stored.size, dtype=param_dtype)
        self.params = self._stored.params
        self.initial = self._host_params()
        epochs = self.spec.epochs
        count = self._stored.size
        arrays = 2 * len(w_shapes) * 2
        per_record = count * (param_dtype.itemsize + self.compute_dtype.itemsize)
        if self.gradient == "finite-difference":
            arrays *= 2
            per_record += 2 * count * 8
        per_record += RECORD_OVERHEAD_BYTES + arrays * ARRAY_OVERHEAD_BYTES
        self.stride, rows = records_that_fit(epochs, 1, per_record)
        # Records are rows of preallocated host blocks; EpochRecord objects are made from
        # them on demand (``records``), so an epoch costs two row copies, not a dozen arrays.
        self._record_epochs = np.zeros(rows, dtype=np.int64)
        self._record_losses = np.zeros(rows, dtype=np.float64)
        self._record_params = np.empty((rows, count), dtype=param_dtype)
        self._record_grads = np.empty((rows, count), dtype=self.compute_dtype)
        fd = self.gradient == "finite-difference"
        self._record_loss_plus = np.empty((rows, count), dtype=np.float64) if fd else None
        self._record_nudges = np.empty((rows, count), dtype=np.float64) if fd else None
        self._recorded = 0
        self._records: list[EpochRecord] = []
        self._losses = np.full(epochs, np.nan)
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

    def _update(self) -> None:
        descend(self.backend.xp, self._grads, self._rate, self._compute, self._stored, self._step)

    def _epoch(self, epoch: int) -> None:
        batch = self.spec.batch_size
        rows = self.x.shape[0]
        if batch == 0 or batch >= rows:
            loss = self._gradients(self.x, self.y)
            self._update()
        else:
            loss = self.network.training_loss(self._compute.params, self.x, self.y)
            order = np.random.default_rng((self.spec.shuffle_seed, epoch)).permutation(rows)
            for start in range(0, rows, batch):
                idx = self.backend.xp.asarray(order[start : start + batch])
                self._gradients(self.x[idx], self.y[idx])
                self._update()
        recorded_epoch = epoch == 1 or epoch == self.spec.epochs or epoch % self.stride == 0
        if not self._store_loss(loss, epoch, recorded_epoch):
            return
        if self.divergence is None and recorded_epoch and not self._all_finite():
            self.divergence = Divergence(epoch, non_finite_parameter(self._stored.params, self.backend.xp) or "")
        if self.divergence is not None or recorded_epoch:
            # After a divergence found in a read-back chunk, the parameters recorded are the
            # current ones (a few epochs on, and no longer finite either way).
            at = self.divergence.epoch if self.divergence is not None else epoch
            k = self._recorded
            self._record_epochs[k] = at
            self._record_losses[k] = self._losses[at - 1]
            host_row(self._record_params[k], self._stored.flat)
            host_row(self._record_grads[k], self._grads.flat)
            if self._fd is not None:
                host_row(self._record_loss_plus[k], self._fd.loss_plus)
                host_row(self._record_nudges[k], self._fd.nudges)
            self._recorded = k + 1

    def _all_finite(self) -> bool:
        # θ·0 summed is 0 when every θ is finite and NaN as soon as one is inf or NaN
        # (inf·0 = NaN): one dot product instead of isfinite() then all().
        return not math.isnan(float(self._stored.flat @ self._zeros))

    @property
    def records(self) -> list[EpochRecord]:
        """The recorded epochs so far, as EpochRecords (views of host copies, never of the
        live parameters). Made on first access and kept."""
        done, made = self._recorded, len(self._records)
        if made < done:
            split = self._stored.split
            blocks = [self._record_params, self._record_grads]
            if self._fd is not None:
                blocks += [self._record_loss_plus, self._record_nudges]
            # Per-layer views of the new rows, then one tuple per record, all at C speed:
            # a long run makes tens of thousands of records.
            columns = []
            for block in blocks:
                weights, biases = split(block[made:done])
                columns.append(zip(*weights))
                columns.append(zip(*biases))
            epochs = self._record_epochs[made:done].tolist()
            losses = self._record_losses[made:done].tolist()
            if self._fd is None:
                details = [None] * (done - made)
            else:
                details = list(map(FiniteDifferenceDetail, *columns[4:]))
            self._records.extend(map(EpochRecord, epochs, losses, *columns[:4], details))
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
        )


def why_loss(loss: float, params: Parameters, xp: Any) -> str:
    return loss_reason(loss, non_finite_parameter(params, xp))


def loss_reason(loss: float, bad: str | None) -> str:
    """Why a loss is inf or NaN, given the first parameter that is (``bad``), if any."""
    if math.isnan(loss):
        return "the loss became NaN" + (f" ({bad})" if bad else " (inf − inf: the predictions overflowed)")
    return "the loss overflowed to inf" + (f" ({bad})" if bad else " (the predictions grew past the float range)")


def non_finite_parameter(params: Parameters, xp: Any) -> str | None:
    """The first weight or bias that is inf or NaN, in words; None if all are finite."""
    for kind, arrays in (("weight", params.weights), ("bias", params.biases)):
        for l, a in enumerate(arrays):
            finite = xp.isfinite(a)
            if not bool(finite.all()):
                index = [int(i) for i in np.argwhere(~to_host(finite))[0]]
                return past_range(kind, l, index, a.dtype)
    return None


def non_finite_in_row(layout: FlatParameters, row: np.ndarray) -> str | None:
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


def past_range(kind: str, layer: int, index: list[int], dtype: Any) -> str:
    name = weight_name(layer + 1, *index) if kind == "weight" else bias_name(layer + 1, index[-1])
    limit = "float32's range (±3.4e38)" if dtype == np.float32 else "float64's range (±1.8e308)"
    return f"the update pushed {kind} {name} past {limit}"


def train(backend: Backend, scenario: Scenario, learning_rate: float, gradient: str | None = None) -> Run:
    trainer = Trainer(backend, scenario, learning_rate, gradient)
    for _ in trainer.epochs():
        pass
    return trainer.result()
