"""What every panel of the training screen is drawn from: one snapshot of the cursor.

The screen builds a ``View`` after every key and hands it to each panel, so the panels never
disagree about which epoch, step, data point or parameter they show.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from annlab.app.session import LiveRun, Session
from annlab.app.steps import Step
from annlab.engine.chain import Parameter
from annlab.playback.numbers import fit, num
from annlab.trace import EpochRecord, Pass, Update


@dataclass(frozen=True)
class View:
    session: Session
    run_index: int
    epoch: int
    step_index: int
    step: Step
    point: int  # the data point the node values show (0-based)
    parameter: Parameter  # the parameter the chain-rule panel follows
    full_precision: bool
    dim_off_path: bool
    values: Pass  # the update's forward and backward values, from its starting parameters, on its data
    record: EpochRecord  # what training did in this epoch
    update_index: int = 0  # which of the epoch's updates (one per mini-batch), 0-based

    @property
    def update(self) -> Update:
        """The update shown: its data points, loss, the gradient it used, the parameters after."""
        return self.record.updates[self.update_index]

    @property
    def updates(self) -> int:
        return len(self.record.updates)

    @property
    def batched(self) -> bool:
        return self.update.indices is not None

    def data_point(self, point: int) -> int:
        """The 0-based index in the scenario's data of the update's ``point``-th point."""
        indices = self.update.indices
        return point if indices is None else int(indices[point])

    @property
    def run(self) -> LiveRun:
        return self.session.runs[self.run_index]

    @property
    def layers(self) -> int:
        return self.session.layers

    def digits(self) -> int:
        """At least 4 significant digits; all of them (enough to round-trip) on demand."""
        if not self.full_precision:
            return 5
        return 9 if self.run.dtype == "float32" else 17

    def n(self, value: float) -> str:
        return num(value, self.digits())

    def short_digits(self) -> int:
        """For the weight tables: 4 significant digits (f shows them all)."""
        return self.digits() if self.full_precision else 4

    def fit(self, value: float, width: int, digits: int | None = None) -> str:
        """``value`` in ``width`` characters: fewer digits, then scientific, never cut."""
        return fit(value, width, self.digits() if digits is None else digits)

    def signed(self, value: float) -> str:
        text = self.n(value)
        return f"({text})" if text.startswith("-") else text

    # What the cursor has reached within the epoch (forward values stay once computed).
    def forward_done(self, layer: int, kind: str) -> bool:
        """Has the step computing ``kind`` ("pre" or "act") of ``layer`` been reached?"""
        s = self.step
        if s.kind in ("loss", "back", "update"):
            return True
        if s.kind == "start":
            return False
        order = (s.layer, 0 if s.kind == "pre" else 1)
        return (layer, 0 if kind == "pre" else 1) <= order

    def backward_done(self, layer: int) -> bool:
        s = self.step
        if s.kind == "update":
            return True
        return s.kind == "back" and layer >= s.layer

    def loss_done(self) -> bool:
        return self.step.kind in ("loss", "back", "update")

    def is_current(self, layer: int, kind: str) -> bool:
        return self.step.layer == layer and self.step.kind == kind

    def point_count(self) -> int:
        return int(self.values.inputs.shape[0])

    def below(self, layer: int) -> np.ndarray:
        """The activations entering ``layer`` (the inputs for layer 1), all data points."""
        return self.values.inputs if layer == 1 else self.values.layers[layer - 2].activation
