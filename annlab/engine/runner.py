"""From a validated scenario to a Trace: pick the backend, run what the scenario asks for."""

from __future__ import annotations

from typing import Callable

from annlab.engine.backend import Backend, select_backend
from annlab.engine.tables import activation_gallery, loss_gallery, softmax_table
from annlab.engine.training import Trainer, compute_pass
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


def choose_backend(scenario: Scenario, requested: str = "auto") -> Backend:
    if scenario.kind != "training":
        # Tables and galleries are a few hundred numbers: NumPy, without probing a GPU.
        return select_backend("numpy") if requested != "cupy" else select_backend("cupy")
    return select_backend(requested, macs_per_step(scenario))


def run_scenario(
    scenario: Scenario,
    backend: Backend,
    on_epoch: Callable[[int, int, int], bool] | None = None,
) -> Trace:
    """The whole Trace. ``on_epoch(run_index, epoch, epochs)`` is called after every epoch;
    returning False stops training there (the UI's stop key)."""
    base = dict(scenario_title=scenario.title, kind=scenario.kind, backend=backend.name, backend_reason=backend.reason)
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
    runs = []
    first = None
    plan = [(g, lr) for g in scenario.training.gradients for lr in scenario.training.learning_rates]
    for index, (gradient, lr) in enumerate(plan):
        trainer = Trainer(backend, scenario, lr, gradient)
        if first is None:
            first = compute_pass(backend, scenario, *trainer.initial)
        for epoch in trainer.epochs():
            if on_epoch is not None and on_epoch(index, epoch, scenario.training.epochs) is False:
                break
        runs.append(trainer.result())
    return Trace(**base, first_pass=first, runs=tuple(runs))
