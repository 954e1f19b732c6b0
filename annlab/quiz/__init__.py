"""The quiz: the chapter's ten review questions and generated exercises, checked by the engine.

Pure Python and NumPy (no Textual): ``annlab quiz --format json`` and the tests use it as is,
and the app's quiz screen (``annlab.app.quiz``) draws it.

    quiz = make_quiz(seed=7, count=3)   # its words: in the interface language when shown
    verdict = check(quiz.exercises[0], "0.731")
    quiz_to_json(quiz)        # what --format json prints
    results_to_json(quiz, attempts)   # what --output saves for a teacher
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from annlab.quiz.checking import Verdict, check, read_number
from annlab.quiz.exercises import MAX_COUNT, Exercise, NetworkScenario, TableScenario, make_exercises
from annlab.quiz.review import REVIEW, ReviewQuestion
from annlab.quiz.text import answer_text, question_text, solution_text
from annlab import language
from annlab.quiz.words import say

__all__ = [
    "MAX_COUNT", "MAX_SEED", "Attempt", "Exercise", "Quiz", "ReviewQuestion", "Verdict",
    "answer_text", "check", "make_quiz", "question_text", "quiz_to_json", "read_number",
    "results_to_json", "say", "solution_text",
]

MAX_SEED = 2**32 - 1
FORMAT_VERSION = 1


@dataclass(frozen=True)
class Quiz:
    seed: int
    review: tuple[ReviewQuestion, ...]
    exercises: tuple[Exercise, ...]


@dataclass
class Attempt:
    """A learner's answer to one exercise (the first number typed counts; hints do not)."""

    number: int
    given: str
    value: float
    right: bool


def make_quiz(seed: int, count: int = 5) -> Quiz:
    """The quiz of ``seed``: numbers and codes; its sentences are made in the interface language
    (annlab.language) when it is shown."""
    if not 0 <= seed <= MAX_SEED:
        raise ValueError(f"seed {seed}; expected 0 to {MAX_SEED}")
    return Quiz(seed, REVIEW, make_exercises(seed, count))


def _plain(values: np.ndarray) -> list:
    """An array as JSON lists, whole numbers as integers (inputs 1, 2 rather than 1.0, 2.0)."""
    return [_plain(v) for v in values] if np.ndim(values) else (int(values) if float(values).is_integer() else float(values))


def scenario_to_json(exercise: Exercise) -> dict:
    s = exercise.scenario
    if isinstance(s, TableScenario):
        return {"table": {"classes": [say(f"class.{c}") for c in s.classes],
                          "targets": [say(f"class.{t}") for t in s.targets],
                          "probabilities": [[float(p) for p in row] for row in s.probabilities]}}
    assert isinstance(s, NetworkScenario)
    return {
        "network": {"layers": list(s.layers), "activations": list(s.activations),
                    "weights": [[[float(v) for v in row] for row in w] for w in s.weights],
                    "biases": [[float(v) for v in b] for b in s.biases]},
        "data": {"inputs": _plain(s.inputs), "targets": _plain(s.targets)},
        "training": {"loss": s.loss, "learning_rates": [s.learning_rate]},
    }


def asks_to_json(exercise: Exercise) -> dict:
    asks = exercise.asks
    fields = {"quantity": asks.quantity, "layer": asks.layer, "unit": asks.unit, "point": asks.point,
              "row": asks.row, "parameter": asks.parameter}
    return {key: value for key, value in fields.items() if value is not None}


def review_to_json(question: ReviewQuestion) -> dict:
    show = question.show_me
    return {
        "number": question.number,
        "question": question.question(),
        "answer_text": question.answer_text(),
        "show_me": {"scenario": show.scenario, "epoch": show.epoch, "step": show.step, "layer": show.layer,
                    "what": question.show_me_text()},
    }


def exercise_to_json(exercise: Exercise) -> dict:
    return {
        "number": exercise.number,
        "question": question_text(exercise),
        "scenario": scenario_to_json(exercise),
        "asks": asks_to_json(exercise),
        "answer": exercise.answer,
        "tolerance": exercise.tolerance,
        "solution": solution_text(exercise),
    }


def quiz_to_json(quiz: Quiz) -> dict:
    return {
        "format": FORMAT_VERSION,
        "seed": quiz.seed,
        "lang": language.current(),  # the language of the text fields
        "review": [review_to_json(q) for q in quiz.review],
        "exercises": [exercise_to_json(e) for e in quiz.exercises],
    }


def results_to_json(quiz: Quiz, attempts: dict[int, Attempt]) -> dict:
    """What a teacher gets from ``--output``: every exercise, what was typed, and the score."""
    exercises = []
    for e in quiz.exercises:
        a = attempts.get(e.number)
        exercises.append({
            "number": e.number,
            "question": question_text(e),
            "asks": asks_to_json(e),
            "answer": e.answer,
            "tolerance": e.tolerance,
            "given": None if a is None else a.given,
            "value": None if a is None else a.value,
            "right": None if a is None else a.right,
        })
    right = sum(1 for a in attempts.values() if a.right)
    return {
        "format": FORMAT_VERSION,
        "seed": quiz.seed,
        "lang": language.current(),
        "count": len(quiz.exercises),
        "score": {"right": right, "answered": len(attempts), "count": len(quiz.exercises)},
        "exercises": exercises,
    }
