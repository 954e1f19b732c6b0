"""Reading a typed answer and checking it against an exercise's answer and tolerance."""

from __future__ import annotations

import math
from dataclasses import dataclass

from annlab.quiz.exercises import Exercise

# What people type for a minus sign and a decimal point, besides "-" and ".".
_MINUS = str.maketrans({"−": "-", "–": "-", "﹣": "-", "－": "-", "＋": "+", "．": ".", "。": "."})


@dataclass(frozen=True)
class Verdict:
    status: str  # "right" | "wrong" | "empty" | "not-a-number" | "not-finite"
    text: str  # what the learner typed, stripped
    value: float | None = None

    @property
    def is_answer(self) -> bool:
        """A number was given (right or wrong): it counts; anything else earns a hint."""
        return self.status in ("right", "wrong")


def read_number(text: str) -> float | None:
    """A number as people type it: "0.731", "-1.2e-3", "−0.5", "0,731" (a decimal comma), "1/3".
    None when it is not a number."""
    t = text.strip().translate(_MINUS).replace(" ", "")
    if t.count(",") == 1 and "." not in t:
        t = t.replace(",", ".")
    try:
        if t.count("/") == 1:
            top, bottom = t.split("/")
            return float(top) / float(bottom)
        return float(t)
    except (ValueError, ZeroDivisionError, OverflowError):
        return None


def check(exercise: Exercise, text: str) -> Verdict:
    typed = text.strip()
    if not typed:
        return Verdict("empty", typed)
    value = read_number(typed)
    if value is None:
        return Verdict("not-a-number", typed)
    if not math.isfinite(value):
        return Verdict("not-finite", typed)
    right = abs(value - exercise.answer) <= exercise.tolerance * (1 + 1e-9)
    return Verdict("right" if right else "wrong", typed, value)
