"""The English words for annlab's messages (``annlab.messages``): one function per code.

Every sentence a learner reads about what the engine did is made here, from the code and its
values, so that another interface language is a second table of the same codes.
"""

from __future__ import annotations

from typing import Any, Callable

from annlab.messages import Message
from annlab.playback.numbers import num
from annlab.trace import Divergence


def _range(v: dict[str, Any]) -> str:
    return f"{v['dtype']}'s range (±{num(v['limit'], 2)})"


def _overflowed(v: dict[str, Any]) -> str:
    return f"the update pushed {v['kind']} {v['parameter']} past {_range(v)}"


def _loss_nan(v: dict[str, Any]) -> str:
    why = f"({_overflowed(v)})" if "parameter" in v else "(inf − inf: the predictions overflowed)"
    return f"the loss became NaN {why}"


def _loss_inf(v: dict[str, Any]) -> str:
    why = f"({_overflowed(v)})" if "parameter" in v else "(the predictions grew past the float range)"
    return f"the loss overflowed to inf {why}"


def _where(v: dict[str, Any]) -> str:
    where = v["where"].as_dict()
    text = f"in epoch {where['epoch']:,}"
    return text + (f" of run {where['run']} of {where['runs']}" if where["runs"] > 1 else "")


def _stuck(v: dict[str, Any]) -> str:
    value = num(v["value"], 7)
    return (
        f"{v['parameter']} is stuck at {value} from epoch {v['epoch']:,}: {v['dtype']} numbers near it are "
        f"{num(v['spacing'], 3)} apart, so {value} + {num(v['step'])} rounds back to {value}, the loss "
        f"does not change, the finite-difference gradient is 0 and the update does nothing."
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


def _prediction(v: dict[str, Any]) -> str:
    """Short enough for the app's status line (one line at 120 columns, for one run of one step)."""
    numpy, cupy = _duration(v["numpy_us"]), _duration(v["cupy_us"])
    steps = f"{v['steps']:,} steps" if v["steps"] > 1 else ""
    if v["runs"] > 1:
        epoch = f"an epoch of its {v['runs']} runs" + (f", {steps} each," if steps else "")
    else:
        epoch = f"an epoch of {steps}" if steps else "an epoch"
    if v["pays"]:
        return f"{_times(v['speedup'])} faster ({epoch} takes about {cupy} on the GPU, {numpy} on NumPy)"
    if v["speedup"] < 0.5:
        return f"too small for a GPU to pay off ({epoch} takes about {numpy} on NumPy, {cupy} on a GPU)"
    return f"a GPU would not be clearly faster ({epoch} takes about {numpy} on NumPy, {cupy} on a GPU; auto wants {v['clear_win']:g}x)"


def _fell_back(v: dict[str, Any]) -> str:
    lost = f" (a GPU was predicted {_times(v['speedup'])} faster here)" if v.get("speedup") is not None else ""
    return f"auto fell back to NumPy: {say(v['why'])}{lost}"


def _chose_cupy(v: dict[str, Any]) -> str:
    return "auto chose CuPy: " + (say(v["prediction"]) if "prediction" in v else say(v["why"]))


ENGLISH: dict[str, Callable[[dict[str, Any]], str]] = {
    "numpy-asked": lambda v: "NumPy was asked for",
    "cupy-asked": lambda v: "CuPy was asked for",
    "prediction": _prediction,
    "auto-chose-numpy": lambda v: f"auto chose NumPy: {say(v['prediction'])}",
    "auto-chose-cupy": _chose_cupy,
    "auto-fell-back": _fell_back,
    "cupy-missing": lambda v: f"CuPy is not installed ({v['error']})",
    "gpu-miscomputed": lambda v: f"the GPU computed 2·(0+1+2+3) = {v['total']}, not 12",
    "gpu-unusable": lambda v: f"CuPy is installed but no GPU is usable ({v['error']})",
    "gpu-usable": lambda v: "a GPU is usable",
    "cupy-unavailable": lambda v: f"--backend cupy cannot run here: {say(v['why'])}",
    "unknown-backend": lambda v: f"unknown backend {v['requested']!r}; expected one of: {', '.join(v['choices'])}",
    "parameter-overflow": _overflowed,
    "loss-nan": _loss_nan,
    "loss-inf": _loss_inf,
    "stuck": _stuck,
    "fell-back": lambda v: f"auto fell back to NumPy: the GPU failed {_where(v)} ({v['fault']}); the run restarted on the CPU from the same initial weights",
    "cupy-failed": lambda v: f"--backend cupy failed {_where(v)}: the GPU reported {v['fault']}; try --backend numpy",
}


def say(message: Message | str) -> str:
    """The message in English (an exception's own text passes through)."""
    if isinstance(message, str):
        return message
    return ENGLISH[message.code](message.as_dict())


def diverged(divergence: Divergence) -> str:
    return f"diverged at epoch {divergence.epoch:,}: {say(divergence.reason)}"


def as_json(message: Message | str) -> dict[str, Any]:
    """A message for the JSON trace: its code and values, and the English words."""
    if isinstance(message, str):
        return {"code": None, "text": message}
    values = {k: (as_json(v) if isinstance(v, Message) else v) for k, v in message.values}
    return {"code": message.code, **values, "text": say(message)}
