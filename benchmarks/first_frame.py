"""Start-up of the app: from launching a fresh Python process to the app's first frame.

The child builds the app as the command line does (load the scenario, choose the backend,
create the app), runs it headless at 120×40 with ``App.run_test()``, waits until the main
screen is mounted and one refresh has been painted, and writes one line; the parent times
from spawning it to reading that line. Best of N, interleaved with ``python -c "pass"`` so
that the interpreter's own start can be told apart.
"""

from __future__ import annotations

import subprocess
import sys
import time

CHILD = """
import asyncio, sys
from annlab.cli import load
from annlab.app import create_app

async def main():
    app = create_app(load(sys.argv[1]))
    async with app.run_test(size=(120, 40)) as pilot:
        while not (len(app.screen_stack) > 1 and app.screen.is_mounted):
            await asyncio.sleep(0.001)
        await pilot.pause()  # the first refresh of the main screen has been painted
        print("first frame", flush=True)
        app.exit()

asyncio.run(main())
"""


def _once(cmd: list[str]) -> float:
    start = time.perf_counter()
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as child:
        assert child.stdout is not None
        child.stdout.readline()
        elapsed = time.perf_counter() - start
        child.stdout.read()
    return elapsed


def first_frame_seconds(scenario: str = "toy-backprop", repeats: int = 5) -> tuple[float, float]:
    """(best seconds from spawn to first frame, best seconds of an empty Python start)."""
    frame = empty = float("inf")
    for _ in range(repeats):
        empty = min(empty, _once([sys.executable, "-c", "print(flush=True)"]))
        frame = min(frame, _once([sys.executable, "-c", CHILD, scenario]))
    return frame, empty
