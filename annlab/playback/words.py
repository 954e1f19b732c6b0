"""The words for annlab's messages (``annlab.messages``): one function per code.

Every sentence a learner reads about what the engine did is made here, from the code and its
values, in the interface language: each function fills a gettext template (``_``/``ngettext``
from ``annlab.language``), so Chinese is the same function with the catalogue's templates.
Numbers are formatted here (``num``), outside the templates, and keep "." in every language.
"""

from __future__ import annotations

from typing import Any, Callable

from annlab.language import N_, _
from annlab.messages import Message
from annlab.playback.numbers import num
from annlab.trace import Divergence


def _range(v: dict[str, Any]) -> str:
    return _("{dtype}'s range (±{limit})").format(dtype=v["dtype"], limit=num(v["limit"], 2))


# One sentence per kind of parameter: "weight"/"bias" is a code, and a language may need to
# move or change the word around it.
_PUSHED_PAST = {
    "weight": N_("the update pushed weight {parameter} past {range}"),
    "bias": N_("the update pushed bias {parameter} past {range}"),
}


def _overflowed(v: dict[str, Any]) -> str:
    return _(_PUSHED_PAST[v["kind"]]).format(parameter=v["parameter"], range=_range(v))


def _loss_nan(v: dict[str, Any]) -> str:
    if "parameter" in v:
        return _("the loss became NaN ({why})").format(why=_overflowed(v))
    return _("the loss became NaN (inf − inf: the predictions overflowed)")


def _loss_inf(v: dict[str, Any]) -> str:
    if "parameter" in v:
        return _("the loss overflowed to inf ({why})").format(why=_overflowed(v))
    return _("the loss overflowed to inf (the predictions grew past the float range)")


def _where(v: dict[str, Any]) -> str:
    where = v["where"].as_dict()
    epoch = f"{where['epoch']:,}"
    if where["runs"] > 1:
        return _("in epoch {epoch} of run {run} of {runs}").format(epoch=epoch, run=where["run"], runs=where["runs"])
    return _("in epoch {epoch}").format(epoch=epoch)


def _stuck(v: dict[str, Any]) -> str:
    return _(
        "{parameter} is stuck at {value} from epoch {epoch}: {dtype} numbers near it are {spacing} apart, "
        "so {value} + {step} rounds back to {value}, the loss does not change, the finite-difference "
        "gradient is 0 and the update does nothing."
    ).format(parameter=v["parameter"], value=num(v["value"], 7), epoch=f"{v['epoch']:,}", dtype=v["dtype"],
             spacing=num(v["spacing"], 3), step=num(v["step"]))


def _duration(us: float) -> str:
    """A time for a learner: 0.034 ms, 8.5 ms, 44 ms, 1.2 s (units are symbols)."""
    if us < 1_000:
        return f"{us / 1_000:.2g} ms"
    if us < 10_000:
        return f"{us / 1_000:.1f} ms"
    if us < 1_000_000:
        return f"{us / 1_000:.0f} ms"
    return f"{us / 1_000_000:.1f} s"


def _times(ratio: float) -> str:
    return f"{ratio:.1f}x" if ratio < 10 else f"{ratio:.0f}x"


def _epoch_of(v: dict[str, Any]) -> str:
    """What one epoch is, for the prediction: its runs and its steps."""
    steps, runs = v["steps"], v["runs"]
    if runs > 1 and steps > 1:
        return _("an epoch of its {runs} runs, {steps} steps each,").format(runs=runs, steps=f"{steps:,}")
    if runs > 1:
        return _("an epoch of its {runs} runs").format(runs=runs)
    if steps > 1:
        return _("an epoch of {steps} steps").format(steps=f"{steps:,}")
    return _("an epoch")


def _prediction(v: dict[str, Any]) -> str:
    """Short enough for the app's status line (one line at 120 columns, for one run of one step)."""
    times = {"epoch": _epoch_of(v), "numpy": _duration(v["numpy_us"]), "cupy": _duration(v["cupy_us"])}
    if v["pays"]:
        return _("{speedup} faster ({epoch} takes about {cupy} on the GPU, {numpy} on NumPy)").format(
            speedup=_times(v["speedup"]), **times)
    if v["speedup"] < 0.5:
        return _("too small for a GPU to pay off ({epoch} takes about {numpy} on NumPy, {cupy} on a GPU)").format(**times)
    return _("a GPU would not be clearly faster ({epoch} takes about {numpy} on NumPy, {cupy} on a GPU; "
             "auto wants {clear_win})").format(clear_win=f"{v['clear_win']:g}x", **times)


def _fell_back(v: dict[str, Any]) -> str:
    if v.get("speedup") is not None:
        return _("auto fell back to NumPy: {why} (a GPU was predicted {speedup} faster here)").format(
            why=say(v["why"]), speedup=_times(v["speedup"]))
    return _("auto fell back to NumPy: {why}").format(why=say(v["why"]))


def _chose_cupy(v: dict[str, Any]) -> str:
    return _("auto chose CuPy: {why}").format(why=say(v["prediction"]) if "prediction" in v else say(v["why"]))


WORDS: dict[str, Callable[[dict[str, Any]], str]] = {
    "numpy-asked": lambda v: _("NumPy was asked for"),
    "cupy-asked": lambda v: _("CuPy was asked for"),
    "prediction": _prediction,
    "auto-chose-numpy": lambda v: _("auto chose NumPy: {why}").format(why=say(v["prediction"])),
    "auto-chose-cupy": _chose_cupy,
    "auto-fell-back": _fell_back,
    "cupy-missing": lambda v: _("CuPy is not installed ({error})").format(error=v["error"]),
    "gpu-miscomputed": lambda v: _("the GPU computed 2·(0+1+2+3) = {total}, not 12").format(total=v["total"]),
    "gpu-unusable": lambda v: _("CuPy is installed but no GPU is usable ({error})").format(error=v["error"]),
    "gpu-usable": lambda v: _("a GPU is usable"),
    "cupy-unavailable": lambda v: _("--backend cupy cannot run here: {why}").format(why=say(v["why"])),
    "unknown-backend": lambda v: _("unknown backend {requested}; expected one of: {choices}").format(
        requested=repr(v["requested"]), choices=", ".join(v["choices"])),
    "parameter-overflow": _overflowed,
    "loss-nan": _loss_nan,
    "loss-inf": _loss_inf,
    "stuck": _stuck,
    "weights-from-file": lambda v: _("weights from the file"),
    "weights-initialised": lambda v: _("{init} initialisation, seed {seed}").format(init=v["init"], seed=v["seed"]),
    "fell-back": lambda v: _("auto fell back to NumPy: the GPU failed {where} ({fault}); the run restarted on the "
                             "CPU from the same initial weights").format(where=_where(v), fault=v["fault"]),
    "cupy-failed": lambda v: _("--backend cupy failed {where}: the GPU reported {fault}; try --backend numpy").format(
        where=_where(v), fault=v["fault"]),
}


def say(message: Message | str) -> str:
    """The message in the interface language (an exception's own text passes through)."""
    if isinstance(message, str):
        return message
    return WORDS[message.code](message.as_dict())


def diverged(divergence: Divergence) -> str:
    return _("diverged at epoch {epoch}: {why}").format(epoch=f"{divergence.epoch:,}", why=say(divergence.reason))


def as_json(message: Message | str) -> dict[str, Any]:
    """A message for the JSON trace: its code and values (the same in every language), and its
    words in the interface language."""
    if isinstance(message, str):
        return {"code": None, "text": message}
    values = {k: (as_json(v) if isinstance(v, Message) else v) for k, v in message.values}
    return {"code": message.code, **values, "text": say(message)}
