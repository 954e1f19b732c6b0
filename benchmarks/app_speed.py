"""The app is as fast as the engine: its training worker drains the same runner as `play`.

* sweep: the bundled 1,000-rate y = 3x sweep, trained by the runner as `play` does and in the
  headless app (from the screen's mount to the end of training: the app's own start-up is not
  counted), side by side, best of N each;
* keys: the median time from a key press to its redrawn screen while a 2,000,000-epoch run
  trains in the worker, and, in the same session, once that training was stopped (idle);
* stop: from pressing `x` to the screen saying training stopped, and the epoch it reached.
"""

from __future__ import annotations

import asyncio
import statistics
import time

from textual import events

from annlab.app import create_app
from annlab.cli import load
from annlab.engine.backend import numpy_backend
from annlab.training.runner import Training


def play_sweep_seconds(name: str = "y3x-sweep") -> float:
    scenario = load(name)
    start = time.perf_counter()
    Training(scenario, numpy_backend()).run()
    return time.perf_counter() - start


def app_sweep_seconds(name: str = "y3x-sweep") -> float:
    async def run() -> float:
        app = create_app(load(name))
        async with app.run_test(size=(120, 40)) as pilot:
            while not (len(app.screen_stack) > 1 and app.screen.is_mounted):
                await asyncio.sleep(0.001)
            start = time.perf_counter()
            while app.screen.training:
                await asyncio.sleep(0.002)
            elapsed = time.perf_counter() - start
            await pilot.pause()
            return elapsed

    return asyncio.run(run())


async def _press_times(pilot, keys: int) -> list[float]:
    """Seconds from a key's arrival to the screen painted after its step: the key is posted as
    a terminal would send it, the step it takes is watched for, then the next refresh.
    (``pilot.pause()`` would also wait for the worker's stream of progress messages to pause.)"""
    app = pilot.app
    screen = app.screen
    times = []
    for k in range(keys):
        before = screen.cursor.position
        painted = asyncio.Event()
        start = time.perf_counter()
        app.post_message(events.Key("n" if k % 2 == 0 else "p", None))
        while screen.cursor.position == before:
            await asyncio.sleep(0.0005)
        app.call_after_refresh(painted.set)
        await painted.wait()
        times.append(time.perf_counter() - start)
        await asyncio.sleep(0.05)  # a learner's pace, not a key storm
    return times


def key_latency(epochs: int = 2_000_000, keys: int = 40) -> dict[str, float]:
    """Median seconds per key while training and once stopped; the stop's latency and epoch."""

    async def run() -> dict[str, float]:
        scenario = load("toy-backprop").with_training(epochs=epochs, gradients=("chain-rule",))
        app = create_app(scenario)
        async with app.run_test(size=(120, 40)) as pilot:
            while not (len(app.screen_stack) > 1 and app.screen.is_mounted and app.screen.view() is not None):
                await asyncio.sleep(0.01)
            screen = app.screen
            await asyncio.sleep(0.5)  # training well under way
            busy = await _press_times(pilot, keys)
            assert screen.training, f"the run ended before the keys were timed: {screen.failure or 'use more epochs'}"
            start = time.perf_counter()
            await pilot.press("x")
            while screen.training:
                await asyncio.sleep(0.001)
            stop = time.perf_counter() - start
            reached = screen.session.runs[0].epochs_done
            await pilot.pause()
            idle = await _press_times(pilot, keys)
            return {
                "busy": statistics.median(busy), "idle": statistics.median(idle),
                "stop": stop, "reached": reached,
            }

    return asyncio.run(run())
