"""The one place a scenario is run: a generator of events from a validated scenario to its Trace.

``annlab play``, the JSON trace, the app's worker and the benchmarks all drain ``Training``'s
events; nothing else trains. A training scenario yields, in order:

* ``EpochsTrained`` now and then (when asked to report): the losses and records trained since
  the last report, so a UI can show progress;
* ``RunsTrained`` as each run ends (a sweep's rates end together, as one event);
* ``BackendFellBack`` if the GPU failed part-way under ``auto`` (every run then starts again on
  NumPy from the same initial weights, so the Trace is the one NumPy alone would give);
* ``TrainingFinished`` with the Trace, last.

An error that is not the GPU's propagates out of the generator: the consumer says so (the app
shows it in its status line; ``play`` prints it). ``stop()`` ends training after the current
epoch, keeping what was trained.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Iterator

import numpy as np

from annlab.engine.backend import Backend, Workload, gpu_fault, numpy_backend, select_backend
from annlab.errors import BackendError
from annlab.messages import Message
from annlab.scenario.model import Scenario
from annlab.trace import Divergence, EpochRecord, Run, Trace
from annlab.training.trainer import Trainer


@dataclass(frozen=True)
class PlannedRun:
    index: int
    gradient: str  # "chain-rule" | "finite-difference"
    learning_rate: float
    optimizer: str = "sgd"


def plan(scenario: Scenario) -> tuple[PlannedRun, ...]:
    """The runs a training scenario makes, in the Trace's order: per gradient method, per
    optimiser, per rate."""
    spec = scenario.training
    if spec is None:
        return ()
    runs = [(g, o, lr) for g in spec.gradients for o in spec.optimizers for lr in spec.learning_rates]
    return tuple(PlannedRun(k, g, float(lr), o) for k, (g, o, lr) in enumerate(runs))


@dataclass(frozen=True)
class EpochsTrained:
    """Progress of the runs ``first_run`` … ``first_run + runs − 1`` (one run, or a sweep's
    rates, which train together): the losses of epochs ``first_epoch`` … ``epochs_done``
    (shaped (epochs,) for one run, (epochs, runs) for a sweep) and the records made since the
    last report (one run only; a sweep's records come with its runs)."""

    first_run: int
    runs: int
    first_epoch: int
    epochs_done: int
    losses: np.ndarray
    records: tuple[EpochRecord, ...]
    divergence: Divergence | None


@dataclass(frozen=True)
class RunsTrained:
    first_run: int
    runs: tuple[Run, ...]
    stopped: bool


@dataclass(frozen=True)
class BackendFellBack:
    backend: Backend
    reason: Message


@dataclass(frozen=True)
class TrainingFinished:
    trace: Trace
    stopped: bool


Event = EpochsTrained | RunsTrained | BackendFellBack | TrainingFinished


def macs_per_step(scenario: Scenario) -> int:
    """Multiply-adds of one training step: forward + backward (~3 forwards), or one forward per
    parameter for the chapter's finite differences."""
    if scenario.network is None or scenario.training is None or scenario.inputs is None:
        return 0
    rows = scenario.training.batch_size or scenario.inputs.shape[0]
    forward = scenario.network.macs_per_step(rows)
    if "finite-difference" in scenario.training.gradients:
        return forward * (scenario.network.parameter_count() + 1)
    return 3 * forward * max(1, len(scenario.training.learning_rates) if scenario.training.sweep else 1)


def training_workloads(scenario: Scenario) -> tuple[Workload, ...]:
    """One epoch of each kind of run the scenario asks for, counted for ``auto``'s cost model
    (annlab.engine.backend): steps per epoch from the batch size, and per step the
    parameters, multiply-adds and activations. The chain rule computes forward and backward
    (≈ 3 forwards); the chapter's finite differences score P + 1 nudged copies of the network
    in one stacked forward pass; a sweep trains all its rates at once on a leading axis."""
    if scenario.network is None or scenario.training is None or scenario.inputs is None:
        return ()
    net, spec = scenario.network, scenario.training
    rows = scenario.inputs.shape[0]
    batch = spec.batch_size or rows
    steps = -(-rows // batch)  # the last mini-batch may be short; it is still a step
    parameters = net.parameter_count()
    forward = net.macs_per_step(batch)
    values = batch * sum(net.layer_sizes[1:])
    rates, optimizers = len(spec.learning_rates), len(spec.optimizers)
    workloads = []
    for gradient in spec.gradients:
        if gradient == "finite-difference":
            copies = parameters + 1
            workloads.append(Workload(rates * optimizers, steps, copies * parameters, copies * forward, copies * values))
        else:
            stacked = rates if spec.sweep else 1
            runs = optimizers if spec.sweep else rates * optimizers
            workloads.append(Workload(runs, steps, stacked * parameters, stacked * 3 * forward, stacked * values))
    return tuple(workloads)


def choose_backend(scenario: Scenario, requested: str = "auto") -> Backend:
    if scenario.kind != "training":
        # Tables and galleries are a few hundred numbers: NumPy, without probing a GPU.
        return select_backend("numpy") if requested != "cupy" else select_backend("cupy")
    return select_backend(requested, training_workloads(scenario))


# When reporting to a UI, training hands the GIL over this often (seconds): the UI's thread
# otherwise waits up to the interpreter's switch interval (5 ms) each time it wakes, many
# times per key (benchmarks/app_speed.py: keys 136 ms → 76 ms median during a long run).
YIELD_EVERY_S = 0.002


class Training:
    """One scenario's training on one backend, as events (see the module's docstring).

    ``report_every``: seconds between ``EpochsTrained`` reports (None: none, only whole runs)."""

    def __init__(self, scenario: Scenario, backend: Backend, report_every: float | None = None):
        self.scenario = scenario
        self.backend = backend
        self.report_every = report_every
        self._stop = False
        self._where = (0, 0)  # (run, last finished epoch), for saying where a GPU fault struck

    def stop(self) -> None:
        """Ask training to end after the current epoch (safe from another thread)."""
        self._stop = True

    def run(self) -> Trace:
        for event in self.events():
            if isinstance(event, TrainingFinished):
                return event.trace
        raise AssertionError("training ended without a trace")  # pragma: no cover

    def events(self) -> Iterator[Event]:
        if self.scenario.kind != "training":
            from annlab.scenario.kinds import KINDS, resolve  # the kind's own runner

            trace = resolve(KINDS[self.scenario.kind].run)(self.scenario, self.backend)
            yield TrainingFinished(trace, False)
            return
        try:
            yield from self._train(self.backend, ())
        except Exception as exc:
            fault = gpu_fault(exc) if self.backend.name == "cupy" else None
            if fault is None:
                raise
            run, epoch = self._where
            runs = len(plan(self.scenario))
            where = Message.of("gpu-fault-at", epoch=epoch + 1, run=run + 1, runs=runs)
            if self.backend.requested == "cupy":
                raise BackendError(Message.of("cupy-failed", where=where, fault=fault)) from None
            reason = Message.of("fell-back", where=where, fault=fault)
            self.backend = numpy_backend(reason)
            yield BackendFellBack(self.backend, reason)
            self._where = (0, 0)
            yield from self._train(self.backend, (reason,))

    def _train(self, backend: Backend, notes: tuple[Message, ...]) -> Iterator[Event]:
        scenario, spec = self.scenario, self.scenario.training
        assert scenario.network is not None and spec is not None
        runs: list[Run] = []
        stopped = False
        for gradient in spec.gradients:
            for optimizer in spec.optimizers:
                if stopped:
                    break
                if spec.sweep and gradient == "chain-rule":
                    # All the rates train at once, on a leading axis (annlab.training.sweep); the
                    # chapter's finite differences still run one rate at a time below.
                    from annlab.training.sweep import Sweep  # only sweeps need it (start-up)

                    first = len(runs)
                    sweep = Sweep(backend, scenario, optimizer)
                    stopped = yield from self._epochs(sweep, first, len(sweep.rates))
                    trained = sweep.runs()
                    runs.extend(trained)
                    yield RunsTrained(first, trained, stopped)
                    continue
                for lr in spec.learning_rates:
                    first = len(runs)
                    trainer = Trainer(backend, scenario, lr, gradient, optimizer=optimizer)
                    stopped = yield from self._epochs(trainer, first, 1)
                    run = trainer.result()
                    runs.append(run)
                    yield RunsTrained(first, (run,), stopped)
                    if stopped:
                        break
        trace = Trace(scenario.title, scenario.kind, backend.name, backend.reason, runs=tuple(runs), notes=notes)
        yield TrainingFinished(trace, stopped)

    def _epochs(self, loop, first: int, count: int) -> Iterator[Event]:
        """Drain one trainer's (or sweep's) epochs, reporting now and then; True if stopped."""
        every = self.report_every
        last_report = -float("inf")  # the first epoch is reported at once: a UI shows it
        last_yield = time.monotonic()
        sent_epoch = sent_records = 0
        for epoch in loop.epochs():
            self._where = (first, epoch)
            if every is not None and time.monotonic() - last_report >= every:
                yield self._progress(loop, first, count, sent_epoch, sent_records)
                sent_epoch, sent_records = loop.epochs_done, len(loop.records) if count == 1 else 0
                last_report = time.monotonic()
            if self._stop:  # seen at once, even when asked while the report above was out
                return True
            if every is not None and time.monotonic() - last_yield >= YIELD_EVERY_S:
                time.sleep(0)  # let a waiting UI thread take the GIL (keys stay quick)
                last_yield = time.monotonic()
        return self._stop

    @staticmethod
    def _progress(loop, first: int, count: int, sent_epoch: int, sent_records: int) -> EpochsTrained:
        done = loop.epochs_done
        losses = loop.losses[sent_epoch:done].copy()
        if count == 1:
            records, divergence = tuple(loop.records[sent_records:]), loop.divergence
        else:  # a sweep's records come with its runs
            records, divergence = (), None
        return EpochsTrained(first, count, sent_epoch + 1, done, losses, records, divergence)


def run_scenario(scenario: Scenario, backend: Backend) -> Trace:
    """The whole Trace at once (``annlab play``, the tests)."""
    return Training(scenario, backend).run()
