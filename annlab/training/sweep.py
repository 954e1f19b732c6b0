"""A learning-rate sweep: every rate trains at once, as one batched computation.

The runs differ only in their learning rate, so their parameters are stacked on a leading
axis (rates × the network's parameters) and every epoch is one batched forward and backward
pass: ``Network.loss_and_gradients`` already reduces over the last two axes only, so the
same code that trains one network trains a thousand copies of it. On y = 3x, 1,000 rates
cost little more than one (docs/benchmarks.md).

What comes out is one ordinary ``Run`` per rate, with the same fields, losses and records a
``Trainer`` would give, so ``annlab play`` and the app need nothing special. A run stops
where it diverges (its loss or a parameter is no longer finite); its copy keeps computing
NaNs beside the others, which is cheaper than taking it out of the stack.

Where training broke along the rates, and the exact bound it should break at, are derived
by ``annlab.analysis`` (``sweep_outcome``, ``hessian_bound``).
"""

from __future__ import annotations

import bisect
import math
from typing import Any, Callable

import numpy as np

from annlab.engine.backend import Backend, to_host
from annlab.engine.network import Network
from annlab.engine.optimizers import OPTIMIZERS
from annlab.scenario.model import Scenario, TrainingSpec
from annlab.trace import Divergence, EpochRecord, Run, Update
from annlab.training.storage import FlatParameters, ParameterStore, RecordBuffer, host_row
from annlab.training.trainer import EpochLoop, batch_order, loss_reason, non_finite_in_row, updates_per_epoch


# A sweep is read as a chart of final losses against rates, so each run keeps fewer records
# than a lone run would: its first and last epochs and a sample between (every loss is kept).
SWEEP_RECORD_BUDGET_BYTES = 8 * 1024 * 1024


class Sweep(EpochLoop):
    """All of a scenario's learning rates trained together with the chain rule.

    ``epochs()`` yields after each epoch, like ``Trainer.epochs()``; ``runs()`` gives one
    ``Run`` per rate, in the scenario's order."""

    def __init__(self, backend: Backend, scenario: Scenario, optimizer: str | None = None):
        assert scenario.network is not None and scenario.training is not None
        xp = backend.xp
        self.backend = backend
        self.spec = scenario.training
        net = scenario.network
        self.rates = tuple(float(r) for r in self.spec.learning_rates)
        count = len(self.rates)
        self.network = Network(xp, list(net.activations), self.spec.loss)
        self.x, self.y = xp.asarray(scenario.inputs), xp.asarray(scenario.targets)
        self.rows = int(self.x.shape[0])
        self.dtype = net.dtype
        param_dtype = np.dtype(net.dtype)
        self.compute_dtype = np.result_type(self.x.dtype, self.y.dtype, param_dtype)
        columns = _columns_fit(backend, self.network, self.spec, self.x, self.y)
        self.store = ParameterStore(xp, net.weights, net.biases, param_dtype, self.compute_dtype, (count,), columns)
        self._stored, self._compute, self._grads = self.store.stored, self.store.compute, self.store.grads
        self._columns = _Columns(self.network, self.x, self.y, self._compute, self._grads) if columns else None
        # A Python float times a float32 array rounds the rate to float32 first (NEP 50):
        # the rates column in the compute dtype does the same, rate by rate.
        rates = xp.asarray(np.array(self.rates, dtype=self.compute_dtype)[:, None])
        if columns:
            # Every gradient's own rate, laid out like the gradients: the update's multiply is
            # then element by element, NumPy's fast path, rather than a broadcast.
            laid_out = self._grads.flat.copy(order="K")
            laid_out[...] = rates
            rates = laid_out
        name = optimizer or self.spec.optimizer
        self.optimizer = OPTIMIZERS[name](xp, rates, self._grads.flat, **self.spec.hyper_parameters(name))
        self._layout = self.store.layout
        self.initial = self._layout.split(to_host(self._stored.flat[0]).copy())
        self._updates = updates_per_epoch(self.spec, self.rows)
        self.buffer = RecordBuffer(
            self._layout, self.spec.epochs, count, self._updates, param_dtype, self.compute_dtype,
            points=self.rows, batch_size=self.spec.batch_size if self._updates > 1 else 0,
            budget=SWEEP_RECORD_BUDGET_BYTES, state_names=self.optimizer.state_names,
        )
        self.stride = self.buffer.stride
        self.losses = np.empty((self.spec.epochs, count), dtype=np.float64)
        # Per run: where it diverged, why, and its parameters and gradients at that epoch.
        self.divergence: list[Divergence | None] = [None] * count
        self._last = np.empty((count, self.store.size), dtype=param_dtype)
        self._last_grads = np.empty((count, self.store.size), dtype=self.compute_dtype)
        self.alive = np.ones(count, dtype=bool)
        self.epochs_done = 0

    def _finished(self) -> bool:
        return not self.alive.any()

    def _step(self, loss: Any, recorded: bool, batch: int = 1) -> None:
        optimizer = self.optimizer
        optimizer.step(self._grads.flat, self._compute.flat, self._stored.flat)
        if recorded:
            self.buffer.update(loss, self._stored.flat, self._grads.flat, batch=batch, state=optimizer.state(), steps=optimizer.steps)

    def _epoch(self, epoch: int) -> None:
        xp = self.backend.xp
        params = self._compute.params
        recorded = self.buffer.wanted(epoch, self.spec.epochs)
        if self._updates == 1:
            if recorded:
                self.buffer.begin(epoch, self._stored.flat)
            if self._columns is not None:
                loss = self._columns.loss_and_gradients()
            else:
                loss = self.network.loss_and_gradients(params, self.x, self.y, self._grads.weights, self._grads.biases)
            self._step(loss, recorded)
        else:
            loss = self.network.training_loss(params, self.x, self.y)
            order = batch_order(self.spec, epoch, self.rows)
            if recorded:
                self.buffer.begin(epoch, self._stored.flat, order)
            size = self.spec.batch_size
            for k, start in enumerate(range(0, self.rows, size), start=1):
                idx = xp.asarray(order[start : start + size])
                batch_loss = self.network.loss_and_gradients(params, self.x[idx], self.y[idx], self._grads.weights, self._grads.biases)
                self._step(batch_loss, recorded, k)
        host_row(self.losses[epoch - 1], loss)
        loss_row = self.losses[epoch - 1]
        # Two sums are finite only if every loss and parameter is (a diverged run's parameters
        # are zeroed, so it stays finite): the run-by-run check runs only when they are not.
        total = float(np.add.reduce(loss_row)) + float(self._stored.flat.sum())
        if not math.isfinite(total):
            finite_params = to_host(xp.isfinite(self._stored.flat).all(axis=-1))
            failed = self.alive & ~(np.isfinite(loss_row) & finite_params)
            if failed.any():
                self._diverged(epoch, np.flatnonzero(failed), loss_row)
        if recorded:
            self.buffer.end(loss_row)

    def _diverged(self, epoch: int, runs: np.ndarray, loss_row: np.ndarray) -> None:
        rows = self.backend.xp.asarray(runs)
        params = to_host(self._stored.flat[rows])
        grads = to_host(self._grads.flat[rows])
        self.alive[runs] = False
        self._last[runs] = params
        self._last_grads[runs] = grads
        for r, p in zip(runs.tolist(), params):
            bad = non_finite_in_row(self._layout, p)
            loss = float(loss_row[r])
            reason = loss_reason(loss, bad) if not math.isfinite(loss) else bad
            self.divergence[r] = Divergence(epoch, reason)  # type: ignore[arg-type]
        # Kept above; from here on the run's copy rests at zero with a rate of zero, so that it
        # stays finite (a NaN copy would send every later epoch through the run-by-run check).
        self._stored.flat[rows] = 0
        if self._compute is not self._stored:
            self._compute.flat[rows] = 0
        self.optimizer.rest(rows)

    def runs(self) -> tuple[Run, ...]:
        xp = self.backend.xp
        final = np.ascontiguousarray(to_host(self._stored.flat))
        dead = ~self.alive
        final[dead] = self._last[dead]
        # Final losses and predictions of every run in one batched forward pass.
        stacked = ParameterStore(xp, *self._layout.split(final[0]), self.compute_dtype, self.compute_dtype, (len(self.rates),))
        stacked.stored.flat[...] = xp.asarray(final)
        with np.errstate(all="ignore"):
            fwd = self.network.forward(stacked.stored.params, self.x, self.y)
        final_losses, predictions = to_host(fwd.loss).tolist(), to_host(fwd.predictions)
        split = self._layout.split
        done = self.epochs_done
        record_epochs = self.buffer.epochs[: self.buffer.count].tolist()
        # A thousand runs: each run's losses and final parameters are views of host blocks.
        losses_by_run = np.ascontiguousarray(self.losses.T)
        final_w, final_b = split(final)
        initial_w, initial_b = self.initial
        runs = []
        for r, rate in enumerate(self.rates):
            divergence = self.divergence[r]
            if divergence is None:
                stop, kept = done, bisect.bisect_right(record_epochs, done)
            else:
                stop = divergence.epoch
                kept = bisect.bisect_left(record_epochs, stop)
            records = self.buffer.records(r, range(kept))
            if divergence is not None:
                weights, biases = split(self._last[r])
                w_grads, b_grads = split(self._last_grads[r])
                loss = float(self.losses[stop - 1, r])
                update = Update(self._updates, None, loss, w_grads, b_grads, weights, biases)
                records.append(EpochRecord(stop, loss, None, None, weights, biases, (update,)))
            runs.append(
                Run(
                    learning_rate=rate,
                    gradient="chain-rule",
                    dtype=self.dtype,
                    initial_weights=initial_w,
                    initial_biases=initial_b,
                    losses=losses_by_run[r, :stop],
                    records=tuple(records),
                    record_stride=self.stride,
                    final_weights=tuple([w[r] for w in final_w]),
                    final_biases=tuple([b[r] for b in final_b]),
                    final_loss=final_losses[r],
                    final_predictions=predictions[r],
                    divergence=divergence,
                    optimizer=self.optimizer.name,
                    batch_size=self.spec.batch_size if self._updates > 1 else 0,
                )
            )
        return tuple(runs)


def _columns_fit(backend: Backend, network: Network, spec: TrainingSpec, x: np.ndarray, y: np.ndarray) -> bool:
    """Whether ``_Columns`` can train this sweep (it gives every run the lone run's bits)."""
    return (
        backend.name == "numpy"
        and len(network.activations) == 1
        and network.activations[0].elementwise
        and network.loss.name == "mse"
        and x.shape[1] == 1  # one input: each pre-activation is one product, exact
        and (spec.batch_size == 0 or spec.batch_size >= x.shape[0])
        # NumPy adds fewer than 8 numbers one after another, more in a pairwise tree; below
        # 8, a sum over rows of the columns adds in the same order as a lone run's sum.
        and y.shape[0] * y.shape[1] < 8
    )


class _Columns:
    """A full-batch epoch of a one-input, one-layer network under MSE (y = 3x and its kind),
    for every rate at once, with the rates on the last axis.

    Stacked the usual way, (rates, points, units), a y = 3x sweep is a thousand (4, 1)
    blocks, and every broadcast and sum loops over a thousand tiny pieces. Here the values
    are (points, units·rates) and the parameters (parameters, rates) in memory, so each
    operation runs once along rows of a thousand numbers.

    Every number comes from the same operations in the same order as a lone run's
    ``Network.loss_and_gradients``: with one input, x @ W is one product per value, exact
    whichever way it is computed; NumPy adds fewer than 8 numbers one after another, so the
    sums over data points add in the lone run's order; dividing by a power of two is exact,
    so it may be a multiplication. Only ∂C/∂W = xᵀ @ δ sums products in BLAS, whose order
    (and fused multiply-adds) depends on the shapes it is given: one call for all the rates
    gives different last bits from a lone run on some data, so each rate gets the lone
    run's own call (a batched matmul over a contiguous (rates, points, units) copy of δ).
    tests/test_sweep.py holds every rate bit-identical to a lone run."""

    def __init__(self, network: Network, x: np.ndarray, y: np.ndarray, compute: FlatParameters, grads: FlatParameters):
        rates = compute.flat.shape[0]
        units = compute.weights[0].shape[-1]
        points = x.shape[0]
        self.shape = (points, units, rates)
        self.x = np.asarray(x, dtype=compute.flat.dtype)  # the cast matmul makes of integer data
        self.x_t = x.T
        self.h = np.empty((points, units * rates), dtype=compute.flat.dtype)
        # The targets once per rate, so that the error is a same-shape subtraction (NumPy's
        # fast path; a broadcast one costs three times as much here), with the same values.
        self.y = np.ascontiguousarray(np.broadcast_to(y[:, :, None], self.shape))
        self.error = np.empty(self.shape, dtype=np.result_type(self.h.dtype, y.dtype))
        self.forward = network._train_forward[0]
        self.backward = network._train_backward[0]
        elements = points * units
        self.elements = elements
        # x / 2^k and x · 2^-k are the same number (both exact scalings): a multiply is cheaper.
        self.scale: float | int = 1 / elements if elements & (elements - 1) == 0 else elements
        columns = compute.flat.T  # (parameters, rates), contiguous
        self.w = columns[:units].reshape(units * rates)
        self.b = columns[units:].reshape(units * rates)
        g = grads.flat.T
        self.w_grads = g[:units]  # (units, rates)
        self.b_grads = g[units:].reshape(units * rates)
        self.w_grads_by_rate = np.empty((rates, 1, units), dtype=compute.flat.dtype)

    def _divide(self, a: np.ndarray) -> np.ndarray:
        if self.elements == 1:
            return a
        if isinstance(self.scale, float):
            return np.multiply(a, self.scale, out=a)
        return np.divide(a, self.scale, out=a)

    def loss_and_gradients(self) -> np.ndarray:
        """Every rate's C, shaped (rates,); every ∂C/∂θ lands in the gradients' columns."""
        h = np.multiply(self.x, self.w, out=self.h)  # (points, 1) · (units·rates,)
        np.add(h, self.b, out=h)
        a = h if self.forward is None else self.forward(np, h)
        error = np.subtract(a.reshape(self.shape), self.y, out=self.error)
        loss = np.add.reduce(np.square(error), axis=(0, 1))
        grad_a = self._divide(np.multiply(error, 2, out=error))
        delta = grad_a if self.backward is None else self.backward(np, h.reshape(self.shape), a.reshape(self.shape), grad_a)
        delta.sum(axis=0, out=self.b_grads.reshape(self.shape[1:]))
        by_rate = np.ascontiguousarray(delta.transpose(2, 0, 1))  # (rates, points, units)
        np.matmul(self.x_t, by_rate, out=self.w_grads_by_rate)
        self.w_grads[...] = self.w_grads_by_rate[:, 0, :].T
        return self._divide(loss)


def sweep_runs(backend: Backend, scenario: Scenario, on_epoch: Callable[[int, int, int], bool] | None = None) -> tuple[Run, ...]:
    """Train a sweep. ``on_epoch(0, epoch, epochs)`` after every epoch (all rates move
    together, so a sweep reports as one run); False stops every rate there."""
    sweep = Sweep(backend, scenario)
    for epoch in sweep.epochs():
        if on_epoch is not None and on_epoch(0, epoch, sweep.spec.epochs) is False:
            break
    return sweep.runs()
