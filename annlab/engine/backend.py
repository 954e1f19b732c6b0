"""Where the arrays live: NumPy on the CPU or CuPy on a GPU, chosen once per run.

This is the only module that imports CuPy, and only when asked. "Importable" is not
"usable": on a machine without a driver ``import cupy`` works and the first allocation fails,
so a GPU counts as usable only after a real allocation and a kernel have run on it.

``auto`` predicts how long one epoch would take on each and picks CuPy only for a clear win
(at least ``GPU_CLEAR_WIN`` times faster), before importing CuPy at all: the chapter's networks
never pay CuPy's import, nor its probe. The cost model, per training step (µs):

    NumPy ≈ 34 + 1.5e-3 per parameter + MACs / 630,000 + 6.3e-3 per value
    CuPy  ≈ 1,000 (kernel launches) + 1.7e-4 per parameter + MACs / 28,000,000

and an epoch costs steps_per_epoch such steps. MACs are the step's multiply-adds (forward and
backward ≈ 3 forwards); values are the activations the step computes (batch × units after the
input): NumPy spends as long applying a sigmoid to them as multiplying, and a GPU nothing.
The NumPy constants and CuPy's slopes are a least-squares fit (relative error) to the bare
training steps measured on an H200 and its 16-core host (float32; table in docs/benchmarks.md,
the fit within 0.5–1.4x of every measurement but one). CuPy's floor is not the bare step's
~480 µs but what annlab's Trainer measured there, 0.84–1.47 ms for steps whose arithmetic is
negligible: the Trainer launches more kernels per step (its loss, the flat parameter copy).
So a mini-batch of a few hundred points (784-256-10 at batch 256: ~1.0 ms against ~1.0 ms)
stays on NumPy, and launch-bound many-small-step epochs with it, while the 10,000-point
spiral at full batch (~8.5 ms against ~1.0 ms) goes to the GPU.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Iterable

import numpy as np

from annlab.errors import BackendError

BACKENDS = ("auto", "numpy", "cupy")

# The cost model's constants (module docstring; the fit is in docs/benchmarks.md).
NUMPY_US_PER_STEP = 34.0  # Python and NumPy call overhead of a step (measured 34–49 µs for 1 or 2 layers)
NUMPY_US_PER_PARAMETER = 1.5e-3  # gradient arrays and the update touch every parameter
NUMPY_MACS_PER_US = 630_000  # BLAS on 16 cores, float32
NUMPY_US_PER_VALUE = 6.3e-3  # activation, its derivative and the error term, per value
CUPY_STEP_FLOOR_US = 1_000.0  # kernel launches of one Trainer step, whatever its size
CUPY_US_PER_PARAMETER = 1.7e-4
CUPY_MACS_PER_US = 28_000_000
# The GPU must be predicted this many times faster: the model is within about 1.5x of the
# measurements, and a wrong CuPy choice also pays CuPy's import and probe (~0.3 s).
GPU_CLEAR_WIN = 1.5


@dataclass(frozen=True)
class Workload:
    """What one epoch of one kind of run asks of the arrays (``annlab.engine.runner`` counts it)."""

    runs: int  # runs of this kind (one per learning rate; a sweep trains its rates as one)
    steps_per_epoch: int  # mini-batches per epoch (1 for a full batch)
    parameters: int  # parameter values one step reads and writes (every stacked copy)
    multiply_adds: int  # one step's multiply-adds
    values: int  # one step's activations (elementwise work)

    def numpy_us(self) -> float:
        step = (NUMPY_US_PER_STEP + self.parameters * NUMPY_US_PER_PARAMETER
                + self.multiply_adds / NUMPY_MACS_PER_US + self.values * NUMPY_US_PER_VALUE)
        return self.runs * self.steps_per_epoch * step

    def cupy_us(self) -> float:
        step = CUPY_STEP_FLOOR_US + self.parameters * CUPY_US_PER_PARAMETER + self.multiply_adds / CUPY_MACS_PER_US
        return self.runs * self.steps_per_epoch * step


@dataclass(frozen=True)
class Prediction:
    """Predicted time of one epoch (of every run) on each backend, in µs."""

    numpy_us: float
    cupy_us: float
    steps_per_epoch: int
    runs: int = 1

    @property
    def gpu_speedup(self) -> float:
        return self.numpy_us / self.cupy_us

    @property
    def gpu_pays(self) -> bool:
        return self.gpu_speedup >= GPU_CLEAR_WIN

    def in_words(self) -> str:
        """Short enough for the app's status line (one line at 120 columns, for one run of
        one step)."""
        numpy, cupy = _duration(self.numpy_us), _duration(self.cupy_us)
        steps = f"{self.steps_per_epoch:,} steps" if self.steps_per_epoch > 1 else ""
        if self.runs > 1:
            epoch = f"an epoch of its {self.runs} runs" + (f", {steps} each," if steps else "")
        else:
            epoch = f"an epoch of {steps}" if steps else "an epoch"
        if self.gpu_pays:
            return f"{_times(self.gpu_speedup)} faster ({epoch} takes about {cupy} on the GPU, {numpy} on NumPy)"
        if self.gpu_speedup < 0.5:
            return f"too small for a GPU to pay off ({epoch} takes about {numpy} on NumPy, {cupy} on a GPU)"
        return f"a GPU would not be clearly faster ({epoch} takes about {numpy} on NumPy, {cupy} on a GPU; auto wants {GPU_CLEAR_WIN:g}x)"


def predict(workloads: Iterable[Workload]) -> Prediction:
    workloads = tuple(workloads)
    return Prediction(
        sum(w.numpy_us() for w in workloads),
        sum(w.cupy_us() for w in workloads),
        max((w.steps_per_epoch for w in workloads), default=1),
        sum(w.runs for w in workloads) or 1,
    )


def _duration(us: float) -> str:
    """A time for a learner: 0.034 ms, 8.5 ms, 44 ms, 1.2 s."""
    if us < 1_000:
        return f"{us / 1_000:.2g} ms"
    if us < 10_000:
        return f"{us / 1_000:.1f} ms"
    if us < 1_000_000:
        return f"{us / 1_000:.0f} ms"
    return f"{us / 1_000_000:.1f} s"


def _times(ratio: float) -> str:
    return f"{ratio:.1f}x" if ratio < 10 else f"{ratio:.0f}x"


@dataclass(frozen=True)
class Backend:
    name: str  # "numpy" or "cupy"
    xp: Any
    reason: str  # why this backend, in words the status line can show
    requested: str = "auto"  # what the user asked for: a GPU fault mid-run falls back only under auto

    def to_host(self, array: Any) -> np.ndarray:
        return to_host(array)

    def synchronize(self) -> None:
        if self.name == "cupy":
            self.xp.cuda.get_current_stream().synchronize()


def to_host(array: Any) -> np.ndarray:
    """A NumPy copy of a NumPy or CuPy array (CuPy never converts implicitly)."""
    if type(array).__module__.startswith("cupy"):
        return array.get()
    return np.array(array, copy=True)


def probe_cupy() -> tuple[Any | None, str]:
    """CuPy if it can allocate and compute on a device here, else None and the reason."""
    try:
        cupy = importlib.import_module("cupy")
    except Exception as exc:  # ImportError, or a broken install raising anything at import
        return None, f"CuPy is not installed ({_first_line(exc)})"
    try:
        probe = cupy.arange(4, dtype=cupy.float32)
        total = float((probe * 2).sum())
        if total != 12.0:
            return None, f"the GPU computed 2·(0+1+2+3) = {total}, not 12"
    except Exception as exc:
        return None, f"CuPy is installed but no GPU is usable ({_first_line(exc)})"
    return cupy, "a GPU is usable"


def gpu_fault(exc: BaseException) -> str | None:
    """In words, if ``exc`` is the GPU failing (out of memory, a CUDA or cuBLAS error) rather
    than a bug; None otherwise. CuPy's OutOfMemoryError is a MemoryError; its other errors
    live in the ``cupy`` and ``cupy_backends`` modules (checked by name: no import needed)."""
    module = type(exc).__module__ or ""
    if isinstance(exc, MemoryError) or module.split(".")[0] in ("cupy", "cupy_backends"):
        return _first_line(exc)
    return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def numpy_backend(reason: str = "NumPy was asked for") -> Backend:
    return Backend("numpy", np, reason)


def select_backend(requested: str = "auto", workloads: Iterable[Workload] | None = None) -> Backend:
    """The backend to run on. ``requested`` is "numpy", "cupy" or "auto".

    ``cupy`` fails with BackendError when no GPU is usable; ``auto`` falls back to NumPy and
    says why. With ``workloads``, ``auto`` predicts an epoch's time on each backend and keeps
    the problem on the CPU, without even importing CuPy (a few tenths of a second), unless the
    GPU is predicted ``GPU_CLEAR_WIN`` times faster; without, it takes any usable GPU."""
    if requested == "numpy":
        return numpy_backend()
    if requested not in ("cupy", "auto"):
        raise BackendError(f"unknown backend {requested!r}; expected one of: {', '.join(BACKENDS)}")
    prediction = predict(workloads) if workloads is not None else None
    if requested == "auto" and prediction is not None and not prediction.gpu_pays:
        return numpy_backend(f"auto chose NumPy: {prediction.in_words()}")
    cupy, why = probe_cupy()
    if cupy is None:
        if requested == "cupy":
            raise BackendError(f"--backend cupy cannot run here: {why}")
        lost = f" (a GPU was predicted {_times(prediction.gpu_speedup)} faster here)" if prediction is not None else ""
        return numpy_backend(f"auto fell back to NumPy: {why}{lost}")
    if requested == "cupy":
        reason = "CuPy was asked for"
    elif prediction is not None:
        reason = f"auto chose CuPy: {prediction.in_words()}"
    else:
        reason = f"auto chose CuPy: {why}"
    return Backend("cupy", cupy, reason, requested)
