"""The quiz's exercises against computations that share nothing with the engine: plain-Python
forward passes from the quiz's own JSON, central differences for every gradient, and hand
derivations of the chapter's numbers. Plus checking, the CLI's refusals and reproducibility."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from annlab.cli import main
from annlab.quiz import MAX_COUNT, check, make_quiz, quiz_to_json, read_number, results_to_json, solution_text
from annlab.quiz.exercises import KINDS, Asks, Exercise, NetworkScenario, ParameterRef, _update_of, tolerance_for
from annlab.quiz.review import REVIEW
from annlab.scenario.bundled import bundled_scenarios

# --- an independent reference: plain Python, from the JSON a teacher gets ---------------------


def _activate(name: str, hs: list[float]) -> list[float]:
    if name == "sigmoid":
        return [1 / (1 + math.exp(-h)) for h in hs]
    if name == "tanh":
        return [(math.exp(h) - math.exp(-h)) / (math.exp(h) + math.exp(-h)) for h in hs]
    if name == "relu":
        return [h if h > 0 else 0.0 for h in hs]
    if name == "linear":
        return list(hs)
    total = sum(math.exp(h) for h in hs)  # softmax
    return [math.exp(h) / total for h in hs]


def _forward(network: dict, x: list[float]) -> list[tuple[list[float], list[float]]]:
    """[(h, a)] per layer for one data point."""
    out, a = [], list(x)
    for W, b, f in zip(network["weights"], network["biases"], network["activations"]):
        h = [sum(a[i] * W[i][j] for i in range(len(a))) + b[j] for j in range(len(b))]
        a = _activate(f, h)
        out.append((h, a))
    return out


def _loss(scenario: dict) -> float:
    net, data, loss = scenario["network"], scenario["data"], scenario["training"]["loss"]
    terms = []
    for x, y in zip(data["inputs"], data["targets"]):
        p = _forward(net, x)[-1][1]
        if loss == "mse":
            terms += [(pi - yi) ** 2 for pi, yi in zip(p, y)]
        elif loss == "mae":
            terms += [abs(pi - yi) for pi, yi in zip(p, y)]
        elif loss == "binary-cross-entropy":
            terms += [-(yi * math.log(pi) + (1 - yi) * math.log(1 - pi)) for pi, yi in zip(p, y)]
        else:  # categorical: one term per row
            terms.append(-sum(yi * math.log(pi) for pi, yi in zip(p, y)))
    return sum(terms) / len(terms)


def _nudged(scenario: dict, parameter: str, delta: float) -> dict:
    copy = json.loads(json.dumps(scenario))
    kind, rest = parameter[0], parameter[1:]
    layer, index = rest.split("[")
    idx = [int(k) - 1 for k in index.rstrip("]").split(",")]
    if kind == "W":
        copy["network"]["weights"][int(layer) - 1][idx[0]][idx[1]] += delta
    else:
        copy["network"]["biases"][int(layer) - 1][idx[0]] += delta
    return copy


def _central_difference(scenario: dict, parameter: str, step: float = 1e-6) -> float:
    return (_loss(_nudged(scenario, parameter, step)) - _loss(_nudged(scenario, parameter, -step))) / (2 * step)


def _parameter_value(scenario: dict, parameter: str) -> float:
    kind, rest = parameter[0], parameter[1:]
    layer, index = rest.split("[")
    idx = [int(k) - 1 for k in index.rstrip("]").split(",")]
    if kind == "W":
        return scenario["network"]["weights"][int(layer) - 1][idx[0]][idx[1]]
    return scenario["network"]["biases"][int(layer) - 1][idx[0]]


def reference_answer(exercise: dict) -> float:
    """The answer from the exercise's JSON alone, by the chapter's formulas in plain Python."""
    s, asks = exercise["scenario"], exercise["asks"]
    q = asks["quantity"]
    if "table" in s:
        t = s["table"]
        losses = [-math.log(row[t["classes"].index(target)]) for row, target in zip(t["probabilities"], t["targets"])]
        return losses[asks["row"] - 1] if q == "row-loss" else sum(losses) / len(losses)
    if q in ("h", "a", "prediction"):
        layers = _forward(s["network"], s["data"]["inputs"][asks["point"] - 1])
        h, a = layers[asks["layer"] - 1]
        return (h if q == "h" else a)[asks["unit"] - 1]
    if q == "loss":
        return _loss(s)
    gradient = _central_difference(s, asks["parameter"])
    if q == "gradient":
        return gradient
    assert q == "updated"
    return _parameter_value(s, asks["parameter"]) - s["training"]["learning_rates"][0] * gradient


SEEDS = range(0, 40)


@pytest.fixture(scope="module")
def quizzes() -> list[dict]:
    return [quiz_to_json(make_quiz(seed, len(KINDS) * 2)) for seed in SEEDS]


def test_every_answer_equals_an_independent_computation(quizzes):
    seen = set()
    for quiz in quizzes:
        for exercise in quiz["exercises"]:
            seen.add(exercise["asks"]["quantity"])
            expected = reference_answer(exercise)
            # The stated answer has 6 significant digits; the reference is float64.
            assert exercise["answer"] == pytest.approx(expected, rel=5.1e-6, abs=1e-9), exercise["question"]
    assert seen == {"h", "a", "prediction", "loss", "gradient", "updated", "row-loss", "mean-loss"}


def test_the_reference_can_fail():
    """A wrong sign or a missed bias in a reference would be caught: nudging one weight
    changes the loss, and a wrong gradient is far off the central difference."""
    exercise = next(e for e in quiz_to_json(make_quiz(1, 18))["exercises"] if e["asks"]["quantity"] == "gradient")
    wrong = json.loads(json.dumps(exercise))
    wrong["scenario"] = _nudged(exercise["scenario"], exercise["asks"]["parameter"], 0.1)
    assert reference_answer(wrong) != pytest.approx(exercise["answer"], rel=1e-3)


def test_answers_are_well_conditioned_and_tolerances_about_three_digits(quizzes):
    for quiz in quizzes:
        for e in quiz["exercises"]:
            answer, tolerance = e["answer"], e["tolerance"]
            assert 0.05 <= abs(answer) <= 1000
            assert tolerance == pytest.approx(max(0.005 * abs(answer), 5e-4), rel=5e-3)
            assert math.isfinite(answer)
            if e["asks"]["quantity"] == "updated":
                # Typing the old value (forgetting the update) is a wrong answer.
                old = _parameter_value(e["scenario"], e["asks"]["parameter"])
                assert abs(old - answer) > 4 * tolerance


def test_numbers_are_friendly_for_hand_computation(quizzes):
    for quiz in quizzes:
        for e in quiz["exercises"]:
            s = e["scenario"]
            if "network" in s:
                for w in s["network"]["weights"]:
                    assert all(abs(v * 10 - round(v * 10)) < 1e-9 and abs(v) <= 4 for row in w for v in row)
                assert all(float(x).is_integer() and abs(x) <= 4 for row in s["data"]["inputs"] for x in row)
                assert len(s["network"]["layers"]) in (2, 3, 4)  # 1 to 3 layers of weights
            else:
                for row in s["table"]["probabilities"]:
                    assert sum(row) == pytest.approx(1.0)
                    assert all(abs(p * 100 - round(p * 100)) < 1e-9 for p in row)


# --- hand derivations: the chapter's own numbers --------------------------------------------


def _chapter_feed_forward(loss: str = "mse") -> NetworkScenario:
    w1 = np.array([[0.8, 0.4, 0.3], [0.2, 0.9, 0.5]])
    w2 = np.array([[0.3], [0.5], [0.9]])
    return NetworkScenario((2, 3, 1), ("sigmoid", "linear"), (w1, w2), (np.zeros(3), np.zeros(1)),
                           np.array([[1.0, 1.0]]), np.array([[0.0]]), loss, 0.01)


def test_the_chapters_walk_through_by_hand():
    # h = (1.0, 1.3, 0.8); a = σ(h); ŷ = 0.3·a1 + 0.5·a2 + 0.9·a3; C = ŷ².
    a = [1 / (1 + math.exp(-h)) for h in (1.0, 1.3, 0.8)]
    y_hat = 0.3 * a[0] + 0.5 * a[1] + 0.9 * a[2]
    # ∂C/∂w11 = −2(y − ŷ) · w31 · a11(1 − a11) · x1, the chapter's chain.
    chain = -2 * (0 - y_hat) * 0.3 * a[0] * (1 - a[0]) * 1
    s = _chapter_feed_forward()
    forward, backward = s.passes()
    assert forward.pre_activations[0][0].tolist() == pytest.approx([1.0, 1.3, 0.8])
    assert float(forward.loss) == pytest.approx(y_hat**2)
    assert float(backward.weight_gradients[0][0, 0]) == pytest.approx(chain)
    exercise = Exercise(1, "gradient", s, Asks("gradient", parameter="W1[1,1]"), chain)
    text = solution_text(exercise)
    # The worked solution writes the chapter's numbers into the step panel's formulas.
    assert "= 1·0.8 + 1·0.2 + 0 = 1" in text
    assert f"a11 = σ(h11) = σ(1) = {a[0]:.5g}" in text
    assert f"∂C/∂ŷ = 2(ŷ − y)/m = 2·({y_hat:.5g} − 0)/1 = {2 * y_hat:.5g}" in text
    assert f"= {chain:.5g}" in text.splitlines()[-1]


def test_the_chapters_first_y3x_step_by_hand():
    # w = b = 0 on x = 1..4, y = 3x: ∂C/∂w = (2/4)·Σ(0 − 3x)·x = −45, so w = 0.45 at 0.01,
    # 4.5 at 0.1 and 45 at 1 (the chapter's numbers after the first epoch).
    x = np.array([[1.0], [2.0], [3.0], [4.0]])
    for lr, expected in ((0.01, 0.45), (0.1, 4.5), (1.0, 45.0)):
        s = NetworkScenario((1, 1), ("linear",), (np.zeros((1, 1)),), (np.zeros(1),), x, 3 * x, "mse", lr)
        scenario, asks, answer = _update_of(s, ParameterRef("weight", 1, 0, 0))
        assert answer == pytest.approx(expected)
        exercise = Exercise(1, "y3x", scenario, asks, answer)
        assert f"= 0 − {lr:g}·(-45) = {expected:g}" in solution_text(exercise)


# --- checking -------------------------------------------------------------------------------


def _exercise(answer: float) -> Exercise:
    s = _chapter_feed_forward()
    return Exercise(1, "h", s, Asks("h", layer=1, unit=1, point=1), answer)


def test_an_answer_within_about_three_significant_digits_is_accepted():
    e = _exercise(0.731059)
    assert check(e, "0.731").status == "right"
    assert check(e, "0.7311").status == "right"
    assert check(e, "0.734").status == "right"  # 0.40 % off: inside 0.5 %
    assert check(e, "0.735").status == "wrong"  # 0.54 % off
    assert check(e, "0.73").status == "right"  # the chapter's 2-decimal rounding: 0.14 % off
    assert check(e, "0.7").status == "wrong"
    assert check(e, "-0.731").status == "wrong"
    near_zero = _exercise(0.05)
    assert near_zero.tolerance == 5e-4  # the absolute floor near zero
    assert check(near_zero, "0.0504").status == "right"
    assert check(near_zero, "0.0506").status == "wrong"


def test_typed_numbers_as_people_type_them():
    assert read_number(" −0.25 ") == -0.25
    assert read_number("0,731") == 0.731
    assert read_number("1.2e-3") == 0.0012
    assert read_number("1/4") == 0.25
    assert read_number("abc") is None
    assert read_number("1/0") is None


def test_what_is_not_a_number_gets_a_hint_not_an_attempt():
    e = _exercise(0.731059)
    for typed, status in (("", "empty"), ("  ", "empty"), ("seven", "not-a-number"), ("0.7.3", "not-a-number"),
                          ("inf", "not-finite"), ("nan", "not-finite")):
        verdict = check(e, typed)
        assert verdict.status == status and not verdict.is_answer


def test_tolerance_is_relative_with_a_floor():
    assert tolerance_for(2.0) == pytest.approx(0.01)
    assert tolerance_for(-0.05) == pytest.approx(5e-4)
    assert tolerance_for(0.001) == 5e-4


# --- the quiz as a whole --------------------------------------------------------------------


def test_the_ten_review_questions_point_at_real_scenarios_and_steps():
    names = {entry.name for entry in bundled_scenarios()}
    quiz = quiz_to_json(make_quiz(0, 1))
    assert [q["number"] for q in quiz["review"]] == list(range(1, 11))
    for q, review in zip(quiz["review"], REVIEW):
        assert q["question"].endswith("?") and len(q["answer_text"]) > 80
        assert q["show_me"]["scenario"] in names
    by_number = {q["number"]: q for q in quiz["review"]}
    assert by_number[6]["show_me"]["step"] == "update" and "every parameter moves at once" in by_number[6]["show_me"]["what"]
    assert by_number[9]["show_me"]["scenario"] == "y3x-compare"
    assert "0.0001 and 0.01" in by_number[10]["answer_text"]
    assert "2-3-1 (the chapter's)" in by_number[8]["answer_text"] and "39 / 844" in by_number[8]["answer_text"]


def test_count_is_the_number_of_exercises_and_every_kind_comes_round():
    quiz = make_quiz(5, len(KINDS))
    assert len(quiz.exercises) == len(KINDS)
    assert sorted(e.kind for e in quiz.exercises) == sorted(KINDS)
    assert [e.number for e in make_quiz(5, 3).exercises] == [1, 2, 3]


def _json_of(capsys, *argv: str) -> dict:
    assert main(["quiz", *argv]) == 0
    return json.loads(capsys.readouterr().out)


def test_the_same_seed_gives_the_identical_quiz(capsys):
    first = _json_of(capsys, "--seed", "42", "--count", "6", "--format", "json")
    again = _json_of(capsys, "--seed", "42", "--count", "6", "--format", "json")
    other = _json_of(capsys, "--seed", "43", "--count", "6", "--format", "json")
    assert first == again
    assert first["exercises"] != other["exercises"]
    assert first["seed"] == 42 and len(first["exercises"]) == 6 and len(first["review"]) == 10
    exercise = first["exercises"][0]
    assert set(exercise) == {"number", "question", "scenario", "asks", "answer", "tolerance", "solution"}


def test_json_format_matches_the_readme(capsys):
    quiz = _json_of(capsys, "--seed", "1", "--count", str(len(KINDS)), "--format", "json")
    for e in quiz["exercises"]:
        s = e["scenario"]
        if "network" in s:
            assert set(s) == {"network", "data", "training"}
            assert set(s["network"]) == {"layers", "activations", "weights", "biases"}
            layers = s["network"]["layers"]
            for w, n_in, n_out in zip(s["network"]["weights"], layers, layers[1:]):
                assert (len(w), len(w[0])) == (n_in, n_out)  # inputs × outputs
            assert set(s["training"]) == {"loss", "learning_rates"}
        else:
            assert set(s["table"]) == {"classes", "targets", "probabilities"}
        assert e["asks"]["quantity"] in {"h", "a", "prediction", "loss", "gradient", "updated", "row-loss", "mean-loss"}


def test_json_output_is_written_atomically_and_not_over_a_file_unasked(tmp_path, capsys):
    out = tmp_path / "quiz.json"
    assert main(["quiz", "--seed", "3", "--format", "json", "--output", str(out)]) == 0
    assert json.loads(out.read_text())["seed"] == 3
    assert main(["quiz", "--seed", "3", "--format", "json", "--output", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == f"annlab: {out} exists; pass --force to overwrite it"


@pytest.mark.parametrize("count", ["0", "-1", str(MAX_COUNT + 1), "1000000000", "three", "2.5"])
def test_a_bad_count_is_one_line_and_exit_2(count, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["quiz", "--count", count, "--format", "json"])
    assert exit_.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("annlab quiz: argument --count: found")


def test_an_unwritable_output_is_refused_in_one_line_before_the_quiz(tmp_path, capsys):
    assert main(["quiz", "--output", str(tmp_path / "missing" / "results.json")]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == [f"annlab: cannot write {tmp_path / 'missing' / 'results.json'}: the folder {tmp_path / 'missing'} does not exist"]


def test_results_for_a_teacher():
    from annlab.quiz import Attempt

    quiz = make_quiz(9, 3)
    first, second = quiz.exercises[:2]
    attempts = {1: Attempt(1, str(first.answer), first.answer, True), 2: Attempt(2, "0", 0.0, False)}
    results = results_to_json(quiz, attempts)
    assert results["score"] == {"right": 1, "answered": 2, "count": 3}
    assert [e["right"] for e in results["exercises"]] == [True, False, None]
    assert results["exercises"][1]["answer"] == second.answer and results["exercises"][1]["given"] == "0"


def test_the_quiz_core_imports_no_ui():
    from tests.test_imports import _forbidden, _modules_after

    code = (
        "import io, contextlib\n"
        "from annlab.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main(['quiz', '--seed', '1', '--format', 'json']) == 0\n"
    )
    assert _forbidden(_modules_after(code)) == set()
