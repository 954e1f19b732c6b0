"""The chapter's ten review questions (``# 问题`` at its end) and where the lab answers each.

The words (question, model answer, what "show me" points at) are in ``words.py``; here are
the codes: which bundled scenario answers a question, at which epoch and step (the training
screen's step kinds: start, pre, act, loss, back, update; ``layer`` for pre/act/back).
"""

from __future__ import annotations

from dataclasses import dataclass

from annlab.language import N_, _
from annlab.quiz.text import aligned
from annlab.quiz.words import say


@dataclass(frozen=True)
class ShowMe:
    scenario: str  # a bundled scenario's name
    epoch: int | None = None  # None: a scenario without steps (a gallery), opened as it is
    step: str | None = None
    layer: int | None = None


@dataclass(frozen=True)
class ReviewQuestion:
    number: int
    show_me: ShowMe

    def question(self) -> str:
        return say(f"review.{self.number}.question")

    def answer_text(self) -> str:
        text = say(f"review.{self.number}.answer")
        if self.number == 8:
            text += "\n" + gpu_table()
        return text

    def show_me_text(self) -> str:
        return say(f"review.{self.number}.show")


REVIEW: tuple[ReviewQuestion, ...] = (
    ReviewQuestion(1, ShowMe("feed-forward", 1, "start")),
    ReviewQuestion(2, ShowMe("feed-forward", 1, "loss")),
    ReviewQuestion(3, ShowMe("losses")),
    ReviewQuestion(4, ShowMe("spiral", 1, "update")),
    ReviewQuestion(5, ShowMe("fd-vs-chain-rule", 1, "back", 1)),
    ReviewQuestion(6, ShowMe("toy-backprop", 1, "update")),
    ReviewQuestion(7, ShowMe("toy-backprop", 1, "start")),
    ReviewQuestion(8, ShowMe("toy-backprop", 1, "start")),
    ReviewQuestion(9, ShowMe("y3x-compare", 1, "update")),
    ReviewQuestion(10, ShowMe("y3x-sweep", 1, "start")),
)

# One MLP training step (sigmoid hidden layer, MSE, SGD, float32), median µs, NumPy on the
# device machine's 16-core host / CuPy on an NVIDIA H200, 2026-11-26 (see docs/benchmarks.md).
GPU_BATCHES = (1, 64, 1024, 8192)
GPU_TABLE: tuple[tuple[str, tuple[tuple[int, int], ...]], ...] = (
    (N_("2-3-1 (the chapter's)"), ((39, 844), (51, 732), (118, 460), (382, 455))),
    ("64-64-10", ((34, 448), (52, 471), (514, 494), (3864, 471))),
    ("784-256-10", ((500, 444), (593, 471), (2630, 492), (24772, 722))),
    ("784-1024-10", ((4192, 696), (1624, 722), (11734, 712), (110010, 1313))),
)


def gpu_table() -> str:
    """The measured table as aligned plain text (NumPy / CuPy µs per step)."""
    head = [say("review.8.table-head")] + [say("review.8.table-batch", batch=b) for b in GPU_BATCHES]
    rows = [[_(name)] + [f"{cpu:,} / {gpu:,}" for cpu, gpu in cells] for name, cells in GPU_TABLE]
    return "\n".join(aligned([head] + rows))
