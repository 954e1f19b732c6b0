"""Memory stays flat: a million-epoch toy run and a 100-epoch 784-1024-10 run, each in a
fresh process, stay under 300 MB resident, keep every loss and sample the weights."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

LIMIT_MB = 300


def _measure(case: str, epochs: int) -> dict:
    out = subprocess.run([sys.executable, "-m", "benchmarks.memory", case, str(epochs)], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_million_epoch_toy_run_stays_under_300_mb():
    m = _measure("toy", 1_000_000)
    assert m["epochs"] == m["losses_kept"] == 1_000_000
    assert m["record_stride"] > 1 and m["records"] <= 1_000_000 // m["record_stride"] + 3
    assert m["peak_mb"] < LIMIT_MB, m


def test_a_wide_network_run_stays_under_300_mb():
    m = _measure("wide", 100)
    assert m["epochs"] == m["losses_kept"] == 100
    assert m["peak_mb"] < LIMIT_MB, m


def test_the_probe_sees_memory_grow():
    """The measurement can fail: holding 400 MB shows up as more than 300 MB."""
    code = (
        "import numpy as np, json\nfrom benchmarks.memory import _peak_kb\n"
        "a = np.ones(50_000_000)\nprint(json.dumps({'peak_mb': _peak_kb() / 1024}))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout)["peak_mb"] > LIMIT_MB
