"""Start-up: `annlab play toy-backprop` against `python -c "import numpy"`, in fresh
processes, interleaved, best of N each; and which heavy modules the play path imports."""

from __future__ import annotations

import json
import subprocess
import sys
import time

PLAY = [sys.executable, "-m", "annlab", "play", "toy-backprop"]
NUMPY = [sys.executable, "-c", "import numpy"]


def best_seconds(repeats: int = 7) -> tuple[float, float]:
    best = {"play": float("inf"), "numpy": float("inf")}
    for _ in range(repeats):
        for name, cmd in (("numpy", NUMPY), ("play", PLAY)):
            start = time.perf_counter()
            subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
            best[name] = min(best[name], time.perf_counter() - start)
    return best["play"], best["numpy"]


def heavy_imports() -> list[str]:
    """Top-level packages among {cupy, textual, rich, plotext, torch} that play imports."""
    code = (
        "import io, contextlib, sys, json\nfrom annlab.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n    main(['play', 'toy-backprop'])\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return sorted(set(json.loads(out.stdout.strip().splitlines()[-1])) & {"cupy", "textual", "rich", "plotext", "torch"})
