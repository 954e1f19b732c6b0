"""Every bundled scenario opened in the headless app and run to its end: training scenarios
train in the app's worker and must end where the engine, run on its own, ends (every run, every
loss, the last recorded parameters, bit for bit); the table and the galleries are walked to
their last row or the end of their axis."""

from __future__ import annotations

import numpy as np
import pytest

from annlab.app import create_app, settle
from annlab.app.gallery import GalleryScreen, TableScreen
from annlab.app.training import TrainingScreen
from annlab.cli import load
from annlab.engine.backend import numpy_backend
from annlab.training.runner import run_scenario
from annlab.scenario.bundled import bundled_scenarios
from tests.app.waits import wait_until

SIZE = (120, 40)
# The app trains a sweep's 1,000 rates one by one (the engine batches them): 15-70 s today.
SLOW = {"y3x-sweep"}
NAMES = [
    pytest.param(entry.name, marks=pytest.mark.slow) if entry.name in SLOW else entry.name
    for entry in bundled_scenarios()
]


@pytest.mark.parametrize("name", NAMES)
async def test_every_bundled_scenario_runs_to_its_end_in_the_app(name):
    scenario = load(name)
    app = create_app(scenario, backend_name="numpy")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        if scenario.kind == "training":
            assert isinstance(screen, TrainingScreen)
            await wait_until(pilot, lambda: screen.session.all_finished, "training to finish", timeout=600)
            await _ends_where_the_engine_ends(pilot, screen, run_scenario(scenario, numpy_backend()))
        elif scenario.kind == "softmax-table":
            assert isinstance(screen, TableScreen)
            rows = len(screen.table.rows)
            await pilot.press(*["n"] * (rows + 2))  # past the end: the cursor stops on the last row
            assert screen.query_one("#softmax").cursor_row == rows - 1
        else:
            assert isinstance(screen, GalleryScreen)
            for _ in range(30):  # N: ten steps of 1/100 of the axis; 30 of them cross any start
                await pilot.press("N")
            assert screen.cursor == scenario.gallery.x_to
        assert app.is_running


async def _ends_where_the_engine_ends(pilot, screen, trace) -> None:
    live_runs = screen.session.runs
    assert len(live_runs) == len(trace.runs)
    for live, run in zip(live_runs, trace.runs):
        label = f"lr {run.learning_rate}, {run.gradient}"
        assert (live.learning_rate, live.gradient) == (run.learning_rate, run.gradient)
        assert live.epochs_done == run.epochs_run, label
        np.testing.assert_array_equal(live.losses, run.losses, err_msg=label)
        assert (live.divergence is None) == (run.divergence is None), label
        last = live.record(run.records[-1].epoch)
        assert last is not None, label
        for got, want in zip(last.weights + last.biases, run.records[-1].weights + run.records[-1].biases):
            np.testing.assert_array_equal(got, want, err_msg=label)
    # The end key lands on the last epoch's update of the run on screen.
    await pilot.press("G")
    view = screen.view()
    assert view.epoch == screen.session.runs[view.run_index].steppable_epochs()[-1]
    assert view.step.kind == "update"
