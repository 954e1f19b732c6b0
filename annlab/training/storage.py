"""Where a training run keeps its numbers, shared by ``Trainer`` (one network) and ``Sweep`` (a
stack of copies of it, one per learning rate):

* ``FlatParameters``: all weights and biases in one flat array, with a per-layer view of each;
* ``ParameterStore``: the parameters in their own dtype, widened for the maths, and the gradients;
* ``RecordBuffer``: preallocated host rows for the recorded epochs, each with where the epoch
  started and every update it made (data points, loss, gradient used, parameters after), from
  which ``EpochRecord``s are made on demand.

What is kept (memory stays flat for a million epochs): every epoch's loss, always; the records
of every epoch while they fit a budget, else of every N-th epoch (``Run.record_stride``), plus the
first, the last and the one where a run diverged. A recorded epoch keeps all of its updates.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from annlab.engine.network import Parameters
from annlab.trace import EpochRecord, FiniteDifferenceDetail, Update

RECORD_BUDGET_BYTES = 64 * 1024 * 1024
# What one record costs beyond its numbers: the record and its tuples (~400 bytes), each
# update's (~300 bytes), and one NumPy view object per array (~120 bytes), measured with
# tracemalloc on NumPy 2.
RECORD_OVERHEAD_BYTES = 400
UPDATE_OVERHEAD_BYTES = 300
ARRAY_OVERHEAD_BYTES = 120


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
            # in memory (``flat.T`` is contiguous): see annlab.training.sweep's column path.
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


def flatten(weights: tuple[np.ndarray, ...], biases: tuple[np.ndarray, ...], dtype: Any) -> np.ndarray:
    """Host parameters in the flat order: every layer's weights, then every layer's biases."""
    return np.concatenate([np.asarray(a).astype(dtype).reshape(-1) for a in tuple(weights) + tuple(biases)])


class ParameterStore:
    """One run's (or a sweep's) parameters and gradients on the backend.

    The parameters live in their own dtype (float32 in the chapter) and are rounded to it after
    every update. The maths runs in NumPy's promotion of data and parameters (float64 data ×
    float32 weights computes in float64), so ``compute`` holds the same values widened once per
    update instead of once per matrix product; it is ``stored`` itself when the dtypes agree.
    A sweep's biases get a row axis, (copies, 1, units), to broadcast over data points beside
    the stacked pre-activations; its gradients keep the plain bias shape."""

    def __init__(
        self,
        xp: Any,
        weights: tuple[np.ndarray, ...],
        biases: tuple[np.ndarray, ...],
        param_dtype: np.dtype,
        compute_dtype: np.dtype,
        lead: tuple[int, ...] = (),
        copies_last: bool = False,
    ):
        w_shapes = [w.shape for w in weights]
        b_shapes = [b.shape for b in biases]
        stored_b = [(1,) + s for s in b_shapes] if lead else b_shapes
        self.stored = FlatParameters(xp, w_shapes, stored_b, param_dtype, lead, copies_last)
        self.stored.flat[...] = xp.asarray(flatten(weights, biases, param_dtype))
        if compute_dtype == param_dtype:
            self.compute = self.stored
        else:
            self.compute = FlatParameters(xp, w_shapes, stored_b, compute_dtype, lead, copies_last)
            self.compute.flat[...] = self.stored.flat
        self.grads = FlatParameters(xp, w_shapes, b_shapes, compute_dtype, lead, copies_last)
        # One network's host layout (no leading axis), to split flat host rows into layers.
        self.layout = FlatParameters(np, w_shapes, b_shapes, param_dtype)
        self.size = self.stored.size


def records_that_fit(epochs: int, copies: int, per_record_bytes: int, budget: int | None = None) -> tuple[int, int]:
    """(stride, rows): record every ``stride``-th epoch (plus the first, the last and a
    divergence) so that ``copies`` runs' records stay within ``budget`` bytes.

    ``per_record_bytes`` counts the Python objects a record is made of as well as its
    numbers: for the chapter's 13-parameter network the objects outweigh the numbers ten to
    one, and counting numbers alone let a million-epoch run grow past a gigabyte."""
    budget = RECORD_BUDGET_BYTES if budget is None else budget
    max_records = max(2, min(epochs, budget // max(1, per_record_bytes * copies)))
    stride = math.ceil(epochs / max_records)
    return stride, epochs // stride + 3


def host_row(row: np.ndarray, array: Any) -> None:
    """Copy a backend array into a host row (CuPy arrays never convert implicitly)."""
    if not isinstance(array, np.ndarray) and hasattr(array, "get"):
        row[...] = array.get()
    else:
        row[...] = array


class RecordBuffer:
    """The recorded epochs of ``copies`` runs that train together (1, or a sweep's rates).

    A row holds one epoch: its number, its loss per copy, where each copy started, and its
    updates (``updates`` per epoch: 1 for full batch, one per mini-batch), each with its loss,
    the gradient it used and the parameters after it (and, for finite differences, the
    chapter's loss_plus and the nudge really applied). Mini-batch runs also keep the epoch's
    shuffled order, from which each batch's data points are read."""

    def __init__(
        self,
        layout: FlatParameters,
        epochs: int,
        copies: int,
        updates: int,
        param_dtype: np.dtype,
        compute_dtype: np.dtype,
        finite_difference: bool = False,
        points: int = 0,
        batch_size: int = 0,
        budget: int | None = None,
        state_names: tuple[str, ...] = (),
    ):
        self.layout = layout
        self.copies = copies
        self.updates = updates
        self.batch_size = batch_size
        size = layout.size
        numbers = size * param_dtype.itemsize + updates * (size * (param_dtype.itemsize + compute_dtype.itemsize) + 8)
        arrays = 2 * len(layout.weights) * (1 + 2 * updates)
        if finite_difference:
            numbers += updates * 2 * size * 8
            arrays += 2 * len(layout.weights) * 2 * updates
        numbers += updates * len(state_names) * size * compute_dtype.itemsize
        arrays += 2 * len(layout.weights) * len(state_names) * updates
        numbers += (points * 8) // copies if batch_size else 0
        per_record = numbers + RECORD_OVERHEAD_BYTES + updates * UPDATE_OVERHEAD_BYTES + arrays * ARRAY_OVERHEAD_BYTES
        self.stride, rows = records_that_fit(epochs, copies, per_record, budget)
        shape = (rows, updates, copies)
        self.epochs = np.zeros(rows, dtype=np.int64)
        self.losses = np.zeros((rows, copies), dtype=np.float64)
        self.has_start = np.zeros(rows, dtype=bool)
        # A row's start is the row before's last "after" when that row is the epoch before
        # (every epoch recorded): kept once, not copied twice. -1: the start has its own copy.
        self.start_row = np.full(rows, -1, dtype=np.int64)
        self.start = np.empty((rows, copies, size), dtype=param_dtype)
        self.kept = np.zeros(rows, dtype=np.int64)  # updates kept in the row
        self.first_batch = np.ones(rows, dtype=np.int64)  # the batch number of the row's first kept update
        self.update_losses = np.empty(shape, dtype=np.float64)
        self.after = np.empty(shape + (size,), dtype=param_dtype)
        self.grads = np.empty(shape + (size,), dtype=compute_dtype)
        self.loss_plus = np.empty(shape + (size,), dtype=np.float64) if finite_difference else None
        self.nudges = np.empty(shape + (size,), dtype=np.float64) if finite_difference else None
        self.order = np.empty((rows, points), dtype=np.int64) if batch_size else None
        # The optimiser's per-parameter state after each update, and its step count t.
        self.states = {name: np.empty(shape + (size,), dtype=compute_dtype) for name in state_names}
        self.steps = np.zeros(shape[:2], dtype=np.int64)
        self.count = 0

    def wanted(self, epoch: int, last: int) -> bool:
        return epoch == 1 or epoch == last or epoch % self.stride == 0

    def begin(self, epoch: int, start: Any | None, order: np.ndarray | None = None) -> None:
        k = self.count
        self.epochs[k] = epoch
        self.kept[k] = 0
        self.first_batch[k] = 1
        self.has_start[k] = start is not None
        if start is not None:
            if k and self.epochs[k - 1] == epoch - 1 and self.kept[k - 1] == self.updates:
                self.start_row[k] = k - 1
            else:
                self.start_row[k] = -1
                host_row(self.start[k], start)
        if self.order is not None and order is not None:
            self.order[k] = order

    def update(self, loss: Any, after: Any, grads: Any, loss_plus: Any = None, nudges: Any = None, batch: int | None = None, state: Any = None, steps: int = 0) -> None:
        k = self.count
        u = int(self.kept[k])
        if u == 0 and batch is not None:
            self.first_batch[k] = batch
        if state:
            for name, array in state.items():
                host_row(self.states[name][k, u], array)
            self.steps[k, u] = steps
        host_row(self.update_losses[k, u], loss)
        host_row(self.after[k, u], after)
        host_row(self.grads[k, u], grads)
        if self.loss_plus is not None and loss_plus is not None:
            host_row(self.loss_plus[k, u], loss_plus)
            host_row(self.nudges[k, u], nudges)
        self.kept[k] = u + 1

    def end(self, losses: Any) -> None:
        self.losses[self.count] = losses
        self.count += 1

    def records(self, copy: int, rows: range | None = None) -> list[EpochRecord]:
        """EpochRecords of one copy for the given rows: views of the host blocks, made a
        block at a time (zip over per-layer views walks the rows at C speed; a long run makes
        tens of thousands of records)."""
        first, last = (0, self.count) if rows is None else (rows.start, rows.stop)
        if first >= last:
            return []
        split, rows_ = self.layout.split, slice(first, last)
        count = last - first
        slots = []
        for u in range(self.updates):
            after_w, after_b = (list(zip(*part)) for part in split(self.after[rows_, u, copy]))
            grad_w, grad_b = (list(zip(*part)) for part in split(self.grads[rows_, u, copy]))
            fd: list = [None] * count
            if self.loss_plus is not None:
                plus_w, plus_b = (zip(*part) for part in split(self.loss_plus[rows_, u, copy]))
                nudge_w, nudge_b = (zip(*part) for part in split(self.nudges[rows_, u, copy]))
                fd = list(map(FiniteDifferenceDetail, plus_w, plus_b, nudge_w, nudge_b))
            states: list = [None] * count
            if self.states:
                parts = {}
                for name, array in self.states.items():
                    by_layer_w, by_layer_b = split(array[rows_, u, copy])
                    parts[name] = list(zip(zip(*by_layer_w), zip(*by_layer_b)))  # per row: (weights, biases)
                steps = self.steps[rows_, u].tolist()
                states = [{"step": steps[i], **{name: parts[name][i] for name in parts}} for i in range(count)]
            slots.append((after_w, after_b, grad_w, grad_b, fd, self.update_losses[rows_, u, copy].tolist(), states))
        starts = self._starts(copy, first, last, slots[-1])
        epochs, losses = self.epochs[rows_].tolist(), self.losses[rows_, copy].tolist()
        kept, batches = self.kept[rows_].tolist(), self.first_batch[rows_].tolist()
        size = self.batch_size
        made = []
        for i in range(count):
            updates = []
            for u in range(kept[i]):
                after_w, after_b, grad_w, grad_b, fd, update_losses, states = slots[u]
                batch = batches[i] + u
                indices = None if self.order is None else self.order[first + i, (batch - 1) * size : batch * size]
                updates.append(Update(batch, indices, update_losses[i], grad_w[i], grad_b[i], after_w[i], after_b[i], fd[i], states[i]))
            start = starts[i]
            weights, biases = (updates[-1].weights, updates[-1].biases) if updates else start
            made.append(EpochRecord(epochs[i], losses[i], *(start if self.has_start[first + i] else (None, None)), weights, biases, tuple(updates)))
        return made

    def _starts(self, copy: int, first: int, last: int, last_slot: tuple) -> list[tuple]:
        """Each row's start (weights, biases): its own copy, or the row before's last update."""
        split = self.layout.split
        own_w, own_b = (list(zip(*part)) for part in split(self.start[first:last, copy]))
        after_w, after_b = last_slot[0], last_slot[1]
        starts = []
        for i, previous in enumerate(self.start_row[first:last].tolist()):
            if previous < 0:
                starts.append((own_w[i], own_b[i]))
            elif previous >= first:
                starts.append((after_w[previous - first], after_b[previous - first]))
            else:  # the row before this slice
                starts.append(split(self.after[previous, self.updates - 1, copy]))
        return starts
