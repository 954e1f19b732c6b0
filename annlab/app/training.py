"""The main screen for training scenarios: step through forward and backward passes.

Training runs in a thread worker (``train``) that drains the runner's events
(``annlab.training.runner.Training``, the same that ``annlab play`` drains) and posts them; the
screen only applies those messages, so keys keep working during long runs. Every value shown
is the engine's record of an update, or read from the shared ``Analysis`` of those records.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from rich.cells import cell_len
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message as TextualMessage
from textual.widgets import ProgressBar, Static
from textual.worker import get_current_worker

from annlab.app.base import LabFooter, LabScreen
from annlab.app.boundary import BoundaryPanel
from annlab.app.charts import LossChart, ParameterChart, chart_notice, next_multiples, zoom_windows
from annlab.app.panels import ChainPanel, NetworkPanel, StepPanel
from annlab.app.session import Session
from annlab.app.steps import Cursor
from annlab.app.view import View
from annlab.engine.backend import Backend
from annlab.engine.chain import Parameter
from annlab.language import N_, _
from annlab.messages import Message
from annlab.playback.words import diverged, say
from annlab.scenario.model import Scenario
from annlab.training.runner import BackendFellBack, EpochsTrained, RunsTrained, Training, TrainingFinished

# Seconds between automatic steps while playing, slowest to fastest (+ and − move along).
SPEEDS = (2.0, 1.0, 0.5, 0.25, 0.1, 0.05, 0.02)
POST_EVERY_S = 0.1  # the worker reports progress at most this often
CHARTS_EVERY_S = 0.5  # charts redraw at most this often while training runs


@dataclass
class Trained(TextualMessage):
    """Posted by the worker: one of the runner's events, as it came."""

    event: Any


@dataclass
class TrainingFailed(TextualMessage):
    """Posted by the worker when training raised: what went wrong, in one line."""

    error: str


class TrainingScreen(LabScreen):
    BINDINGS = [
        # The footer shows only the keys a learner needs first; the rest are in the help (?)
        # and the command palette (ctrl+p), so the footer fits at 80 columns.
        # Descriptions are marked N_ and looked up when shown (LabFooter).
        Binding("n,right", "next", N_("next"), key_display="n/→", priority=True),
        Binding("p,left", "previous", N_("back"), key_display="p/←", priority=True),
        Binding("space", "play", N_("play"), priority=True),
        Binding("plus,equals_sign", "faster", N_("faster"), show=False),
        Binding("minus,underscore", "slower", N_("slower"), show=False),
        Binding("e", "finish_epoch", N_("epoch")),
        Binding("G", "to_end", N_("to end"), show=False),
        Binding("r", "reset", N_("reset"), show=False),
        Binding("right_square_bracket", "parameter(1)", N_("next param"), show=False),
        Binding("left_square_bracket", "parameter(-1)", N_("prev param"), show=False),
        Binding("d", "point", N_("data point"), show=False),
        Binding("u", "next_run", N_("next run"), show=False),
        Binding("f", "precision", N_("full precision"), show=False),
        Binding("c", "dim", N_("dim off-path"), show=False),
        Binding("l", "settings", N_("settings"), show=False),
        Binding("w", "keep", N_("keep experiment"), show=False),
        Binding("x", "stop", N_("stop"), show=False),
        Binding("z", "zoom", N_("zoom on the first epochs"), show=False),
        Binding("m", "multiples", N_("one chart per run"), show=False),
    ]

    def __init__(self, scenario: Scenario, backend: Backend):
        super().__init__(scenario)
        self.backend = backend
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
        self.failure: str | None = None
        self.fell_back: Message | None = None
        self._training: Training | None = None
        self._timer = None
        self._last_chart = 0.0
        self.zoom_level = 0  # index into zoom_windows(epochs): 0 shows every epoch
        self.multiples: bool | None = None  # one chart per run: None = where lines overlap

    # --- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="top"):
            yield from self.compose_title()
            # Two indicators: where the learner is (the epoch shown, of the run's epochs), and
            # how far training has got (every run's epochs); one bar read as both misled.
            yield Static(_("shown"), classes="bar-label", id="place-label")
            yield ProgressBar(id="place", total=self.session.runs[0].epochs, show_eta=False)
            yield Static(_("trained"), classes="bar-label", id="progress-label")
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
        yield LabFooter()

    def on_mount(self) -> None:
        self.title = self.scenario.title
        self._label_panels()
        self.query_one("#body").focus()
        self.refresh_all(charts=True)
        self.train()

    def _label_panels(self) -> None:
        self.query_one("#network-box").border_title = _("the network (click a weight to follow it)")
        self.query_one("#step-box").border_title = _("the current step")
        self.query_one("#chain-box").border_title = _("the chain rule")
        if self.session.is_2d_classifier:
            self.query_one("#boundary").border_title = _("decision boundary")
        if self.query("#runs"):
            self.query_one("#runs").border_title = _("the runs compared (the chapter's tables)")

    def retranslate(self) -> None:
        """After a language switch: the same cursor, run, point and parameter, in new words."""
        super().retranslate()
        self.query_one("#place-label", Static).update(_("shown"))
        self.query_one("#progress-label", Static).update(_("trained"))
        self._label_panels()
        self.refresh_all(charts=True)

    def _total_epochs(self) -> int:
        return sum(r.epochs for r in self.session.runs)

    # --- the worker -------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="training", exit_on_error=False)
    def train(self) -> None:
        """Drain the runner's events (the one place a scenario is trained) and post them."""
        training = self._training = Training(self.scenario, self.backend, report_every=POST_EVERY_S)
        try:
            for event in training.events():
                if get_current_worker().is_cancelled:
                    training.stop()
                self.post_message(Trained(event))
        except Exception as exc:  # shown on screen; the app goes on with what was trained
            self.post_message(TrainingFailed(f"{type(exc).__name__}: {say(exc.args[0]) if exc.args else exc}"))

    def on_trained(self, message: Trained) -> None:
        event = message.event
        s = self.session
        if isinstance(event, EpochsTrained):
            s.trained(event)
            self._trained(event.first_run)
        elif isinstance(event, RunsTrained):
            s.finished(event.first_run, event.runs)
            # A sweep finishes a thousand runs at once: one redraw.
            self._trained(event.first_run, force_charts=True)
        elif isinstance(event, BackendFellBack):
            self.backend, self.fell_back = event.backend, event.reason
            s.restart(event.backend)
            self.cursor.set_epochs([1], self._updates_of)
            self.notify(say(event.reason), severity="warning", timeout=10)
            self.refresh_all(charts=True)
        elif isinstance(event, TrainingFinished):
            self.training = False
            self.stopped = event.stopped
            self.refresh_all(charts=True)

    def on_training_failed(self, message: TrainingFailed) -> None:
        self.training = False
        self.failure = message.error
        self.notify(_("Training stopped: {error}").format(error=message.error), severity="error", timeout=30)
        self.refresh_all(charts=True)

    def _updates_of(self, epoch: int) -> int:
        record = self.session.runs[self.run_index].record(epoch)
        return len(record.updates) if record is not None else 1

    def _trained(self, run: int, force_charts: bool = False) -> None:
        self._show_progress()
        moved = False
        if run == self.run_index or self.session.is_sweep:
            before = self.cursor.position
            self.cursor.set_epochs(self.session.runs[self.run_index].steppable_epochs(), self._updates_of)
            if self.follow:
                self.cursor.to_end()
            moved = self.cursor.position != before
        now = time.monotonic()
        charts = force_charts or now - self._last_chart > CHARTS_EVERY_S
        if charts or moved:
            self.refresh_all(charts=charts)
        # Otherwise the progress bar alone moves: a text update re-lays the screen out, and
        # ten of those a second would slow the learner's keys.

    def _show_progress(self) -> None:
        """How far training has got: the epochs trained, out of all the runs' epochs (a run
        that diverged counts as done; a stopped one counts what it reached)."""
        done = sum(r.epochs if r.divergence is not None else r.epochs_done for r in self.session.runs)
        self.query_one("#progress", ProgressBar).update(progress=done)

    # --- drawing ----------------------------------------------------------------------------

    def view(self) -> View | None:
        """What every panel draws, or None while the first epoch is still training."""
        s = self.session
        run = s.runs[self.run_index]
        pos = self.cursor.position
        if run.record(pos.epoch) is None:  # the cursor's epoch is always steppable; a safety net
            self.cursor.set_epochs(run.steppable_epochs(), self._updates_of)
            pos = self.cursor.position
        record = run.record(pos.epoch)
        values = s.analysis.values(self.run_index, pos.epoch, pos.update) if record is not None else None
        if record is None or values is None:
            return None
        points = int(values.inputs.shape[0])
        return View(
            s, self.run_index, pos.epoch, pos.step, self.cursor.step, self.point % points,
            s.parameters[self.parameter_index], self.full_precision, self.dim_off_path,
            values, record, pos.update,
        )

    def refresh_all(self, charts: bool = False) -> None:
        if not self.is_mounted:
            return
        view = self.view()
        if view is None:
            waiting = Text(_("Training the first epoch…"), style="dim") if self.training else Text(
                _("Nothing was trained: {why}").format(why=self.failure or _("training stopped before its first epoch.")), style="bold red")
            for panel in (NetworkPanel, StepPanel, ChainPanel):
                self.query_one(panel).update(waiting)
            self.query_one("#status", Static).update(self._status(None))
            return
        for panel in (NetworkPanel, StepPanel, ChainPanel):
            self.query_one(panel).show(view)
        self.query_one("#place", ProgressBar).update(total=view.run.epochs, progress=view.epoch)
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

    def _status(self, view: View | None) -> Text:
        run = self.session.runs[self.run_index]
        state = _("playing") if self.playing else _("paused")
        if self.training:
            state += _(" · training…")
        elif self.failure:
            state += _(" · training failed")
        elif self.stopped:
            state += _(" · training stopped at epoch {epoch} (x)").format(epoch=f"{run.epochs_done:,}")
        # The step itself is named in the step panel's heading; the status says where we are.
        epoch = view.epoch if view is not None else 1
        runs = len(self.session.runs)
        # In order of importance: a short screen's one line takes the pieces that fit whole.
        pieces = [(_("epoch {epoch} of {epochs}").format(epoch=f"{epoch:,}", epochs=f"{run.epochs:,}"), "bold")]
        if view is not None and view.updates > 1:
            pieces.append((_(" · batch {batch} of {batches}").format(batch=view.update_index + 1, batches=view.updates), "bold"))
        pieces.append((_(" · run {run}/{runs}: {label}").format(run=self.run_index + 1, runs=runs, label=run.label), ""))
        pieces.append((_(" · {state}").format(state=state), ""))
        pieces.append((_(", {seconds} s/step").format(seconds=f"{SPEEDS[self.speed]:g}"), ""))
        if runs > 1:
            pieces.append((_(" · u: next run"), "dim"))
        short = self.has_class("-short")
        text = Text()
        if short and (self.failure or run.divergence is not None):
            # What a diverged or failed run means is in the step and chain panels and in s.
            text.append(_("training failed · ") if self.failure else _("diverged · "), style="bold red")
        room = self.size.width - 2
        for words, style in pieces:
            if short and text.cell_len + cell_len(words) > room:
                break
            text.append(words, style=style)
        if short:  # one line: the step's explanation needs the rows
            return text
        for line, bad in self.status_details():
            text.append("\n" + line, style="bold red" if bad else "dim")
        return text

    def status_details(self) -> list[tuple[str, bool]]:
        """The status's lines after the first (and the summary's, s): (text, is it bad news)."""
        run = self.session.runs[self.run_index]
        lines = []
        if self.failure:
            lines.append((_("training stopped: {error}").format(error=self.failure), True))
        if run.divergence is not None:
            lines.append((diverged(run.divergence), True))
        lines.append((f"{run.dtype} · {self.backend_words()}" + (_(" · full precision (f)") if self.full_precision else ""), False))
        return lines

    def backend_words(self) -> str:
        reason = say(self.backend.reason)
        # The backend's reason, unless it already names the backend the runs use.
        if self.backend.reason.code == f"auto-chose-{self.backend.name}":
            return reason
        return _("backend {name} ({reason})").format(name=self.backend.name, reason=reason)

    def on_resize(self) -> None:
        # The panels fit their numbers to their width, and the status to the height band.
        self.call_after_refresh(self._refit)

    def _refit(self) -> None:
        if self.query("#status"):  # not when the screen was closed since (its children gone)
            self.refresh_all()

    def _draw_charts(self, view: View) -> None:
        s = self.session
        loss_chart = self.query_one(LossChart)
        parameter_chart = self.query_one(ParameterChart)
        windows = zoom_windows(view.run.epochs)
        for chart in (loss_chart, parameter_chart):
            chart.zoom = windows[self.zoom_level % len(windows)] if self.zoom_level else None
            chart.multiples = self.multiples
        if s.is_sweep:
            finished = [r for r in s.runs if r.epochs_done]
            if finished:
                rates = np.array([r.learning_rate for r in finished])
                final = np.array([r.final_loss for r in finished])
                diverged = np.array([r.diverged for r in finished])
                from annlab.analysis import hessian_bound

                bound = hessian_bound(self.scenario)
                loss_chart.draw_sweep(rates, final, diverged, bound.largest_stable_rate if bound is not None else None)
        else:
            loss_chart.draw_runs([(r.label, r.losses) for r in s.runs], view.epoch)
        runs = [(k, r) for k, r in enumerate(s.runs) if not s.is_sweep or k == self.run_index]
        histories = [(r.label, *r.parameter_history(view.parameter)) for _k, r in runs]
        parameter_chart.draw_histories(view.parameter.name, histories, view.epoch)

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
            return Text(_("The runs are compared here once all of them have trained."), style="dim")
        trace = Trace(self.scenario.title, "training", self.backend.name, self.backend.reason,
                      runs=tuple(r.result for r in self.session.runs if r.result is not None))
        # Unwrapped: the panel reflows the paragraphs to its own width.
        return Text(runs_report(self.scenario, trace, width=None))

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
        view = self.view()
        self.point = (view.point + 1) % view.point_count() if view is not None else 0
        self._moved()

    def action_next_run(self) -> None:
        self.run_index = (self.run_index + 1) % len(self.session.runs)
        self.cursor.set_epochs(self.session.runs[self.run_index].steppable_epochs(), self._updates_of)
        self.refresh_all(charts=True)

    def action_precision(self) -> None:
        self.full_precision = not self.full_precision
        self._moved()

    def action_dim(self) -> None:
        self.dim_off_path = not self.dim_off_path
        self._moved()

    def action_stop(self) -> None:
        if self.training and self._training is not None:
            self._training.stop()
            self.notify(_("Stopping training after the current epoch."))

    def action_zoom(self) -> None:
        """Step the charts' x-range through every epoch, the first tenth, the first fiftieth."""
        windows = zoom_windows(self.session.runs[self.run_index].epochs)
        if len(windows) < 2:
            self.notify(chart_notice("no zoom"))
            return
        self.zoom_level = (self.zoom_level + 1) % len(windows)
        self.refresh_all(charts=True)

    def action_multiples(self) -> None:
        """Small multiples (one chart per run) where lines overlap, always, or never."""
        if len(self.session.runs) < 2 or self.session.is_sweep:
            self.notify(chart_notice("one run"))
            return
        self.multiples = next_multiples(self.multiples)
        self.notify(chart_notice(self.multiples))
        self.refresh_all(charts=True)

    def action_settings(self) -> None:
        from annlab.app.settings import SettingsScreen

        self.app.push_screen(SettingsScreen(self.scenario, getattr(self.app, "backend_name", "auto")))

    def action_keep(self) -> None:
        from annlab.app.keep import NOT_UNDER_SERVE, KeepScreen, may_write_files

        if not may_write_files(self.app):
            self.notify(_(NOT_UNDER_SERVE), severity="warning")
            return
        self.app.push_screen(KeepScreen(self.scenario))

    def on_unmount(self) -> None:
        if self._training is not None:
            self._training.stop()
        self.workers.cancel_group(self, "training")
