"""Where the arrays live: NumPy on the CPU or CuPy on a GPU, chosen once per run.

This is the only module that imports CuPy, and only when asked. "Importable" is not
"usable": on a machine without a driver ``import cupy`` works and the first allocation fails,
so a GPU counts as usable only after a real allocation and a kernel have run on it.

``auto`` also weighs the problem's size: a CuPy step costs ~0.5 ms of kernel launches whatever
the size (measured on an H200, see docs/benchmarks.md), so the GPU only pays once a training
step holds a few million multiply-adds. The chapter's 2-3-1 network never goes to the GPU.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from annlab.errors import BackendError

BACKENDS = ("auto", "numpy", "cupy")

# Multiply-adds per training step (forward + backward ≈ 3 forwards) above which `auto`
# prefers a usable GPU. From the H200 figures (STYLE.md, float32, µs per step NumPy / CuPy):
# the first network that the GPU wins by compute is 64-64-10 at batch 1024, 14 M per step
# (514 / 494), barely; every problem below 2.4 M (the chapter's 2-3-1 at any batch, 64-64-10
# up to batch 64) runs 2 to 20 times faster on NumPy. 10 M keeps everything that is not
# clearly a GPU job on the CPU, so `auto` never makes the chapter's scenarios slower.
GPU_WORTHWHILE_MACS = 10_000_000


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


def select_backend(requested: str = "auto", macs_per_step: int | None = None) -> Backend:
    """The backend to run on. ``requested`` is "numpy", "cupy" or "auto".

    ``cupy`` fails with BackendError when no GPU is usable; ``auto`` falls back to NumPy and
    says why. ``macs_per_step`` lets ``auto`` keep small problems on the CPU without even
    importing CuPy (which costs a few tenths of a second)."""
    if requested == "numpy":
        return numpy_backend()
    if requested not in ("cupy", "auto"):
        raise BackendError(f"unknown backend {requested!r}; expected one of: {', '.join(BACKENDS)}")
    if requested == "auto" and macs_per_step is not None and macs_per_step < GPU_WORTHWHILE_MACS:
        return numpy_backend(
            f"auto chose NumPy: {macs_per_step:,} multiply-adds per step is too small for a GPU "
            f"to pay off (below {GPU_WORTHWHILE_MACS:,})"
        )
    cupy, why = probe_cupy()
    if cupy is None:
        if requested == "cupy":
            raise BackendError(f"--backend cupy cannot run here: {why}")
        return numpy_backend(f"auto fell back to NumPy: {why}")
    reason = "CuPy was asked for" if requested == "cupy" else f"auto chose CuPy: {why}"
    return Backend("cupy", cupy, reason, requested)
