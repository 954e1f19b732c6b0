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


ENGLISH: dict[str, Callable[[dict[str, Any]], str]] = {
    "parameter-overflow": _overflowed,
    "loss-nan": _loss_nan,
    "loss-inf": _loss_inf,
    "stuck": _stuck,
    "fell-back": lambda v: f"auto fell back to NumPy: the GPU failed {_where(v)} ({v['fault']}); the run restarted on the CPU from the same initial weights",
    "cupy-failed": lambda v: f"--backend cupy failed {_where(v)}: the GPU reported {v['fault']}; try --backend numpy",
}


def say(message: Message | str) -> str:
    """The message in English."""
    if isinstance(message, str):  # a reason not yet turned into a code (see annlab.engine.backend)
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
