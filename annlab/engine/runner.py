"""From a validated scenario to a Trace: pick the backend, run what the scenario asks for."""

from __future__ import annotations

from dataclasses import replace
from typing import Callable

from annlab.engine.backend import Backend, Workload, gpu_fault, numpy_backend, select_backend
from annlab.engine.training import Trainer, compute_pass
from annlab.errors import BackendError
from annlab.scenario.model import Scenario
from annlab.trace import Trace


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
    rates = len(spec.learning_rates)
    workloads = []
    for gradient in spec.gradients:
        if gradient == "finite-difference":
            copies = parameters + 1
            workloads.append(Workload(rates, steps, copies * parameters, copies * forward, copies * values))
        else:
            stacked = rates if spec.sweep else 1
            runs = 1 if spec.sweep else rates
            workloads.append(Workload(runs, steps, stacked * parameters, stacked * 3 * forward, stacked * values))
    return tuple(workloads)


def choose_backend(scenario: Scenario, requested: str = "auto") -> Backend:
    if scenario.kind != "training":
        # Tables and galleries are a few hundred numbers: NumPy, without probing a GPU.
        return select_backend("numpy") if requested != "cupy" else select_backend("cupy")
    return select_backend(requested, training_workloads(scenario))


def run_scenario(
    scenario: Scenario,
    backend: Backend,
    on_epoch: Callable[[int, int, int], bool] | None = None,
) -> Trace:
    """The whole Trace. ``on_epoch(run_index, epoch, epochs)`` is called after every epoch;
    returning False stops training there (the UI's stop key).

    If the GPU fails part-way (out of memory, a lost device), a run that ``auto`` put on CuPy
    starts again on NumPy from the same initial weights (they live on the host, so the Trace is
    the one NumPy alone would give) and the Trace says why; ``--backend cupy`` raises
    BackendError instead, since the user asked for the GPU by name."""
    progress = [0, 0]  # (run index, last finished epoch), for saying where a GPU fault struck
    try:
        return _run(scenario, backend, on_epoch, progress)
    except Exception as exc:
        fault = gpu_fault(exc) if backend.name == "cupy" else None
        if fault is None:
            raise
        runs = len(scenario.training.gradients) * len(scenario.training.learning_rates) if scenario.training else 1
        where = f"in epoch {progress[1] + 1}" + (f" of run {progress[0] + 1} of {runs}" if runs > 1 else "")
        if backend.requested == "cupy":
            raise BackendError(f"--backend cupy failed {where}: the GPU reported {fault}; try --backend numpy") from None
        reason = f"auto fell back to NumPy: the GPU failed {where} ({fault}); the run restarted on the CPU from the same initial weights"
        trace = _run(scenario, numpy_backend(reason), on_epoch, [0, 0])
        return replace(trace, notes=trace.notes + (reason,))


def _run(
    scenario: Scenario,
    backend: Backend,
    on_epoch: Callable[[int, int, int], bool] | None,
    progress: list[int],
) -> Trace:
    base = dict(scenario_title=scenario.title, kind=scenario.kind, backend=backend.name, backend_reason=backend.reason)
    if scenario.kind != "training":
        # Imported here, as the sweep is below: `annlab play` of the chapter's toy network
        # loads only what it runs (start-up time is measured, docs/benchmarks.md).
        from annlab.engine.tables import activation_gallery, loss_gallery, softmax_table
    if scenario.kind == "softmax-table":
        assert scenario.table is not None
        return Trace(**base, table=softmax_table(scenario.table))
    if scenario.kind == "activations":
        assert scenario.gallery is not None
        return Trace(**base, gallery=activation_gallery(scenario.gallery))
    if scenario.kind == "losses":
        assert scenario.gallery is not None
        return Trace(**base, gallery=loss_gallery(scenario.gallery))
    assert scenario.network is not None and scenario.training is not None
    runs: list = []
    first = None
    spec = scenario.training
    index = 0
    for gradient in spec.gradients:
        if spec.sweep and gradient == "chain-rule":
            from annlab.engine.sweep import sweep_runs

            # All the rates train at once, on a leading axis (annlab.engine.sweep); the
            # chapter's finite differences still run one rate at a time below.
            progress[:] = [index, 0]

            def sweep_epoch(_: int, epoch: int, epochs: int, at: int = index) -> bool:
                progress[1] = epoch
                return on_epoch is None or on_epoch(at, epoch, epochs) is not False

            runs.extend(sweep_runs(backend, scenario, sweep_epoch))
            index += len(spec.learning_rates)
            continue
        for lr in spec.learning_rates:
            progress[:] = [index, 0]
            trainer = Trainer(backend, scenario, lr, gradient)
            if first is None:
                first = compute_pass(backend, scenario, *trainer.initial)
            for epoch in trainer.epochs():
                progress[1] = epoch
                if on_epoch is not None and on_epoch(index, epoch, spec.epochs) is False:
                    break
            runs.append(trainer.result())
            index += 1
    if first is None:
        first = compute_pass(backend, scenario, runs[0].initial_weights, runs[0].initial_biases)
    return Trace(**base, first_pass=first, runs=tuple(runs))
