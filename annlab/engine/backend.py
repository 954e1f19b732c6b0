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
from annlab.messages import Message

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
    """What one epoch of one kind of run asks of the arrays (``annlab.training.runner`` counts it)."""

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

    def message(self) -> Message:
        """The prediction as data (the words: annlab.playback.words)."""
        return Message.of(
            "prediction", numpy_us=self.numpy_us, cupy_us=self.cupy_us, steps=self.steps_per_epoch,
            runs=self.runs, speedup=self.gpu_speedup, pays=self.gpu_pays, clear_win=GPU_CLEAR_WIN,
        )


def predict(workloads: Iterable[Workload]) -> Prediction:
    workloads = tuple(workloads)
    return Prediction(
        sum(w.numpy_us() for w in workloads),
        sum(w.cupy_us() for w in workloads),
        max((w.steps_per_epoch for w in workloads), default=1),
        sum(w.runs for w in workloads) or 1,
    )


@dataclass(frozen=True)
class Backend:
    name: str  # "numpy" or "cupy"
    xp: Any
    reason: Message  # why this backend (a code; the status line says it in words)
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


def probe_cupy() -> tuple[Any | None, Message]:
    """CuPy if it can allocate and compute on a device here, else None and the reason."""
    try:
        cupy = importlib.import_module("cupy")
    except Exception as exc:  # ImportError, or a broken install raising anything at import
        return None, Message.of("cupy-missing", error=_first_line(exc))
    try:
        probe = cupy.arange(4, dtype=cupy.float32)
        total = float((probe * 2).sum())
        if total != 12.0:
            return None, Message.of("gpu-miscomputed", total=total)
    except Exception as exc:
        return None, Message.of("gpu-unusable", error=_first_line(exc))
    return cupy, Message.of("gpu-usable")


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


def numpy_backend(reason: Message = Message.of("numpy-asked")) -> Backend:
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
        raise BackendError(Message.of("unknown-backend", requested=requested, choices=BACKENDS))
    prediction = predict(workloads) if workloads is not None else None
    if requested == "auto" and prediction is not None and not prediction.gpu_pays:
        return numpy_backend(Message.of("auto-chose-numpy", prediction=prediction.message()))
    cupy, why = probe_cupy()
    if cupy is None:
        if requested == "cupy":
            raise BackendError(Message.of("cupy-unavailable", why=why))
        lost = prediction.gpu_speedup if prediction is not None else None
        return numpy_backend(Message.of("auto-fell-back", why=why, speedup=lost))
    if requested == "cupy":
        reason = Message.of("cupy-asked")
    elif prediction is not None:
        reason = Message.of("auto-chose-cupy", prediction=prediction.message())
    else:
        reason = Message.of("auto-chose-cupy", why=why)
    return Backend("cupy", cupy, reason, requested)
