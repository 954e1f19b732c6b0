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


def parse_numbers(text: str, count: int, what: str) -> list[float]:
    """A row typed as comma-separated numbers (the softmax table's editor): ``count`` of them."""
    parts = [part.strip() for part in text.replace(";", ",").split(",")]
    if not any(parts):
        raise OverrideError(f"is empty; expected {count} {what}, separated by commas")
    values = []
    for part in parts:
        try:
            values.append(float(part))
        except ValueError:
            raise OverrideError(f"found {part!r}; expected {count} {what}, separated by commas") from None
    if len(values) != count:
        # The loader's words for a row of the wrong length.
        raise OverrideError(f"found {len(values)} values; expected {count} {what}")
    return values
