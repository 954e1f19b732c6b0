"""The order of steps in one epoch, and a cursor over a training run's recorded epochs.

Pure Python (no Textual): the training screen asks it where ``n``, ``p``, ``e`` and ``G`` go.

One epoch, for a network of L layers:
  start                      the epoch's parameters, before anything is computed
  pre 1, act 1, … pre L, act L   forward, layer by layer: h = a_below·W + b, then a = f(h)
  loss                       C from the predictions and the targets
  back L, … back 1           backward, output first: ∂C/∂h and ∂C/∂W, ∂C/∂b of each layer
  update                     every parameter moves by −lr × its gradient
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from annlab.language import _


@dataclass(frozen=True)
class Step:
    kind: str  # "start" | "pre" | "act" | "loss" | "back" | "update"
    layer: int = 0  # 1-based for pre/act/back

    @property
    def phase(self) -> str:
        """"forward" or "backward": which colour the step is drawn in."""
        return "backward" if self.kind in ("back", "update") else "forward"


def epoch_steps(layers: int) -> tuple[Step, ...]:
    forward = [Step(kind, l) for l in range(1, layers + 1) for kind in ("pre", "act")]
    backward = [Step("back", l) for l in range(layers, 0, -1)]
    return (Step("start"), *forward, Step("loss"), *backward, Step("update"))


def describe(step: Step, layers: int) -> str:
    """The step's name as the step panel's heading shows it, in the interface language."""
    where = _("the output layer") if step.layer == layers else _("layer {layer}").format(layer=step.layer)
    if step.kind == "pre":
        return _("forward: pre-activations of {where}").format(where=where)
    if step.kind == "act":
        return _("forward: activations of {where}").format(where=where)
    if step.kind == "back":
        return _("backward: gradients of {where}").format(where=where)
    return {"start": _("start of the epoch"), "loss": _("the loss"), "update": _("the update")}[step.kind]


@dataclass(frozen=True)
class Position:
    epoch: int  # 1-based
    step: int  # index into epoch_steps(...)
    update: int = 0  # which update of the epoch (a mini-batch epoch makes one per batch), 0-based


class Cursor:
    """Where the learner is: an epoch among those that can be shown, an update within it (one
    per mini-batch; full batch has one) and a step within that update.

    ``epochs`` are the epochs whose records are known (every epoch of a normal run; for very
    long runs, the sampled ones); the list grows while training runs. ``updates(epoch)`` says
    how many updates an epoch made."""

    def __init__(self, layers: int):
        self.steps = epoch_steps(layers)
        self.layers = layers
        self.epochs: list[int] = [1]
        self.updates = lambda epoch: 1
        self.position = Position(1, 0)

    @property
    def step(self) -> Step:
        return self.steps[self.position.step]

    @property
    def last_step(self) -> int:
        return len(self.steps) - 1

    def set_epochs(self, epochs: list[int], updates=None) -> None:
        self.epochs = sorted(epochs) or [1]
        if updates is not None:
            self.updates = updates
        pos = self.position
        if pos.epoch not in self.epochs:
            epoch = self.epochs[min(bisect.bisect_left(self.epochs, pos.epoch), len(self.epochs) - 1)]
            self.position = Position(epoch, 0)
        elif pos.update >= self.updates(pos.epoch):
            self.position = Position(pos.epoch, 0)

    def _epoch_index(self) -> int:
        return self.epochs.index(self.position.epoch)

    def _last_update(self, epoch: int) -> int:
        return max(1, self.updates(epoch)) - 1

    def next(self) -> bool:
        """One step on; False at the end of what has been trained."""
        pos = self.position
        if pos.step < self.last_step:
            self.position = Position(pos.epoch, pos.step + 1, pos.update)
            return True
        if pos.update < self._last_update(pos.epoch):
            self.position = Position(pos.epoch, 0, pos.update + 1)
            return True
        k = self._epoch_index()
        if k + 1 < len(self.epochs):
            self.position = Position(self.epochs[k + 1], 0)
            return True
        return False

    def previous(self) -> bool:
        pos = self.position
        if pos.step > 0:
            self.position = Position(pos.epoch, pos.step - 1, pos.update)
            return True
        if pos.update > 0:
            self.position = Position(pos.epoch, self.last_step, pos.update - 1)
            return True
        k = self._epoch_index()
        if k > 0:
            epoch = self.epochs[k - 1]
            self.position = Position(epoch, self.last_step, self._last_update(epoch))
            return True
        return False

    def finish_epoch(self) -> bool:
        """To the epoch's last update; if already there, to the last update of the next epoch."""
        pos = self.position
        end = Position(pos.epoch, self.last_step, self._last_update(pos.epoch))
        if pos != end:
            self.position = end
            return True
        k = self._epoch_index()
        if k + 1 < len(self.epochs):
            epoch = self.epochs[k + 1]
            self.position = Position(epoch, self.last_step, self._last_update(epoch))
            return True
        return False

    def go_to(self, epoch: int, kind: str, layer: int = 0) -> bool:
        """To a step of a shown epoch, e.g. (1, "update") or (1, "back", 1); False if there is
        no such step (the cursor stays). The quiz's "show me" opens a scenario here."""
        wanted = Step(kind, layer if kind in ("pre", "act", "back") else 0)
        if epoch not in self.epochs or wanted not in self.steps:
            return False
        self.position = Position(epoch, self.steps.index(wanted))
        return True

    def to_end(self) -> None:
        epoch = self.epochs[-1]
        self.position = Position(epoch, self.last_step, self._last_update(epoch))

    def reset(self) -> None:
        self.position = Position(self.epochs[0], 0)

    def at_end(self) -> bool:
        epoch = self.epochs[-1]
        return self.position == Position(epoch, self.last_step, self._last_update(epoch))
