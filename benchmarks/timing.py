"""Side-by-side timing: interleave the contenders, keep each one's best of several repeats."""

from __future__ import annotations

import time
from typing import Callable


def best_times(contenders: dict[str, Callable[[], object]], repeats: int = 5, warmup: int = 1) -> dict[str, float]:
    """Seconds per call of each contender, the minimum over ``repeats`` interleaved rounds
    (the minimum is the least disturbed by other work on a shared machine)."""
    for fn in contenders.values():
        for _ in range(warmup):
            fn()
    best = {name: float("inf") for name in contenders}
    for _ in range(repeats):
        for name, fn in contenders.items():
            start = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - start)
    return best
