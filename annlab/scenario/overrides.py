"""Changes a learner asks for on top of a scenario file (``--epochs``, ``--lr``; the app's
settings dialog): checked here once, in the same words wherever they are typed."""

from __future__ import annotations

import math

from annlab.scenario.loader import MAX_EPOCHS


class OverrideError(ValueError):
    """A value typed on the command line or in the settings dialog that annlab refuses."""


def parse_epochs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise OverrideError(f"found {text!r}; expected a whole number of epochs") from None
    if not 1 <= value <= MAX_EPOCHS:
        raise OverrideError(f"found {value}; expected 1 to {MAX_EPOCHS:,}")
    return value


def parse_learning_rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise OverrideError(f"found {text!r}; expected a number") from None
    if not (math.isfinite(value) and value > 0):
        raise OverrideError(f"found {text}; expected a finite number > 0")
    return value


def parse_batch_size(text: str, rows: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise OverrideError(f"found {text!r}; expected a whole number: 0 (full batch) to {rows} (the number of data points)") from None
    if not 0 <= value <= rows:
        # The loader's words for training.batch_size.
        raise OverrideError(f"found {value}; expected 0 (full batch) to {rows} (the number of data points)")
    return value
