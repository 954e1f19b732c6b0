"""Peak resident memory of two long runs, each in a fresh interpreter (VmHWM).

    python -m benchmarks.memory toy 1000000      # the chapter's toy network, 1,000,000 epochs
    python -m benchmarks.memory wide 100          # 784-1024-10, 100 epochs

prints one JSON line: peak MB, epochs run, records kept, record stride.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys


def measure(case: str, epochs: int) -> dict:
    """Run ``case`` in a subprocess and return what it printed (peak_mb and friends)."""
    out = subprocess.run([sys.executable, "-m", "benchmarks.memory", case, str(epochs)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _run(case: str, epochs: int) -> dict:
    from annlab.engine.backend import numpy_backend
    from annlab.training.runner import run_scenario

    if case == "toy":
        from annlab.scenario.bundled import resolve
        from annlab.scenario.loader import load_scenario

        scenario = load_scenario(resolve("toy-backprop")).with_training(epochs=epochs)
    else:
        from benchmarks.cases import network_case

        scenario = network_case((784, 1024, 10), 256, 256, epochs, dtype="float32")
    trace = run_scenario(scenario, numpy_backend())
    run = trace.runs[0]
    peak_kb = _peak_kb()
    return {"case": case, "epochs": run.epochs_run, "losses_kept": int(run.losses.size), "records": len(run.records),
            "record_stride": run.record_stride, "peak_mb": round(peak_kb / 1024, 1)}


def _peak_kb() -> int:
    """This process's resident high-water mark. /proc's VmHWM belongs to the process image,
    so it starts afresh at exec; ru_maxrss does not (it carries the parent's peak over)."""
    try:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


if __name__ == "__main__":
    print(json.dumps(_run(sys.argv[1], int(sys.argv[2]))))
