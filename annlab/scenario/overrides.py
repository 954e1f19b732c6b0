"""Changes a learner asks for on top of a scenario file (``--epochs``, ``--lr``; the app's
settings dialog): checked here once, in the same words wherever they are typed."""

from __future__ import annotations

import math

from annlab.language import _
from annlab.scenario.loader import MAX_EPOCHS


class OverrideError(ValueError):
    """A value typed on the command line or in the settings dialog that annlab refuses."""


def parse_epochs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise OverrideError(_("found {value!r}; expected a whole number of epochs").format(value=text)) from None
    if not 1 <= value <= MAX_EPOCHS:
        # The loader's words for training.epochs.
        raise OverrideError(_("found {value}; expected {low} to {high}").format(value=value, low=1, high=f"{MAX_EPOCHS:,}"))
    return value


def parse_learning_rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise OverrideError(_("found {value!r}; expected a number").format(value=text)) from None
    if not (math.isfinite(value) and value > 0):
        raise OverrideError(_("found {value}; expected a finite number > 0").format(value=text))
    return value


def parse_batch_size(text: str, rows: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise OverrideError(_("found {value!r}; expected a whole number: 0 (full batch) to {rows} (the number of data points)").format(value=text, rows=rows)) from None
    if not 0 <= value <= rows:
        # The loader's words for training.batch_size.
        raise OverrideError(_("found {value}; expected 0 (full batch) to {rows} (the number of data points)").format(value=value, rows=rows))
    return value


def parse_numbers(text: str, count: int, what: str) -> list[float]:
    """A row typed as comma-separated numbers (the softmax table's editor): ``count`` of them."""
    parts = [part.strip() for part in text.replace(";", ",").split(",")]
    if not any(parts):
        raise OverrideError(_("is empty; expected {count} {what}, separated by commas").format(count=count, what=what))
    values = []
    for part in parts:
        try:
            values.append(float(part))
        except ValueError:
            raise OverrideError(_("found {value!r}; expected {count} {what}, separated by commas").format(value=part, count=count, what=what)) from None
    if len(values) != count:
        # The loader's words for a row of the wrong length.
        raise OverrideError(_("found {found} values; expected {count} {what}").format(found=len(values), count=count, what=what))
    return values
