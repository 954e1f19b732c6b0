"""The quiz screen: generated exercises checked by the engine, and the chapter's review questions.

The quiz itself (exercises, answers, checking, words) is ``annlab.quiz``; this screen only asks,
shows and saves. It is installed on the app once, so leaving it (Esc, or "show me" in a review
question) and coming back (k) keeps every answer given so far.
"""

from __future__ import annotations

import json
import secrets
import sys
from argparse import Namespace
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, OptionList, Static, TabbedContent, TabPane
from textual.widgets.option_list import Option

from annlab.app.base import HORIZONTAL, VERTICAL, TitleBar, TooSmall
from annlab.errors import ExportError
from annlab.quiz import Attempt, Quiz, answer_text, check, make_quiz, question_text, results_to_json, say, solution_text

QUIZ_SCREEN = "quiz"  # the name it is installed under
DEFAULT_COUNT = 5


class QuizScreen(ModalScreen):
    """Over the lab, as its pop-ups are: opening a scenario from anywhere (o, the palette, or
    "show me") closes it and replaces the lab's main screen, and k brings it back."""

    CSS_PATH = "quiz.tcss"
    HORIZONTAL_BREAKPOINTS = HORIZONTAL
    VERTICAL_BREAKPOINTS = VERTICAL
    BINDINGS = [
        Binding("escape", "close", "back to the lab"),
        Binding("ctrl+r", "tab('review')", "review questions"),
        Binding("ctrl+e", "tab('exercises')", "exercises", show=False),
        # The answer box keeps the focus, so the page keys scroll the exercise from there.
        Binding("pageup", "page(-1)", "scroll up", show=False),
        Binding("pagedown", "page(1)", "scroll down", show=False),
    ]

    def __init__(self, quiz: Quiz, output: Path | None = None, force: bool = False):
        super().__init__()
        self.quiz = quiz
        self.output = output
        self.force = force
        self.index = 0  # the exercise shown
        self.attempts: dict[int, Attempt] = {}
        self.phase = "asking"  # asking → answered → … → finished (then: saving, until saved)
        self.saved_to: Path | None = None

    def w(self, key: str, **values: object) -> str:
        return say(key, **values)  # in the interface language

    # --- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield TitleBar(self.w("screen.title", seed=self.quiz.seed, count=len(self.quiz.exercises)))
        with TabbedContent(initial="exercises"):
            with TabPane(self.w("screen.exercises"), id="exercises"):
                with VerticalScroll(id="quiz-body"):
                    yield Static(id="quiz-heading", markup=False)
                    yield Static(id="quiz-question", markup=False)
                    yield Static(id="quiz-feedback", markup=False)
                    yield Static(id="quiz-solution", markup=False)
                yield Input(placeholder=self.w("screen.placeholder"), id="quiz-answer")
            with TabPane(self.w("screen.review"), id="review"):
                options = [Option(f"{q.number}. {q.question()}", id=str(q.number)) for q in self.quiz.review]
                yield OptionList(*options, id="review-list")
                with VerticalScroll(id="review-box"):
                    yield Static(id="review-answer", markup=False)
                yield Static(self.w("screen.review-hint"), id="review-hint", markup=False)
        yield TooSmall()
        yield Footer()

    def on_mount(self) -> None:
        self._scroll_pending = False
        self._solution_lines = 0
        body = self.query_one("#quiz-body")
        self.watch(body, "virtual_size", self._scroll_to_feedback, init=False)
        self.show_exercise()
        self.query_one("#review-list", OptionList).highlighted = 0
        self.query_one("#quiz-answer", Input).focus()

    # --- the exercises ----------------------------------------------------------------------

    @property
    def exercise(self):
        return self.quiz.exercises[self.index]

    def _heading(self) -> str:
        right = sum(a.right for a in self.attempts.values())
        return (self.w("screen.exercise", number=self.index + 1, count=len(self.quiz.exercises))
                + " · " + self.w("screen.progress", right=right, answered=len(self.attempts)))

    def show_exercise(self) -> None:
        self._scroll_pending = False
        self.query_one("#quiz-heading", Static).update(Text(self._heading(), style="bold"))
        self.query_one("#quiz-question", Static).update(question_text(self.exercise))
        self._feedback("", "")
        self.query_one("#quiz-solution", Static).update("")
        answer = self.query_one("#quiz-answer", Input)
        answer.value = ""
        answer.placeholder = self.w("screen.placeholder")
        self.query_one("#quiz-body", VerticalScroll).scroll_home(animate=False)

    def _feedback(self, text: str, kind: str) -> None:
        feedback = self.query_one("#quiz-feedback", Static)
        feedback.update(text)
        feedback.set_classes(f"-{kind}" if kind else "")

    @on(Input.Submitted, "#quiz-answer")
    def _submitted(self, event: Input.Submitted) -> None:
        if self.phase == "asking":
            self.answer(event.value)
        elif self.phase == "answered":
            self.next_exercise()
        elif self.phase in ("finished", "saving") and event.value.strip() and self.may_choose_a_file:
            self.save(Path(event.value.strip()).expanduser(), force=self.force)

    @property
    def may_choose_a_file(self) -> bool:
        """Under ``annlab serve`` (a catalogue) a learner's browser must not name files on the
        teacher's machine, as the picker has no path box there: no save prompt."""
        return getattr(self.app, "catalogue", None) is None

    def answer(self, typed: str) -> None:
        exercise = self.exercise
        verdict = check(exercise, typed)
        if not verdict.is_answer:
            # A hint, not an attempt: the learner types again.
            self._feedback(self.w(f"check.{verdict.status}", text=verdict.text), "hint")
            self.query_one("#quiz-answer", Input).value = ""  # the hint quotes what was typed
            return
        self.attempts[exercise.number] = Attempt(exercise.number, verdict.text, float(verdict.value), verdict.status == "right")
        answer = answer_text(exercise.answer)
        self._solution_lines = 0
        if verdict.status == "right":
            self._feedback(self.w("check.right", answer=answer, given=verdict.text), "right")
        else:
            self._feedback(self.w("check.wrong", answer=answer, given=verdict.text), "wrong")
            solution = solution_text(exercise) + "\n" + self.w("check.tolerance", tolerance=exercise.tolerance)
            self.query_one("#quiz-solution", Static).update(solution)
            self._solution_lines = solution.count("\n") + 1
        self.phase = "answered"
        self.query_one("#quiz-heading", Static).update(Text(self._heading(), style="bold"))
        # The verdict at the top of the view, the solution under it (a small terminal scrolls),
        # once the solution has been laid out (the body's virtual size says when).
        self._scroll_pending = True
        self.call_after_refresh(self._scroll_to_feedback)
        last = self.index == len(self.quiz.exercises) - 1
        box = self.query_one("#quiz-answer", Input)
        box.value = ""
        box.placeholder = self.w("screen.finish" if last else "screen.next")

    def _scroll_to_feedback(self, *_: object) -> None:
        """Scroll the verdict to the top of the view. Until the solution under it is laid out
        the view cannot scroll that far, so every layout of the body (its virtual size) asks
        again, as long as this exercise's verdict is shown."""
        if not self._scroll_pending:
            return
        body = self.query_one("#quiz-body", VerticalScroll)
        feedback = self.query_one("#quiz-feedback")
        body.scroll_to(y=feedback.virtual_region.y - feedback.styles.margin.top, animate=False, immediate=True)

    def next_exercise(self) -> None:
        if self.index + 1 < len(self.quiz.exercises):
            self.index += 1
            self.phase = "asking"
            self.show_exercise()
        else:
            self.finish()

    def score_text(self) -> str:
        right = sum(a.right for a in self.attempts.values())
        lines = [self.w("screen.score", right=right, count=len(self.quiz.exercises)), ""]
        for e in self.quiz.exercises:
            a = self.attempts.get(e.number)
            verdict = "skipped" if a is None else ("right" if a.right else "wrong")
            lines.append(self.w("screen.score-detail", number=e.number, verdict=self.w(f"screen.verdict.{verdict}"),
                                given=a.given if a else "—", answer=answer_text(e.answer)))
        return "\n".join(lines)

    def finish(self) -> None:
        self.phase = "finished"
        self.query_one("#quiz-heading", Static).update(Text(self.w("screen.title", seed=self.quiz.seed, count=len(self.quiz.exercises)), style="bold"))
        self.query_one("#quiz-question", Static).update(self.score_text())
        self.query_one("#quiz-solution", Static).update(self.w("screen.again"))
        self._feedback("", "")
        if self.output is not None:
            self.save(self.output, force=self.force)
        elif self.may_choose_a_file:
            self._ask_where_to_save("")
        else:
            self.query_one("#quiz-answer", Input).disabled = True

    def _ask_where_to_save(self, message: str, kind: str = "") -> None:
        self.phase = "saving"
        self._feedback((message + "\n" if message else "") + self.w("screen.save-prompt"), kind)
        box = self.query_one("#quiz-answer", Input)
        box.value = ""
        box.placeholder = self.w("screen.save-placeholder")

    def results_json(self) -> str:
        return json.dumps(results_to_json(self.quiz, self.attempts), ensure_ascii=False, indent=2) + "\n"

    def save(self, path: Path, force: bool = False) -> bool:
        """Write the results atomically; on failure say why in one line and ask for another
        file name, so the answers are never lost."""
        from annlab.files import write_atomically

        try:
            write_atomically(path, self.results_json().encode("utf-8"), force=force)
        except ExportError as exc:
            if self.may_choose_a_file:
                self._ask_where_to_save(self.w("screen.save-failed", error=exc), "wrong")
            else:
                self._feedback(self.w("screen.save-failed", error=exc), "wrong")
            return False
        self.saved_to = path
        self.phase = "finished"
        self._feedback(self.w("screen.saved", path=path), "right")
        box = self.query_one("#quiz-answer", Input)
        box.value = ""
        box.placeholder = self.w("screen.save-placeholder")
        return True

    # --- the review questions ---------------------------------------------------------------

    @on(OptionList.OptionHighlighted, "#review-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        question = self.quiz.review[int(event.option.id) - 1]
        text = Text()
        text.append(question.question() + "\n\n", style="bold")
        text.append(self.w("screen.answer") + ": ", style="bold")
        text.append(question.answer_text() + "\n")
        if question.number == 8:
            backend = self._backend_line()
            if backend:
                text.append(self.w("screen.backend", backend=backend) + "\n")
        text.append("\n" + self.w("screen.show-me", what=question.show_me_text()), style="italic")
        self.query_one("#review-answer", Static).update(text)

    def _backend_line(self) -> str:
        """The training screen's backend line, as its status shows it (if one is open)."""
        for screen in reversed(self.app.screen_stack):
            backend = getattr(screen, "backend", None)
            if backend is not None:
                from annlab.playback.words import say as word  # a reason is a message code

                reason = word(backend.reason)
                return reason if reason.lower().startswith(f"auto chose {backend.name}") else f"{backend.name} ({reason})"
        return ""

    @on(OptionList.OptionSelected, "#review-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.show_me(int(event.option.id))

    def show_me(self, number: int) -> None:
        """Back to the lab, on the scenario and step that answer review question ``number``."""
        if self.app.screen is not self:  # keys queued behind an Esc: the quiz is already closed
            return
        show = self.quiz.review[number - 1].show_me
        at = (show.epoch, show.step, show.layer or 0) if show.step else None
        self.app.open_scenario_named(show.scenario, at=at)  # type: ignore[attr-defined]  (closes this pop-up)

    # --- keys -------------------------------------------------------------------------------

    def action_tab(self, name: str) -> None:
        self.query_one(TabbedContent).active = name
        self.query_one("#review-list" if name == "review" else "#quiz-answer").focus()

    @on(TabbedContent.TabActivated)
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self.query_one("#review-list" if event.pane.id == "review" else "#quiz-answer").focus()

    def action_page(self, direction: int) -> None:
        body = self.query_one("#quiz-body" if self.query_one(TabbedContent).active == "exercises" else "#review-box")
        body.scroll_page_down(animate=False) if direction > 0 else body.scroll_page_up(animate=False)

    def action_close(self) -> None:
        if self.app.screen is self:
            self.app.pop_screen()


def open_quiz(app, quiz: Quiz | None = None, output: Path | None = None, force: bool = False) -> None:
    """Show the app's quiz (made once: a random seed and five exercises unless given)."""
    if not app.is_screen_installed(QUIZ_SCREEN):
        if quiz is None:
            quiz = make_quiz(secrets.randbelow(100_000), DEFAULT_COUNT)
        app.install_screen(QuizScreen(quiz, output, force), QUIZ_SCREEN)
    if app.get_screen(QUIZ_SCREEN) not in app.screen_stack:  # (under a pop-up it is open already)
        app.push_screen(QUIZ_SCREEN)


def create_quiz_app(quiz: Quiz, output: Path | None = None, force: bool = False):
    """The lab on its default scenario, opening on this quiz (the CLI's and the tests' app)."""
    from annlab.app import create_app
    from annlab.scenario.bundled import DEFAULT_SCENARIO, resolve
    from annlab.scenario.loader import load_scenario

    app = create_app(load_scenario(resolve(DEFAULT_SCENARIO)))
    app.install_screen(QuizScreen(quiz, output, force), QUIZ_SCREEN)
    app.start_with_quiz = True
    return app


def run_quiz(quiz: Quiz, args: Namespace) -> int:
    """``annlab quiz``: the lab (its default scenario) with the quiz screen open over it."""
    from annlab.app import _fail, key_names, run_headless

    if not args.headless and (args.screenshot is not None or args.keys):
        return _fail("--keys and --screenshot work with --headless")
    app = create_quiz_app(quiz, args.output, args.force)
    screen = app.get_screen(QUIZ_SCREEN)
    if args.theme:
        if args.theme not in app.available_themes:
            return _fail(f"unknown theme {args.theme!r}; expected one of: {', '.join(sorted(app.available_themes))}")
        app.theme = args.theme
    if args.headless:
        code = run_headless(app, tuple(args.size), key_names(args.keys or ""), args.screenshot, args.force)
    else:
        app.run()
        code = app.return_code or 0
    if screen.attempts and args.output is not None and screen.saved_to is None and screen.phase != "finished":
        # Left before the end: the answers so far still reach the teacher's file.
        screen_results = screen.results_json().encode("utf-8")
        from annlab.files import write_atomically

        try:
            write_atomically(args.output, screen_results, force=args.force)
            print(f"wrote {args.output} ({len(screen.attempts)} of {len(quiz.exercises)} answered)", file=sys.stderr)
        except ExportError as exc:
            print(f"annlab: {exc}", file=sys.stderr)
    return code
