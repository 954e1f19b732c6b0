"""How numbers are written for learners: enough digits to check by hand (at least 4
significant), no noise, and words for what is not a number."""

from __future__ import annotations

import math

import numpy as np

from annlab.language import _, ngettext

BARS = "▁▂▃▄▅▆▇█"


def num(value: float, digits: int = 5) -> str:
    v = float(value)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v == 0:
        return "0"
    text = f"{v:.{digits}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return f"{mantissa}e{int(exponent)}"
    return text


def _scientific(value: float, digits: int) -> str:
    mantissa, exponent = f"{value:.{digits - 1}e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def fit(value: float, width: int, digits: int = 5) -> str:
    """``value`` in at most ``width`` characters, never cut: the most significant digits (up to
    ``digits``) that fit, in plain or scientific notation, whichever keeps more. Where even one
    digit and its exponent do not fit, the shortest form is returned whole: the layout must make
    room for it (a number is never followed by "…").

    5.6006e-4 in 7 characters is "5.60e-4", not "0.00056…"; 1234.5678 in 4 is "1235", in 3 "1e3".
    """
    v = float(value)
    if not math.isfinite(v) or v == 0:
        return num(v)
    shortest = _scientific(v, 1)
    for d in range(max(digits, 1), 0, -1):
        for text in (num(v, d), _scientific(v, d)):
            if len(text) <= width:
                return text
    return shortest


def difference_digits(a: float, b: float) -> int:
    """Significant digits that show two close numbers far enough apart to read their
    difference to 4 digits (loss 0.33455009 and loss_plus 0.33455437, not 0.33455 twice)."""
    gap = abs(b - a)
    if gap == 0 or not math.isfinite(gap):
        return 6
    ratio = max(abs(a), abs(b)) / gap
    if not math.isfinite(ratio):  # a gap of a few subnormals: every digit there is
        return 17
    return int(min(17, max(6, math.ceil(math.log10(ratio)) + 4)))


def signed(value: float, digits: int = 5) -> str:
    """A number ready to sit after an operator: negatives in brackets."""
    text = num(value, digits)
    return f"({text})" if text.startswith("-") else text


def vector(values: np.ndarray, digits: int = 5, limit: int = 8) -> str:
    flat = np.asarray(values).reshape(-1)
    shown = ", ".join(num(v, digits) for v in flat[:limit])
    more = ", " + _("… {n} more").format(n=flat.size - limit) if flat.size > limit else ""
    return f"[{shown}{more}]"


def matrix(values: np.ndarray, digits: int = 5, limit: int = 6) -> str:
    array = np.asarray(values)
    if array.ndim < 2:
        return vector(array, digits, limit)
    rows = [vector(row, digits, limit) for row in array[:limit]]
    hidden = array.shape[0] - limit
    more = ", " + ngettext("… {n} more row", "… {n} more rows", hidden).format(n=hidden) if hidden > 0 else ""
    return "[" + ", ".join(rows) + more + "]"


def sparkline(values: np.ndarray, width: int = 60) -> tuple[str, str]:
    """A one-line chart of ``values`` (log10 when they span over two decades) and its scale."""
    data = np.asarray(values, dtype=np.float64)
    data = data[np.isfinite(data)]
    if data.size == 0:
        return "", _("no finite values")
    first, last = float(data[0]), float(data[-1])
    if data.size > width:
        edges = np.linspace(0, data.size, width + 1).astype(int)
        data = np.array([data[a:b].mean() for a, b in zip(edges, edges[1:])])
    log = bool(data.min() > 0 and data.max() / data.min() > 100)
    shown = np.log10(data) if log else data
    low, high = float(shown.min()), float(shown.max())
    span = high - low or 1.0
    line = "".join(BARS[int(round((v - low) / span * (len(BARS) - 1)))] for v in shown)
    ends = {"first": num(first, 4), "last": num(last, 4)}
    scale = (_("from {first} to {last} (log scale)") if log else _("from {first} to {last}")).format(**ends)
    return line, scale
