"""The main screen for training scenarios: step through forward and backward passes.

Training runs in a thread worker (``train``), which drains each run's ``Trainer.epochs()``
and posts what it trained in batches; the screen only applies those messages, so keys keep
working during long runs. Every value shown for an epoch comes from ``compute_pass`` on that
epoch's starting parameters, so stepping back shows exactly the numbers shown before.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Footer, ProgressBar, Static
from textual.worker import get_current_worker

from annlab.app.base import LabScreen
from annlab.app.boundary import BoundaryPanel
from annlab.app.charts import LossChart, ParameterChart
from annlab.app.panels import ChainPanel, NetworkPanel, StepPanel
from annlab.app.session import Parameter, Session
from annlab.app.steps import Cursor, describe
from annlab.app.view import View
from annlab.engine.backend import Backend
from annlab.engine.training import Trainer
from annlab.playback.numbers import num
from annlab.scenario.model import Scenario
from annlab.trace import Divergence, EpochRecord, Run

# Seconds between automatic steps while playing, slowest to fastest (+ and − move along).
SPEEDS = (2.0, 1.0, 0.5, 0.25, 0.1, 0.05, 0.02)
POST_EVERY_S = 0.05  # the worker posts progress at most this often


@dataclass
class EpochsTrained(Message):
    """Posted by the worker: epochs of one run trained since its last message."""

    run: int
    records: tuple[EpochRecord, ...]
    losses: np.ndarray
    epochs_done: int
    divergence: Divergence | None


@dataclass
class RunTrained(Message):
    run: int
    result: Run
    stopped: bool


@dataclass
class TrainingEnded(Message):
    stopped: bool


class TrainingScreen(LabScreen):
    BINDINGS = [
        # The footer shows only the keys a learner needs first; the rest are in the help (?)
        # and the command palette (ctrl+p), so the footer fits at 80 columns.
        Binding("n,right", "next", "next", key_display="n/→", priority=True),
        Binding("p,left", "previous", "back", key_display="p/←", priority=True),
        Binding("space", "play", "play", priority=True),
        Binding("plus,equals_sign", "faster", "faster", show=False),
        Binding("minus,underscore", "slower", "slower", show=False),
        Binding("e", "finish_epoch", "epoch"),
        Binding("G", "to_end", "to end", show=False),
        Binding("r", "reset", "reset", show=False),
        Binding("right_square_bracket", "parameter(1)", "next param", show=False),
        Binding("left_square_bracket", "parameter(-1)", "prev param", show=False),
        Binding("d", "point", "data point", show=False),
        Binding("u", "next_run", "next run", show=False),
        Binding("f", "precision", "full precision", show=False),
        Binding("c", "dim", "dim off-path", show=False),
        Binding("l", "settings", "settings", show=False),
        Binding("x", "stop", "stop", show=False),
    ]

    def __init__(self, scenario: Scenario, backend: Backend, backend_name: str = "auto"):
        super().__init__(scenario)
        self.backend = backend
        self.backend_name = backend_name
        self.session = Session(scenario, backend)
        self.cursor = Cursor(self.session.layers)
        self.run_index = 0
        self.point = 0
        self.parameter_index = 0
        self.full_precision = False
        self.dim_off_path = True
        self.playing = False
        self.speed = 3
        self.follow = False
        self.training = True
        self.stopped = False
        self._timer = None
        self._last_chart = 0.0

    # --- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="top"):
            yield from self.compose_title()
            yield ProgressBar(id="progress", total=self._total_epochs(), show_eta=False)
        yield Static(id="status")
        with VerticalScroll(id="body"):
            with Horizontal(classes="row", id="row-top"):
                # Each panel scrolls on its own when its content is taller than its share.
                with VerticalScroll(id="network-box", classes="panel"):
                    yield NetworkPanel(id="network")
                with Vertical(id="right"):
                    with VerticalScroll(id="step-box", classes="panel"):
                        yield StepPanel(id="step")
                    with VerticalScroll(id="chain-box", classes="panel"):
                        yield ChainPanel(id="chain")
            with Horizontal(classes="row", id="row-charts"):
                if self.session.is_2d_classifier:
                    yield BoundaryPanel(id="boundary", classes="panel")
                yield LossChart(id="loss-chart", classes="chart")
                yield ParameterChart(id="parameter-chart", classes="chart")
            if 1 < len(self.session.runs) <= 10:
                yield Static(id="runs", classes="panel")
        yield from self.compose_small()
        yield Footer()

    def on_mount(self) -> None:
        self.title = self.scenario.title
        self.query_one("#network-box").border_title = "the network (click a weight to follow it)"
        self.query_one("#step-box").border_title = "the current step"
        self.query_one("#chain-box").border_title = "the chain rule"
        if self.session.is_2d_classifier:
            self.query_one("#boundary").border_title = "decision boundary"
        if self.query("#runs"):
            self.query_one("#runs").border_title = "the runs compared (the chapter's tables)"
        self.query_one("#body").focus()
        self.refresh_all(charts=True)
        self.train()

    def _total_epochs(self) -> int:
        return sum(r.epochs for r in self.session.runs)

    # --- the worker -------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="training", exit_on_error=False)
    def train(self) -> None:
        worker = get_current_worker()
        stopped = False
        for index, (gradient, lr) in enumerate(self.session.plan):
            trainer = Trainer(self.backend, self.scenario, lr, gradient)
            sent_records = sent_losses = 0
            last = time.monotonic()
            for epoch in trainer.epochs():
                if worker.is_cancelled:
                    stopped = True
                    break
                now = time.monotonic()
                if now - last >= POST_EVERY_S:
                    last = now
                    records = tuple(trainer.records[sent_records:])
                    sent_records += len(records)
                    losses = trainer.losses[sent_losses:epoch].copy()
                    sent_losses = epoch
                    self.post_message(EpochsTrained(index, records, losses, epoch, trainer.divergence))
            self.post_message(RunTrained(index, trainer.result(), stopped))
            if stopped:
                break
        self.post_message(TrainingEnded(stopped))

    def on_epochs_trained(self, message: EpochsTrained) -> None:
        self.session.runs[message.run].add(message.records, message.losses, message.epochs_done, message.divergence)
        self._trained(message.run)

    def on_run_trained(self, message: RunTrained) -> None:
        self.session.runs[message.run].finish(message.result)
        # A sweep finishes a thousand runs: redraw the charts at once only for the run shown
        # (the others within the usual quarter-second throttle; all of them at the end).
        self._trained(message.run, force_charts=message.run == self.run_index)

    def on_training_ended(self, message: TrainingEnded) -> None:
        self.training = False
        self.stopped = message.stopped
        self.refresh_all(charts=True)

    def _trained(self, run: int, force_charts: bool = False) -> None:
        # A run that ended early (diverged, or stopped) counts as done for the progress bar.
        done = sum(r.epochs if r.finished else r.epochs_done for r in self.session.runs)
        self.query_one(ProgressBar).update(progress=done)
        if run == self.run_index:
            self.cursor.set_epochs(self.session.runs[run].steppable_epochs())
            if self.follow:
                self.cursor.to_end()
        now = time.monotonic()
        charts = force_charts or now - self._last_chart > 0.25
        if charts or run == self.run_index:  # another run's progress changes only the charts
            self.refresh_all(charts=charts)

    # --- drawing ----------------------------------------------------------------------------

    def view(self) -> View:
        s = self.session
        pos = self.cursor.position
        values = s.pass_at(self.run_index, pos.epoch)
        if values is None:  # the cursor's epoch is always steppable; this is a safety net
            self.cursor.reset()
            pos = self.cursor.position
            values = s.pass_at(self.run_index, pos.epoch)
        assert values is not None
        return View(
            s, self.run_index, pos.epoch, pos.step, self.cursor.step, self.point,
            s.parameters[self.parameter_index], self.full_precision, self.dim_off_path,
            values, s.record_at(self.run_index, pos.epoch),
        )

    def refresh_all(self, charts: bool = False) -> None:
        if not self.is_mounted:
            return
        view = self.view()
        for panel in (NetworkPanel, StepPanel, ChainPanel):
            self.query_one(panel).show(view)
        if self.session.is_2d_classifier:
            self.query_one(BoundaryPanel).show(view)
        self.query_one("#status", Static).update(self._status(view))
        if charts:
            self._last_chart = time.monotonic()
            self._draw_charts(view)
            if self.query("#runs"):
                self.query_one("#runs", Static).update(self._runs_text())
        else:
            self._mark_epoch(view)

    def _status(self, view: View) -> Text:
        run = view.run
        text = Text()
        state = "playing" if self.playing else "paused"
        if self.training:
            state += " · training…"
        elif self.stopped:
            state += " · training stopped (x)"
        # The step itself is named in the step panel's heading; the status says where we are.
        text.append(f"epoch {view.epoch:,} of {run.epochs:,}", style="bold")
        runs = len(self.session.runs)
        text.append(f" · run {self.run_index + 1}/{runs}{' (u: next)' if runs > 1 else ''}: {run.label}")
        text.append(f" · {state}, {SPEEDS[self.speed]:g} s/step")
        if run.divergence is not None:
            text.append(f"\n{run.divergence}", style="bold red")
        reason = self.backend.reason
        backend = reason if reason.lower().startswith(f"auto chose {self.backend.name}") else f"backend {self.backend.name} ({reason})"
        text.append(f"\n{run.dtype} · {backend}", style="dim")
        if self.full_precision:
            text.append(" · full precision (f)", style="dim")
        return text

    def _draw_charts(self, view: View) -> None:
        s = self.session
        loss_chart = self.query_one(LossChart)
        if s.is_sweep:
            finished = [r for r in s.runs if r.epochs_done]
            if finished:
                rates = np.array([r.learning_rate for r in finished])
                final = np.array([r.final_loss for r in finished])
                diverged = np.array([r.diverged for r in finished])
                loss_chart.draw_sweep(rates, final, diverged)
        else:
            loss_chart.draw_runs([(r.label, r.losses) for r in s.runs], view.epoch)
        runs = [(k, r) for k, r in enumerate(s.runs) if not s.is_sweep or k == self.run_index]
        histories = [(r.label, *r.parameter_history(view.parameter)) for _, r in runs]
        self.query_one(ParameterChart).draw_histories(view.parameter.name, histories, view.epoch)

    def _mark_epoch(self, view: View) -> None:
        """Move the charts' epoch marker when the epoch changed (cheap enough per key)."""
        if getattr(self, "_marked", None) != (view.epoch, view.parameter, self.run_index):
            self._marked = (view.epoch, view.parameter, self.run_index)
            self._draw_charts(view)

    def _runs_text(self) -> Text:
        """The chapter's words and tables for the runs, as ``annlab play`` prints them."""
        from annlab.playback.text import runs_report
        from annlab.trace import Trace

        if self.training or not self.session.all_finished:
            return Text("The runs are compared here once all of them have trained.", style="dim")
        trace = Trace(self.scenario.title, "training", self.backend.name, self.backend.reason,
                      runs=tuple(r.result for r in self.session.runs if r.result is not None))
        return Text(runs_report(self.scenario, trace))

    # --- actions ------------------------------------------------------------------------------

    def _moved(self) -> None:
        self.refresh_all()

    def action_next(self) -> None:
        self.follow = False
        self.cursor.next()
        self._moved()

    def action_previous(self) -> None:
        self.follow = False
        self.cursor.previous()
        self._moved()

    def action_finish_epoch(self) -> None:
        self.follow = False
        self.cursor.finish_epoch()
        self._moved()

    def action_to_end(self) -> None:
        self.follow = True
        self.cursor.to_end()
        self._moved()

    def action_reset(self) -> None:
        self.follow = False
        self._pause()
        self.cursor.reset()
        self._moved()

    def action_play(self) -> None:
        if self.playing:
            self._pause()
        else:
            self.playing = True
            self._timer = self.set_interval(SPEEDS[self.speed], self._tick)
        self._moved()

    def _pause(self) -> None:
        self.playing = False
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _tick(self) -> None:
        if not self.cursor.next() and not self.training:
            self._pause()
        self._moved()

    def _set_speed(self, speed: int) -> None:
        self.speed = max(0, min(len(SPEEDS) - 1, speed))
        if self.playing:
            self._pause()
            self.action_play()
        else:
            self._moved()

    def action_faster(self) -> None:
        self._set_speed(self.speed + 1)

    def action_slower(self) -> None:
        self._set_speed(self.speed - 1)

    def action_parameter(self, delta: int) -> None:
        self.parameter_index = (self.parameter_index + delta) % len(self.session.parameters)
        self._moved()

    def action_pick(self, kind: str, layer: int, i: int, j: int) -> None:
        """A click on a weight or bias in the network panel."""
        wanted = Parameter(kind, layer, i, j if kind == "weight" else 0)
        if wanted in self.session.parameters:
            self.parameter_index = self.session.parameters.index(wanted)
            self._moved()

    def action_point(self) -> None:
        self.point = (self.point + 1) % self.session.scenario.inputs.shape[0]  # type: ignore[union-attr]
        self._moved()

    def action_next_run(self) -> None:
        self.run_index = (self.run_index + 1) % len(self.session.runs)
        self.cursor.set_epochs(self.session.runs[self.run_index].steppable_epochs())
        self.refresh_all(charts=True)

    def action_precision(self) -> None:
        self.full_precision = not self.full_precision
        self._moved()

    def action_dim(self) -> None:
        self.dim_off_path = not self.dim_off_path
        self._moved()

    def action_stop(self) -> None:
        if self.training:
            self.workers.cancel_group(self, "training")
            self.notify("Stopping training after the current epoch.")

    def action_settings(self) -> None:
        from annlab.app.settings import SettingsScreen

        self.app.push_screen(SettingsScreen(self.scenario, self.backend_name))

    def on_unmount(self) -> None:
        self.workers.cancel_group(self, "training")
