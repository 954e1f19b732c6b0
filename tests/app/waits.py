"""Waiting in app tests: on a condition, never for a fixed time (a slow machine must not fail
a test, and a fast one should not idle)."""

from __future__ import annotations

import asyncio
import time
from typing import Callable


async def wait_until(pilot, condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    """Let the app run until ``condition()`` holds; fail naming ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:g} s for {what}")
        await asyncio.sleep(0.01)
        await pilot.pause()
