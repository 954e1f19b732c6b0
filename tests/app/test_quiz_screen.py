"""The quiz screen driven by Textual's pilot: answers checked right and wrong, hints, the score,
saving for a teacher (and again elsewhere when that fails), "show me", and the app's key."""

from __future__ import annotations

import json

from annlab.app import settle
from annlab.app.quiz import QuizScreen, create_quiz_app
from annlab.app.training import TrainingScreen
from annlab.cli import main
from annlab.quiz import answer_text, make_quiz, solution_text

SIZE = (120, 40)
SEED, COUNT = 3, 3


def shown(screen, selector: str) -> str:
    return str(screen.query_one(selector).render())


async def type_answer(pilot, text: str) -> None:
    for character in text:
        await pilot.press({"-": "minus", ".": "full_stop", " ": "space"}.get(character, character))
    await pilot.press("enter")
    await pilot.pause()


async def test_one_right_one_wrong_then_the_score_saved_for_a_teacher(tmp_path):
    quiz = make_quiz(SEED, COUNT)
    first, second, third = quiz.exercises
    out = tmp_path / "results.json"
    app = create_quiz_app(quiz, out)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, QuizScreen)
        assert "Exercise 1 of 3" in shown(screen, "#quiz-heading")
        # Not a number: a hint, and no attempt counted.
        await type_answer(pilot, "abc")
        assert "'abc' is not a number" in shown(screen, "#quiz-feedback")
        assert screen.attempts == {}
        # Right, typed as the quiz states the answer (5 significant digits).
        await type_answer(pilot, answer_text(first.answer))
        assert shown(screen, "#quiz-feedback").startswith("Right:")
        assert shown(screen, "#quiz-solution") == ""
        await pilot.press("enter")  # next exercise
        assert "Exercise 2 of 3 · score 1 of 1 answered" in shown(screen, "#quiz-heading")
        # Wrong (every answer is at least 0.05 away from 0): the worked solution appears.
        await type_answer(pilot, "0")
        assert shown(screen, "#quiz-feedback").startswith(f"Not quite: the answer is {answer_text(second.answer)}")
        assert solution_text(second) in shown(screen, "#quiz-solution")
        assert screen.attempts[2].right is False
        await pilot.press("enter")
        await type_answer(pilot, answer_text(third.answer))
        await pilot.press("enter")  # the score
        assert "Your score: 2 of 3." in shown(screen, "#quiz-question")
        assert f"Results saved to {out}." in shown(screen, "#quiz-feedback")
    results = json.loads(out.read_text())
    assert results["seed"] == SEED and results["score"] == {"right": 2, "answered": 3, "count": 3}
    assert [e["right"] for e in results["exercises"]] == [True, False, True]
    assert results["exercises"][1]["given"] == "0"


async def test_an_unwritable_output_loses_nothing(tmp_path):
    quiz = make_quiz(SEED, 1)
    folder = tmp_path / "gone"
    folder.mkdir()
    app = create_quiz_app(quiz, folder / "results.json")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        folder.rmdir()  # the folder vanished while the learner worked
        await type_answer(pilot, answer_text(quiz.exercises[0].answer))
        await pilot.press("enter")
        feedback = shown(screen, "#quiz-feedback")
        assert f"Could not save the results: cannot write {folder / 'results.json'}: the folder {folder} does not exist" in feedback
        assert "Save the results to" in feedback
        elsewhere = tmp_path / "elsewhere.json"
        screen.query_one("#quiz-answer").value = str(elsewhere)  # (typing a long path is slow)
        await pilot.press("enter")
        await pilot.pause()
        assert f"Results saved to {elsewhere}." in shown(screen, "#quiz-feedback")
    assert json.loads(elsewhere.read_text())["score"]["right"] == 1


async def test_show_me_opens_the_step_that_answers_and_k_comes_back():
    quiz = make_quiz(SEED, COUNT)
    app = create_quiz_app(quiz)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        quiz_screen = app.screen
        await type_answer(pilot, "0")  # one answer, to see that it is kept
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert "What are the layers in a neural network?" in shown(quiz_screen, "#review-answer")
        for _ in range(5):
            await pilot.press("down")  # to question 6
        await pilot.pause()
        answer = shown(quiz_screen, "#review-answer")
        assert "Every parameter moves at once" in answer and "the update step" in answer
        await pilot.press("enter")  # show me
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TrainingScreen)
        assert screen.scenario.title.startswith("Toy network, one sample")
        assert screen.cursor.step.kind == "update" and screen.cursor.position.epoch == 1
        await pilot.press("k")
        await pilot.pause()
        assert app.screen is quiz_screen and 1 in quiz_screen.attempts


async def test_question_8_shows_the_gpu_table_and_this_labs_backend_line():
    app = create_quiz_app(make_quiz(SEED, 1))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        for _ in range(7):
            await pilot.press("down")
        await pilot.pause()
        answer = shown(app.screen, "#review-answer")
        assert "784-1024-10" in answer and "4,192 / 696" in answer
        assert "This lab's backend: " in answer and "numpy" in answer.lower()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TrainingScreen) and app.screen.cursor.step.kind == "start"


async def test_the_app_key_opens_the_quiz_and_esc_goes_back(make_app):
    app = make_app("feed-forward")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        lab = app.screen
        await pilot.press("k")
        await pilot.pause()
        assert isinstance(app.screen, QuizScreen) and len(app.screen.quiz.exercises) == 5
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is lab


def test_headless_quiz_from_the_command_line(tmp_path):
    out, shot = tmp_path / "results.json", tmp_path / "quiz.svg"
    answer = answer_text(make_quiz(SEED, 1).exercises[0].answer)
    keys = " ".join(answer) + " enter enter"  # e.g. "- 0 . 0 9 1 2 6 6 enter enter"
    code = main(["quiz", "--seed", str(SEED), "--count", "1", "--output", str(out), "--headless",
                 "--keys", keys, "--screenshot", str(shot)])
    assert code == 0
    assert json.loads(out.read_text())["score"] == {"right": 1, "answered": 1, "count": 1}
    assert "Your" in shot.read_text() and "score:" in shot.read_text()


async def _answered_wrong_and_still(pilot) -> None:
    await settle(pilot)
    screen = pilot.app.screen
    screen.query_one("#quiz-answer").cursor_blink = False  # a blinking cursor would race the shot
    await type_answer(pilot, "0")
    body, feedback = screen.query_one("#quiz-body"), screen.query_one("#quiz-feedback")
    lines = str(screen.query_one("#quiz-solution").render()).count("\n") + 1

    def scrolled() -> bool:  # the verdict at the top, or as high as the solution under it allows
        laid_out = screen.query_one("#quiz-solution").size.height >= lines
        return laid_out and body.scroll_y == min(feedback.virtual_region.y - 1, body.max_scroll_y) > 0

    for _ in range(50):
        if scrolled():
            break
        await pilot.pause(0.02)
    assert scrolled()


def test_snapshot_a_wrong_answer_and_its_worked_solution(snap_compare):
    app = create_quiz_app(make_quiz(SEED, COUNT))
    assert snap_compare(app, terminal_size=SIZE, run_before=_answered_wrong_and_still)


QUIZ_KEYS = (
    "0 1 2 3 4 5 6 7 8 9 full_stop minus a x e enter enter enter backspace ctrl+r ctrl+e k escape "
    "up down tab pageup pagedown n p o question_mark s space"
).split()
QUIZ_CHARS = {"full_stop": ".", "minus": "-", "space": " ", "question_mark": "?"}


async def test_a_monkey_in_the_quiz_never_crashes(tmp_path):
    """800 random keys (answers, Enters, tabs, leaving and coming back, other screens) with
    resizes, over a quiz that saves its results: nothing may raise."""
    import random

    from textual import events

    rng = random.Random("quiz")
    app = create_quiz_app(make_quiz(11, 4), tmp_path / "results.json", force=True)

    async with app.run_test(size=SIZE) as pilot:
        for _ in range(8):
            for key in (rng.choice(QUIZ_KEYS) for _ in range(100)):
                app.post_message(events.Key(key, QUIZ_CHARS.get(key, key if len(key) == 1 else None)))
            await pilot.pause()
            if rng.random() < 0.5:
                await pilot.resize_terminal(*rng.choice([(120, 40), (80, 24), (60, 20), (40, 12), (200, 60)]))
        # Every posted key handled before the app closes (a key left in the queue would
        # reach an app whose screens are already gone: a crash of the test, not of annlab).
        for _ in range(10):
            await pilot.pause(0.05)
        await settle(pilot)
        assert app.is_screen_installed("quiz")


def test_leaving_early_still_saves_the_answers_given(tmp_path):
    out = tmp_path / "results.json"
    code = main(["quiz", "--seed", str(SEED), "--count", str(COUNT), "--output", str(out), "--headless", "--keys", "0 enter"])
    assert code == 0
    results = json.loads(out.read_text())
    assert results["score"] == {"right": 0, "answered": 1, "count": 3}
    assert [e["given"] for e in results["exercises"]] == ["0", None, None]


async def test_under_annlab_serve_a_learner_cannot_name_a_file(tmp_path, monkeypatch):
    """In a browser the picker has no path box; the quiz's save prompt must not be one either."""
    monkeypatch.chdir(tmp_path)
    quiz = make_quiz(SEED, 1)
    app = create_quiz_app(quiz)
    app.catalogue = object()  # what `annlab serve` sets: the class's scenarios only
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        await type_answer(pilot, "0")
        await pilot.press("enter")  # the score
        await pilot.pause()
        assert "Your score: 0 of 1." in shown(screen, "#quiz-question")
        assert "Save the results to" not in shown(screen, "#quiz-feedback")
        screen.query_one("#quiz-answer").value = "planted.json"
        await pilot.press("enter")
        await pilot.pause()
    assert not (tmp_path / "planted.json").exists()
