"""GPU faults, simulated without a GPU: CuPy missing, CuPy importable but no driver, an
allocation that fails, a GPU that computes wrong, and out of memory in the middle of a run.

``auto`` falls back to NumPy and says why (``play``'s Backend line, ``Trace.backend_reason``);
``--backend cupy`` fails with one line and exit 2. The fake CuPy below is NumPy dressed up:
it is put in ``sys.modules["cupy"]``, which is where ``importlib.import_module`` looks first.
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import numpy as np
import pytest

from annlab import cli
from annlab.engine import backend as backend_module
from annlab.engine.backend import Backend, numpy_backend, probe_cupy, select_backend
from annlab.playback.words import say
from annlab.training.runner import choose_backend, run_scenario
from annlab.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent


# CuPy's exception classes, by module and name (what annlab recognises without importing CuPy).
class OutOfMemoryError(MemoryError):
    pass


OutOfMemoryError.__module__ = "cupy.cuda.memory"


class CUDARuntimeError(RuntimeError):
    pass


CUDARuntimeError.__module__ = "cupy_backends.cuda.api.runtime"


class FakeCupy(types.ModuleType):
    """NumPy under CuPy's name, with a fault: ``on_arange`` raises at the first allocation (the
    probe's), ``matmuls_before_oom`` lets that many matrix products run and then raises CuPy's
    OutOfMemoryError, ``wrong`` makes the probe's arithmetic come out wrong."""

    def __init__(self, on_arange: Exception | None = None, matmuls_before_oom: int | None = None, wrong: bool = False):
        super().__init__("cupy")
        self._on_arange = on_arange
        self._matmuls_left = matmuls_before_oom
        self._wrong = wrong
        self.cuda = types.SimpleNamespace(get_current_stream=lambda: types.SimpleNamespace(synchronize=lambda: None))

    def arange(self, *args, **kwargs):
        if self._on_arange is not None:
            raise self._on_arange
        values = np.arange(*args, **kwargs)
        return values + 1 if self._wrong else values

    matmuls = 0  # how many matrix products ran (to place a fault in a chosen epoch)

    def matmul(self, a, b, **kwargs):
        if self._matmuls_left is not None:
            if self._matmuls_left == 0:
                raise OutOfMemoryError("Out of memory allocating 1,073,741,824 bytes (allocated so far: 79,456,894,976 bytes).")
            self._matmuls_left -= 1
        self.matmuls += 1
        return np.matmul(a, b, **kwargs)

    def __getattr__(self, name: str):
        return getattr(np, name)


@pytest.fixture
def cupy_is(monkeypatch):
    """Install a (fake or absent) CuPy for one test."""

    def install(module) -> None:
        monkeypatch.setitem(sys.modules, "cupy", module)

    return install


def _main(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = cli.main(list(argv))
    return rc, out.getvalue(), err.getvalue()


@pytest.fixture
def big_scenario(scenario_path, monkeypatch) -> Path:
    """A scenario that `auto` considers worth a GPU: the win it asks for is lowered to 0
    (a scenario really worth it takes `play` minutes to narrate on 2 cores)."""
    monkeypatch.setattr(backend_module, "GPU_CLEAR_WIN", 0)
    return scenario_path("toy-backprop")


def test_auto_probes_the_gpu_only_for_a_predicted_win(cupy_is):
    cupy_is(None)
    # One full-batch step of 10,000 points through 2-64-64-3 (the benchmark's spiral), and
    # of one point through the chapter's 2-3-1.
    spiral = backend_module.Workload(1, 1, 4_419, 3 * 10_000 * 4_416, 10_000 * 131)
    toy = backend_module.Workload(1, 1, 13, 3 * 9, 4)
    big = select_backend("auto", [spiral])
    assert big.name == "numpy" and say(big.reason).startswith("auto fell back to NumPy: CuPy is not installed")
    assert say(big.reason).endswith("(a GPU was predicted 8.5x faster here)")
    small = select_backend("auto", [toy])
    assert small.name == "numpy" and "too small for a GPU" in say(small.reason)


FAULTS = {
    "cupy-missing": (None, "CuPy is not installed (ModuleNotFoundError"),
    "no-driver": (
        FakeCupy(on_arange=CUDARuntimeError("cudaErrorNoDevice: no CUDA-capable device is detected")),
        "CuPy is installed but no GPU is usable (CUDARuntimeError: cudaErrorNoDevice: no CUDA-capable device is detected)",
    ),
    "allocation-fails": (
        FakeCupy(on_arange=OutOfMemoryError("Out of memory allocating 512 bytes (allocated so far: 0 bytes).")),
        "no GPU is usable (OutOfMemoryError: Out of memory allocating 512 bytes",
    ),
    "wrong-arithmetic": (FakeCupy(wrong=True), "the GPU computed 2·(0+1+2+3) = 20.0, not 12"),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_the_probe_says_why_no_gpu_is_usable(cupy_is, fault):
    module, why = FAULTS[fault]
    cupy_is(module)
    cupy, reason = probe_cupy()
    assert cupy is None
    assert why in say(reason)


@pytest.mark.parametrize("fault", list(FAULTS))
def test_auto_falls_back_to_numpy_and_play_shows_the_reason(cupy_is, big_scenario, fault):
    module, why = FAULTS[fault]
    cupy_is(module)
    rc, out, err = _main("play", str(big_scenario))
    assert (rc, err) == (0, "")
    backend_line = next(line for line in out.splitlines() if line.startswith("Backend"))
    assert backend_line.startswith("Backend   numpy (auto fell back to NumPy: ")
    assert why in backend_line


@pytest.mark.parametrize("fault", list(FAULTS))
def test_backend_cupy_fails_with_one_line_and_exit_2(cupy_is, scenario_path, fault):
    module, why = FAULTS[fault]
    cupy_is(module)
    for name in ("toy-backprop", "softmax-table"):  # a training run and a table
        rc, out, err = _main("play", str(scenario_path(name)), "--backend", "cupy")
        assert rc == 2 and out == ""
        assert err.count("\n") == 1
        assert err.startswith("annlab: --backend cupy cannot run here: ") and why in err


def test_small_problems_never_probe_the_gpu(cupy_is, scenario_path):
    """`auto` keeps the chapter's 2-3-1 network on the CPU without touching CuPy at all: a
    CuPy that would fail the test if used is never reached."""
    cupy_is(FakeCupy(on_arange=AssertionError("auto probed the GPU for a tiny network")))
    backend = choose_backend(load_scenario(scenario_path("toy-backprop")), "auto")
    assert backend.name == "numpy" and "too small for a GPU" in say(backend.reason)


def _subprocess_with_cupy(setup: str, *argv: str) -> subprocess.CompletedProcess[str]:
    code = textwrap.dedent(f"""
        import sys
        import annlab.engine.backend
        annlab.engine.backend.GPU_CLEAR_WIN = 0  # let `auto` probe even the toy network
        {setup}
        from annlab.cli import main
        raise SystemExit(main({list(argv)!r}))
    """)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_a_real_process_without_cupy(big_scenario, scenario_path):
    hide = "sys.modules['cupy'] = None  # as if CuPy were not installed"
    result = _subprocess_with_cupy(hide, "play", str(scenario_path("toy-backprop")), "--backend", "cupy")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("annlab: --backend cupy cannot run here: CuPy is not installed")
    assert len(result.stderr.splitlines()) == 1
    result = _subprocess_with_cupy(hide, "play", str(big_scenario))
    assert result.returncode == 0 and result.stderr == ""
    assert "Backend   numpy (auto fell back to NumPy: CuPy is not installed" in result.stdout


# --- out of memory in the middle of a run --------------------------------------------------


def _fake_gpu(matmuls_before_oom: int, requested: str) -> Backend:
    return Backend("cupy", FakeCupy(matmuls_before_oom=matmuls_before_oom), "test: a GPU that runs out", requested)


def _matmuls_before_epoch(scenario, epoch: int) -> int:
    """How many matrix products run before the first run's ``epoch`` starts (counted, so the
    test does not depend on how the engine arranges its products)."""
    counts = []
    for epochs in (1, 2):
        fake = FakeCupy()
        run_scenario(scenario.with_training(epochs=epochs, gradients=scenario.training.gradients[:1]), Backend("cupy", fake, "count"))
        counts.append(fake.matmuls)
    # counts = setup + per_epoch·epochs + a final forward pass (Run.final_loss).
    per_epoch = counts[1] - counts[0]
    return counts[0] - per_epoch + per_epoch * (epoch - 1) - _final_forward(scenario)


def _final_forward(scenario) -> int:
    return len(scenario.network.activations)


def test_out_of_memory_mid_run_under_auto_restarts_on_numpy_from_the_same_weights(scenario_path):
    scenario = load_scenario(scenario_path("fd-vs-chain-rule")).with_training(epochs=20)
    reference = run_scenario(scenario, numpy_backend())
    # The first pass, then 12 good epochs of the first run; the 13th runs out of memory.
    gpu = _fake_gpu(_matmuls_before_epoch(scenario, 13), requested="auto")
    trace = run_scenario(scenario, gpu)
    assert trace.backend == "numpy"
    assert say(trace.backend_reason).startswith("auto fell back to NumPy: the GPU failed in epoch 13 of run 1 of 2 (OutOfMemoryError: Out of memory")
    assert "restarted on the CPU from the same initial weights" in say(trace.backend_reason)
    assert trace.notes[-1] == trace.backend_reason
    # The restart is the NumPy run exactly: same initial weights, same every loss.
    assert len(trace.runs) == len(reference.runs) == 2
    for run, ref in zip(trace.runs, reference.runs):
        np.testing.assert_array_equal(run.losses, ref.losses)
        for w, w_ref in zip(run.final_weights, ref.final_weights):
            np.testing.assert_array_equal(w, w_ref)


def test_out_of_memory_mid_run_with_backend_cupy_is_one_line_and_exit_2(monkeypatch, scenario_path):
    scenario = load_scenario(scenario_path("feed-forward")).with_training(epochs=10)
    before_4 = _matmuls_before_epoch(scenario, 4)
    # cli._play imports choose_backend from the runner at call time.
    monkeypatch.setattr("annlab.training.runner.choose_backend", lambda scenario, requested: _fake_gpu(before_4, requested))
    rc, out, err = _main("play", str(scenario_path("feed-forward")), "--backend", "cupy", "--epochs", "10")
    assert rc == 2 and out == ""
    assert err == (
        "annlab: --backend cupy failed in epoch 4: the GPU reported OutOfMemoryError: Out of memory allocating "
        "1,073,741,824 bytes (allocated so far: 79,456,894,976 bytes).; try --backend numpy\n"
    )


def test_a_bug_is_not_mistaken_for_a_gpu_fault(scenario_path):
    """Only GPU errors trigger the fallback; anything else must surface, not be papered over."""

    class Broken(FakeCupy):
        def matmul(self, a, b):
            raise ZeroDivisionError("a bug in the engine")

    scenario = load_scenario(scenario_path("feed-forward"))
    with pytest.raises(ZeroDivisionError):
        run_scenario(scenario, Backend("cupy", Broken(), "test", "auto"))


def test_select_backend_remembers_what_was_asked_for(cupy_is):
    cupy_is(FakeCupy())
    assert select_backend("cupy").requested == "cupy"
    assert select_backend("auto").requested == "auto"
    assert select_backend("auto").name == "cupy"  # the fake passes the probe
    assert backend_module.gpu_fault(OutOfMemoryError("x")) == "OutOfMemoryError: x"
    assert backend_module.gpu_fault(MemoryError()) == "MemoryError"
    assert backend_module.gpu_fault(ValueError("x")) is None


def test_host_out_of_memory_is_one_line(monkeypatch, scenario_path):
    def exhausted(*args, **kwargs):
        raise MemoryError("Unable to allocate 74.5 GiB for an array with shape (100000, 100000)")

    monkeypatch.setattr("annlab.training.runner.run_scenario", exhausted)
    rc, out, err = _main("play", str(scenario_path("toy-backprop")))
    assert rc == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith("annlab: out of memory (Unable to allocate 74.5 GiB")
