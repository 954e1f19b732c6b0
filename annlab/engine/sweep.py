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

``hessian_bound`` gives, for a model whose loss is quadratic in its parameters (a single
linear layer under MSE, such as y = 3x), the exact largest stable learning rate 2/λmax,
to set beside the rate where training really broke.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from annlab.engine.backend import Backend, to_host
from annlab.engine.network import Network
from annlab.engine.training import (
    ARRAY_OVERHEAD_BYTES,
    RECORD_OVERHEAD_BYTES,
    EpochLoop,
    FlatParameters,
    descend,
    host_row,
    loss_reason,
    non_finite_in_row,
    records_that_fit,
)
from annlab.scenario.model import Scenario, TrainingSpec
from annlab.trace import Divergence, EpochRecord, Run


# A sweep is read as a chart of final losses against rates, so each run keeps fewer records
# than a lone run would: its first and last epochs and a sample between (every loss is kept).
SWEEP_RECORD_BUDGET_BYTES = 8 * 1024 * 1024


class Sweep(EpochLoop):
    """All of a scenario's learning rates trained together with the chain rule.

    ``epochs()`` yields after each epoch, like ``Trainer.epochs()``; ``runs()`` gives one
    ``Run`` per rate, in the scenario's order."""

    def __init__(self, backend: Backend, scenario: Scenario):
        assert scenario.network is not None and scenario.training is not None
        xp = backend.xp
        self.backend = backend
        self.spec = scenario.training
        net = scenario.network
        self.rates = tuple(float(r) for r in self.spec.learning_rates)
        count = len(self.rates)
        self.network = Network(xp, list(net.activations), self.spec.loss)
        self.x, self.y = xp.asarray(scenario.inputs), xp.asarray(scenario.targets)
        self.dtype = net.dtype
        param_dtype = np.dtype(net.dtype)
        self.compute_dtype = np.result_type(self.x.dtype, self.y.dtype, param_dtype)
        w_shapes = [w.shape for w in net.weights]
        # Biases get a row axis, (rates, 1, units), so that they broadcast over data points
        # beside the stacked pre-activations (rates, points, units).
        stacked_b = [(1,) + b.shape for b in net.biases]
        lead = (count,)
        columns = _columns_fit(backend, self.network, self.spec, self.x, self.y)
        self._stored = FlatParameters(xp, w_shapes, stacked_b, param_dtype, lead, columns)
        initial = np.concatenate([a.astype(param_dtype).reshape(-1) for a in net.weights + net.biases])
        self._stored.flat[...] = xp.asarray(initial)
        if self.compute_dtype == param_dtype:
            self._compute = self._stored
        else:
            self._compute = FlatParameters(xp, w_shapes, stacked_b, self.compute_dtype, lead, columns)
            self._compute.flat[...] = self._stored.flat
        self._grads = FlatParameters(xp, w_shapes, [b.shape for b in net.biases], self.compute_dtype, lead, columns)
        self._columns = _Columns(self.network, self.x, self.y, self._compute, self._grads) if columns else None
        # A Python float times a float32 array rounds the rate to float32 first (NEP 50):
        # the rates column in the compute dtype does the same, rate by rate.
        self._rates = xp.asarray(np.array(self.rates, dtype=self.compute_dtype)[:, None])
        self._step = self._grads.flat.copy(order="K")  # laid out like the gradients
        if columns:
            # Every gradient's own rate, laid out like the gradients: the update's multiply is
            # then element by element, NumPy's fast path, rather than a broadcast.
            rates = self._step.copy(order="K")
            rates[...] = self._rates
            self._rates = rates
        # One run's host layout (no leading axis), to split flat rows into layers.
        self._layout = FlatParameters(np, w_shapes, [b.shape for b in net.biases], param_dtype)
        self.initial = self._layout.split(initial)
        epochs = self.spec.epochs
        size = self._stored.size
        per_record = size * (param_dtype.itemsize + self.compute_dtype.itemsize)
        per_record += RECORD_OVERHEAD_BYTES + 4 * len(w_shapes) * ARRAY_OVERHEAD_BYTES
        self.stride, rows = records_that_fit(epochs, count, per_record, SWEEP_RECORD_BUDGET_BYTES)
        self._record_epochs = np.zeros(rows, dtype=np.int64)
        self._record_params = np.empty((rows, count, size), dtype=param_dtype)
        self._record_grads = np.empty((rows, count, size), dtype=self.compute_dtype)
        self._recorded = 0
        self.losses = np.empty((epochs, count), dtype=np.float64)
        # Per run: where it diverged, why, and its parameters and gradients at that epoch.
        self.divergence: list[Divergence | None] = [None] * count
        self._last = np.empty((count, size), dtype=param_dtype)
        self._last_grads = np.empty((count, size), dtype=self.compute_dtype)
        self.alive = np.ones(count, dtype=bool)
        self.epochs_done = 0

    def _finished(self) -> bool:
        return not self.alive.any()

    def _update(self) -> None:
        descend(self.backend.xp, self._grads, self._rates, self._compute, self._stored, self._step)

    def _epoch(self, epoch: int) -> None:
        xp = self.backend.xp
        batch, rows = self.spec.batch_size, self.x.shape[0]
        params = self._compute.params
        if self._columns is not None:
            loss = self._columns.loss_and_gradients()
            self._update()
        elif batch == 0 or batch >= rows:
            loss = self.network.loss_and_gradients(params, self.x, self.y, self._grads.weights, self._grads.biases)
            self._update()
        else:
            loss = self.network.training_loss(params, self.x, self.y)
            order = np.random.default_rng((self.spec.shuffle_seed, epoch)).permutation(rows)
            for start in range(0, rows, batch):
                idx = xp.asarray(order[start : start + batch])
                self.network.loss_and_gradients(params, self.x[idx], self.y[idx], self._grads.weights, self._grads.biases)
                self._update()
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
        last = epoch == self.spec.epochs
        if epoch == 1 or last or epoch % self.stride == 0:
            k = self._recorded
            self._record_epochs[k] = epoch
            host_row(self._record_params[k], self._stored.flat)
            host_row(self._record_grads[k], self._grads.flat)
            self._recorded = k + 1

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
            self.divergence[r] = Divergence(epoch, loss_reason(loss, bad) if not math.isfinite(loss) else bad or "")
        # Kept above; from here on the run's copy rests at zero with a rate of zero, so that it
        # stays finite (a NaN copy would send every later epoch through the run-by-run check).
        self._stored.flat[rows] = 0
        if self._compute is not self._stored:
            self._compute.flat[rows] = 0
        self._rates[rows] = 0

    def runs(self) -> tuple[Run, ...]:
        xp = self.backend.xp
        final = np.ascontiguousarray(to_host(self._stored.flat))
        dead = ~self.alive
        final[dead] = self._last[dead]
        # Final losses and predictions of every run in one batched forward pass.
        stacked = FlatParameters(xp, [w.shape for w in self._layout.weights], [(1,) + b.shape for b in self._layout.biases], self.compute_dtype, (len(self.rates),))
        stacked.flat[...] = xp.asarray(final)
        with np.errstate(all="ignore"):
            fwd = self.network.forward(stacked.params, self.x, self.y)
        final_losses, predictions = to_host(fwd.loss).tolist(), to_host(fwd.predictions)
        split = self._layout.split
        done = self.epochs_done
        record_epochs = self._record_epochs[: self._recorded].tolist()
        record_losses = self.losses[self._record_epochs[: self._recorded] - 1].T.tolist()  # [rate][record]
        # A thousand runs are a thousand sets of small arrays: each run's arrays are views of
        # host blocks made here, (rates, ...) each, rather than a thousand separate copies.
        losses_by_run = np.ascontiguousarray(self.losses.T)
        final_w, final_b = split(final)
        # Per-layer views of every record block: (records, rates, ...) each.
        params_w, params_b = split(self._record_params[: self._recorded])
        grads_w, grads_b = split(self._record_grads[: self._recorded])
        blocks = (params_w, params_b, grads_w, grads_b)
        initial_w, initial_b = self.initial
        runs = []
        for r, rate in enumerate(self.rates):
            divergence = self.divergence[r]
            if divergence is None:
                stop, kept = done, bisect.bisect_right(record_epochs, done)
            else:
                stop = divergence.epoch
                kept = bisect.bisect_left(record_epochs, stop)
            # One tuple of per-layer views per record, made at C speed (zip over the blocks).
            columns = [zip(*[a[:kept, r] for a in block]) for block in blocks]
            records = list(map(EpochRecord, record_epochs[:kept], record_losses[r][:kept], *columns))
            if divergence is not None:
                weights, biases = split(self._last[r])
                w_grads, b_grads = split(self._last_grads[r])
                records.append(EpochRecord(stop, float(self.losses[stop - 1, r]), weights, biases, w_grads, b_grads))
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


# --- where training must break ------------------------------------------------------------


@dataclass(frozen=True)
class HessianBound:
    """For a loss that is quadratic in the parameters: its (constant) Hessian, the largest
    eigenvalue λmax, and 2/λmax, the learning rate above which gradient descent diverges."""

    hessian: np.ndarray
    largest_eigenvalue: float
    largest_stable_rate: float


def hessian_bound(scenario: Scenario) -> HessianBound | None:
    """The exact bound for a single linear layer under MSE (y = 3x: ŷ = w·x + b); None for
    any other network, whose loss is not quadratic and has no single bound.

    With C = (1/(m·k)) Σ (x̃·θ − y)² over m data points and k outputs, x̃ = (x, 1), each
    output's parameters θ see the Hessian H = (2/(m·k)) X̃ᵀX̃, the same for every output. Along
    H's eigenvector with eigenvalue λ, one step multiplies the error by (1 − lr·λ): it shrinks
    only while |1 − lr·λ| < 1, so every direction converges exactly when lr < 2/λmax."""
    net, spec = scenario.network, scenario.training
    if net is None or spec is None or scenario.inputs is None or scenario.targets is None:
        return None
    if len(net.layer_sizes) != 2 or net.activations != ("linear",) or spec.loss != "mse":
        return None
    if 0 < spec.batch_size < scenario.inputs.shape[0]:
        return None  # mini-batches see a different Hessian at every step
    m, k = scenario.inputs.shape[0], scenario.targets.shape[1]
    augmented = np.hstack([scenario.inputs, np.ones((m, 1))])
    hessian = 2.0 / (m * k) * augmented.T @ augmented
    largest = float(np.linalg.eigvalsh(hessian)[-1])
    return HessianBound(hessian, largest, 2.0 / largest)


@dataclass(frozen=True)
class SweepOutcome:
    """Where, along the rates, training stopped working."""

    last_rate_that_learned: float | None  # largest rate (below the first failure) whose loss fell
    first_rate_that_failed: float | None  # smallest rate whose final loss is above its first
    first_rate_that_overflowed: float | None  # smallest rate that diverged to inf or NaN
    best_rate: float | None  # the rate with the lowest final loss
    failed: np.ndarray  # per run (in the runs' order): did its loss grow or overflow


def sweep_outcome(runs: tuple[Run, ...]) -> SweepOutcome:
    order = sorted(range(len(runs)), key=lambda i: runs[i].learning_rate)
    failed = np.array([_failed(run) for run in runs], dtype=bool)
    first_failed = next((i for i in order if failed[i]), None)
    first_overflow = next((i for i in order if runs[i].divergence is not None), None)
    below = [i for i in order if first_failed is None or runs[i].learning_rate < runs[first_failed].learning_rate]
    learned = [i for i in below if not failed[i]]
    finals = [(runs[i].final_loss, i) for i in order if runs[i].divergence is None and math.isfinite(runs[i].final_loss)]
    rate = lambda i: None if i is None else runs[i].learning_rate  # noqa: E731
    return SweepOutcome(
        rate(learned[-1] if learned else None),
        rate(first_failed),
        rate(first_overflow),
        rate(min(finals)[1] if finals else None),
        failed,
    )


def _failed(run: Run) -> bool:
    """A run failed if it diverged, or if after all its epochs the loss is higher than where
    it started (it grew instead of falling: too large a step, but not yet an overflow)."""
    if run.divergence is not None or not math.isfinite(run.final_loss):
        return True
    return run.losses.size > 0 and run.final_loss > float(run.losses[0])


