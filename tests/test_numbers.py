"""Numbers on screen are never cut: ``fit`` drops digits, then switches to scientific
notation, and what it shows parses back to the true value within the precision it shows."""

from __future__ import annotations

import math
import re
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annlab.playback.numbers import fit

FINITE = st.floats(allow_nan=False, allow_infinity=False, width=64).filter(lambda v: v != 0)
# The shortest any number can be: one digit and its exponent, e.g. "-5e-324".
SHORTEST = len("-5e-324")


def _last_place(text: str) -> Decimal:
    """The value of one unit in the last shown digit: "0.00056" → 1e-5, "5.6e-4" → 1e-5, "1e3" → 1e3."""
    mantissa, _, exponent = text.partition("e")
    decimals = len(mantissa.partition(".")[2])
    return Decimal(10) ** (int(exponent or 0) - decimals)


@settings(max_examples=400, deadline=None)
@given(value=FINITE, width=st.integers(min_value=1, max_value=24), digits=st.integers(min_value=1, max_value=17))
def test_a_fitted_number_reads_back_as_the_value_within_its_shown_precision(value, width, digits):
    shown = fit(value, width, digits)
    assert "…" not in shown and " " not in shown
    assert re.fullmatch(r"-?\d+(\.\d+)?(e-?\d+)?", shown), shown
    # Exact decimal arithmetic: the error is at most half a unit in the last shown place.
    error = abs(Decimal(shown) - Decimal(value))
    assert error <= _last_place(shown) / 2 * (1 + Decimal("1e-12")), (value, width, shown)
    if width >= SHORTEST:
        assert len(shown) <= width, (value, width, shown)


@settings(max_examples=200, deadline=None)
@given(value=FINITE, width=st.integers(min_value=SHORTEST, max_value=24))
def test_more_room_never_shows_fewer_digits(value, width):
    assert _last_place(fit(value, width + 1, 17)) <= _last_place(fit(value, width, 17)) or (
        Decimal(fit(value, width + 1, 17)) == Decimal(fit(value, width, 17))
    )


@pytest.mark.parametrize(
    ("value", "width", "expected"),
    [
        # The spiral output: ŷ2 is 5.65e-4, and read as "5.65…" it looked like 5.65.
        (5.6501e-4, 6, "5.7e-4"),
        (5.6501e-4, 7, "5.65e-4"),
        (5.6501e-4, 12, "0.00056501"),
        (-0.77807240015029544, 10, "-0.7780724"),
        (1234.5678, 4, "1235"),
        (1234.5678, 3, "1e3"),
        (-2.4311952288867285e-6, 8, "-2.43e-6"),
        (0.0, 3, "0"),
        (math.inf, 2, "inf"),
        (math.nan, 2, "nan"),
    ],
)
def test_hand_checked_fits(value, width, expected):
    assert fit(value, width, 17) == expected


def test_a_number_too_long_for_its_cell_is_shown_whole_not_cut():
    assert fit(-1.5e-300, 3) == "-2e-300"
