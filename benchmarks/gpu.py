"""CuPy against NumPy, step for step, on the device machine (skips cleanly elsewhere).

One training step = ``Trainer._epoch`` on a full batch of the given size (forward, backward,
update, the epoch's bookkeeping), mean per step over a block of epochs inside a 100-epoch run (best of three blocks),
the GPU synchronised before the clock is read."""

from __future__ import annotations

import time

# name: (layer sizes, batch); the tiny ones are where the GPU is expected to lose.
GPU_CASES = {
    "2-3-1 (the chapter's toy), batch 1": ((2, 3, 1), 1),
    "1-1 (y = 3x), batch 4": ((1, 1), 4),
    "2-64-64-3 spiral, 10,000 points": ((2, 64, 64, 3), 10_000),
    "784-256-10, batch 256": ((784, 256, 10), 256),
    "784-1024-10, batch 4096": ((784, 1024, 10), 4096),
}


def step_seconds(backend, scenario, epochs: int) -> float:
    from annlab.training.trainer import Trainer

    # Inside a 100-epoch run, as a learner would start one: the Trainer then records every
    # few epochs (within its memory budget), not every one.
    trainer = Trainer(backend, scenario.with_training(epochs=100), 0.01)
    steps = trainer.epochs()
    for _ in range(3):
        next(steps)
    backend.synchronize()
    # One clock around a block of steps, synchronised once at the end: timing each step
    # alone would make the CPU wait for the GPU every step, which training itself avoids.
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(epochs):
            next(steps)
        backend.synchronize()
        best = min(best, (time.perf_counter() - start) / epochs)
    return best


def gpu_table(dtype: str = "float32") -> list[dict]:
    from annlab.engine.backend import numpy_backend, select_backend
    from annlab.training.runner import choose_backend
    from annlab.playback.words import say
    from benchmarks.cases import network_case

    cupy = select_backend("cupy")
    rows = []
    for name, (sizes, batch) in GPU_CASES.items():
        scenario = network_case(sizes, batch, batch, 10, dtype=dtype, activations=("sigmoid",) * (len(sizes) - 2) if len(sizes) == 3 and sizes[0] < 100 else None) if len(sizes) > 2 else network_case((2, 2), batch, batch, 10, dtype=dtype)
        epochs = 8 if batch >= 4096 else 20
        cpu = step_seconds(numpy_backend(), scenario, epochs)
        gpu = step_seconds(cupy, scenario, epochs)
        auto = choose_backend(scenario, "auto")
        rows.append({"case": name, "numpy_us": round(cpu * 1e6, 1), "cupy_us": round(gpu * 1e6, 1),
                     "speedup": round(cpu / gpu, 2), "auto": auto.name, "auto_reason": say(auto.reason)})
    return rows
