"""Start-up: `annlab play toy-backprop` against `python -c "import numpy"`, in fresh
processes, interleaved, best of N each; and which heavy modules the play path imports.

Two ways, because Python's bytecode cache decides a fifth of play's start-up here:

* ``cached=True``: both commands with bytecode cached, as any installed package runs (pip
  compiles a package's .py files when it installs them, NumPy's included). The cache goes to
  a temporary PYTHONPYCACHEPREFIX, so nothing is written into the repository.
* ``cached=False``: the environment as it is. Where PYTHONDONTWRITEBYTECODE=1 is set (this
  project's sandbox sets it), an editable annlab is compiled from source at every start,
  while NumPy, installed with its bytecode, is not.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

PLAY = [sys.executable, "-m", "annlab", "play", "toy-backprop"]
NUMPY = [sys.executable, "-c", "import numpy"]


def best_seconds(repeats: int = 7, cached: bool = False) -> tuple[float, float]:
    with tempfile.TemporaryDirectory(prefix="annlab-pycache-") as prefix:
        env = dict(os.environ)
        if cached:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = prefix
            for cmd in (NUMPY, PLAY):  # write the cache once
                subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True, env=env)
        best = {"play": float("inf"), "numpy": float("inf")}
        for _ in range(repeats):
            for name, cmd in (("numpy", NUMPY), ("play", PLAY)):
                start = time.perf_counter()
                subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True, env=env)
                best[name] = min(best[name], time.perf_counter() - start)
    return best["play"], best["numpy"]


def bytecode_written() -> bool:
    """False where this environment keeps Python from caching annlab's bytecode."""
    return not os.environ.get("PYTHONDONTWRITEBYTECODE")


def heavy_imports() -> list[str]:
    """Top-level packages among {cupy, textual, rich, plotext, torch} that play imports."""
    code = (
        "import io, contextlib, sys, json\nfrom annlab.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n    main(['play', 'toy-backprop'])\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return sorted(set(json.loads(out.stdout.strip().splitlines()[-1])) & {"cupy", "textual", "rich", "plotext", "torch"})
