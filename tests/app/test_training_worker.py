"""The app's training worker drains the runner's events: a failure is shown, not swallowed;
a GPU that fails part-way falls back to NumPy with its reason on screen; `x` stops training and
the screen says where it stopped."""

from __future__ import annotations

import asyncio

import numpy as np

from annlab.app import create_app, settle
from annlab.cli import load
from annlab.engine.backend import Backend, numpy_backend
from annlab.training import trainer as trainer_module
from annlab.training.runner import run_scenario


def status_of(screen) -> str:
    return str(screen._status(screen.view()))


async def _until(predicate, timeout: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not predicate():
        assert loop.time() < end, "timed out"
        await asyncio.sleep(0.01)


async def test_an_error_in_training_is_shown_and_the_status_says_training_stopped(monkeypatch):
    real_epoch = trainer_module.Trainer._epoch

    def failing_epoch(self, epoch: int) -> None:
        if epoch == 3:
            raise RuntimeError("injected failure in epoch 3")
        real_epoch(self, epoch)

    monkeypatch.setattr(trainer_module.Trainer, "_epoch", failing_epoch)
    app = create_app(load("toy-backprop"))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await _until(lambda: not screen.training)
        await pilot.pause()
        assert screen.failure == "RuntimeError: injected failure in epoch 3"
        assert "training stopped: RuntimeError: injected failure in epoch 3" in status_of(screen)
        assert "training…" not in status_of(screen)
        notices = [n.message for n in app._notifications]
        assert any("Training stopped: RuntimeError: injected failure in epoch 3" in m for m in notices)
        # The app goes on: keys still step through what nothing trained.
        await pilot.press("n")
        assert app.is_running


async def test_a_gpu_that_fails_part_way_falls_back_to_numpy_in_the_app(monkeypatch):
    from test_gpu_faults import FakeCupy  # the CuPy stand-in of the engine's fault tests

    scenario = load("toy-backprop").with_training(epochs=30)
    fake = Backend("cupy", FakeCupy(matmuls_before_oom=40), numpy_backend().reason, "auto")
    monkeypatch.setattr("annlab.app.main.choose_backend", lambda scenario, name: fake)
    app = create_app(scenario)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await _until(lambda: not screen.training)
        await settle(pilot)
        assert screen.backend.name == "numpy"
        status = status_of(screen)
        assert "auto fell back to NumPy: the GPU failed in epoch" in status and "OutOfMemoryError" in status
        # What the app shows is NumPy's run from the same initial weights, loss for loss.
        reference = run_scenario(scenario, numpy_backend()).runs[0]
        np.testing.assert_array_equal(screen.session.runs[0].losses, reference.losses)


async def test_x_stops_training_and_the_screen_says_where():
    scenario = load("toy-backprop").with_training(epochs=2_000_000, gradients=("chain-rule",))
    app = create_app(scenario)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await _until(lambda: screen.session.runs[0].epochs_done > 1_000)
        await pilot.press("x")
        await _until(lambda: not screen.training)
        await pilot.pause()
        reached = screen.session.runs[0].epochs_done
        assert 1_000 < reached < 2_000_000
        assert f"training stopped at epoch {reached:,} (x)" in status_of(screen)
        assert screen.query_one("#progress").progress == reached
        # The last update trained is one the learner can step to.
        await pilot.press("G")
        assert screen.view().epoch <= reached
