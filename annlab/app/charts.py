"""The plotext charts. Pitfalls avoided (STYLE.md): each chart refreshes itself after
re-plotting; losses spanning decades are plotted as log10 on a linear axis (plotext's log
axes break on redraw), with the ticks labelled in the loss itself; sizes are set in the
stylesheet.

Each chart's title and legend live in its border title (one line, in the series' own
colours), so the legend never covers the data. Series colours come from the app's theme, so
they stay readable in light and dark themes.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from rich.markup import escape
from textual.color import Color
from textual_plotext import PlotextPlot

from annlab.playback.numbers import num

MAX_POINTS = 400  # points per line: more only costs time, the terminal has fewer columns
# Theme variables for the series, in order; the current-epoch marker uses "error".
SERIES_COLOURS = ("primary", "warning", "success", "accent", "secondary", "foreground")


def thin(x: np.ndarray, y: np.ndarray, limit: int = MAX_POINTS) -> tuple[list[float], list[float]]:
    """At most ``limit`` points, evenly spaced, always keeping the first and the last, finite only."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    if x.size > limit:
        idx = np.linspace(0, x.size - 1, limit).astype(int)  # strictly increasing: size > limit
        x, y = x[idx], y[idx]
    return x.tolist(), y.tolist()


def log_scale_wanted(series: Sequence[np.ndarray]) -> bool:
    """Plot log10 when the positive values span more than two decades."""
    values = np.concatenate([np.asarray(s, dtype=np.float64).reshape(-1) for s in series] or [np.empty(0)])
    values = values[np.isfinite(values)]
    return bool(values.size and values.min() > 0 and values.max() / values.min() > 100)


def nice_ticks(low: float, high: float, count: int = 5, integer: bool = False) -> list[float]:
    """About ``count`` round values (1, 2 or 5 times a power of ten apart) covering [low, high]."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return []
    if high <= low:
        return [low]
    raw = (high - low) / max(count - 1, 1)
    power = math.floor(math.log10(raw))
    candidates = [m * 10.0 ** e for e in (power - 1, power, power + 1) for m in (1, 2, 5)]
    if integer:
        candidates = [c for c in candidates if c >= 1] or [1.0]

    def ticks_for(step: float) -> list[float]:
        first, last = math.ceil(low / step - 1e-9), math.floor(high / step + 1e-9)
        return [0.0 if k == 0 else k * step for k in range(first, last + 1)]

    # The step whose tick count is nearest the wish (the larger step on a tie).
    best = min(candidates, key=lambda step: (abs(len(ticks_for(step)) - count), -step))
    return ticks_for(best)


def tick_label(value: float) -> str:
    if value == 0:
        return "0"
    if value == int(value) and abs(value) < 1e6:
        return f"{int(value):,}"
    if abs(value) >= 1e4 or abs(value) < 1e-3:
        return f"{value:.0e}".replace("e+0", "e").replace("e-0", "e-").replace("e+", "e")
    return num(value, 3)


def step_labels(ticks: list[float]) -> list[str]:
    """Labels with as many decimals as the tick step needs, so that no two read the same."""
    if len(ticks) < 2 or max(abs(t) for t in ticks) >= 1e4:
        return [tick_label(t) for t in ticks]
    step = ticks[1] - ticks[0]
    decimals = max(0, math.ceil(-math.log10(step) - 1e-9))
    return [f"{t:.{decimals}f}" for t in ticks]


def decade_label(power: float) -> str:
    """The tick label for log10(value) = power: the value itself (1e-3, 0.01, 1, 100, 1e4)."""
    k = int(round(power))
    return {-2: "0.01", -1: "0.1", 0: "1", 1: "10", 2: "100", 3: "1000"}.get(k, f"1e{k}")


class Chart(PlotextPlot):
    """A plotext chart that re-plots from scratch and refreshes itself."""

    shows = ""  # what was plotted last ("runs", "sweep", ...), for tests and the help

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # What was plotted last, after thinning: (label, xs, ys) per series, for the tests.
        self.series: list[tuple[str, list[float], list[float]]] = []
        self.marker: float | None = None
        self.legend: list[str] = []

    def colour(self, index: int | str) -> tuple[int, int, int]:
        name = SERIES_COLOURS[index % len(SERIES_COLOURS)] if isinstance(index, int) else index
        value = self.app.theme_variables.get(name) or "#888888"
        return Color.parse(value).rgb

    def begin(self, xlabel: str = ""):
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        if xlabel:
            plt.xlabel(xlabel)
        self.series = []
        self.marker = None
        return plt

    def line(self, index: int, label: str, x, y, limit: int = MAX_POINTS, scatter: bool = False) -> None:
        xs, ys = thin(x, y, limit)
        self.series.append((label, xs, ys))
        if xs:
            draw = self.plt.scatter if scatter else self.plt.plot
            draw(xs, ys, marker="braille", color=self.colour(index))

    def mark(self, x: float) -> None:
        """The current epoch (or cursor) as a vertical line."""
        self.marker = x
        self.plt.vline(x, self.colour("error"))

    def title_with_legend(self, title: str, labels: list[str], marker: str | None = None) -> None:
        """The title, then a key per series in its colour, then the marker's meaning if it fits."""
        self.legend = [title, *labels] + ([marker] if marker else [])  # plain, for the tests
        room = (self.size.width or 60) - 4
        parts, plain = [f"[b]{escape(title)}[/b]"], len(title)
        for index, label in enumerate(labels):
            r, g, b = self.colour(index)
            parts.append(f"[#{r:02x}{g:02x}{b:02x}]━━[/]{escape(label)}")
            plain += len(label) + 4
        if marker and plain + len(marker) + 4 <= room:
            r, g, b = self.colour("error")
            parts.append(f"[#{r:02x}{g:02x}{b:02x}]┃[/]{escape(marker)}")
        self.border_title = "  ".join(parts)

    def axes(self, xs: Sequence[float], ys: Sequence[float], log: bool = False, integer_x: bool = True) -> None:
        """Round ticks on both axes (the y ticks name the value itself on a log10 axis)."""
        plt = self.plt
        xs = [v for v in xs if math.isfinite(v)]
        ys = [v for v in ys if math.isfinite(v)]
        if xs:
            lo, hi = min(xs), max(xs)
            if hi > lo:
                plt.xlim(lo, hi)
            ticks = nice_ticks(lo, hi, 5, integer=integer_x)
            plt.xticks(ticks, [tick_label(t) for t in ticks])
        if ys:
            lo, hi = min(ys), max(ys)
            if hi == lo:
                lo, hi = lo - 0.5, hi + 0.5
            rows = max(3, min(7, (self.size.height or 12) // 3 + 1))
            if log:
                ticks = nice_ticks(lo, hi, rows, integer=True) or [round(lo)]
                plt.yticks(ticks, [decade_label(t) for t in ticks])
            else:
                ticks = nice_ticks(lo, hi, rows)
                plt.yticks(ticks, step_labels(ticks))

    def finish(self) -> None:
        self.refresh()


def _short_labels(labels: list[str]) -> list[str]:
    """Drop the parts every label shares ("lr 0.1 · chain-rule" ×2 → "lr 0.1", "lr 1")."""
    parts = [label.split(" · ") for label in labels]
    if len(parts) < 2 or len({len(p) for p in parts}) != 1:
        return labels
    keep = [k for k in range(len(parts[0])) if len({p[k] for p in parts}) > 1]
    return [" · ".join(p[k] for k in keep) for p in parts] if keep else labels


class LossChart(Chart):
    def draw_runs(self, runs: list[tuple[str, np.ndarray]], epoch: int) -> None:
        """One line per run: the loss of epoch k (before its update) at x = k; the current epoch marked."""
        self.shows = "runs"
        log = log_scale_wanted([losses for _, losses in runs])
        self.begin()
        labels = _short_labels([label for label, _ in runs]) if len(runs) > 1 else []
        all_x: list[float] = []
        all_y: list[float] = []
        for index, (label, losses) in enumerate(runs):
            losses = np.asarray(losses, dtype=np.float64)
            x = np.arange(1, losses.size + 1)
            with np.errstate(divide="ignore", invalid="ignore"):
                y = np.log10(np.where(losses > 0, losses, np.nan)) if log else losses
            self.line(index, label, x, y)
            all_x += self.series[-1][1]
            all_y += self.series[-1][2]
        self.axes(all_x + [float(epoch)], all_y, log=log)
        self.mark(epoch)  # drawn last, over the lines: the current epoch is never hidden
        self.title_with_legend("loss" + (" (log scale)" if log else ""), labels, f"epoch {epoch:,}")
        self.finish()

    def draw_sweep(self, rates: np.ndarray, final: np.ndarray, diverged: np.ndarray) -> None:
        """Final loss against the learning rate (log10 on both axes), divergence marked."""
        self.shows = "sweep"
        self.begin("learning rate")
        lr = np.log10(rates)
        ok = ~diverged & np.isfinite(final) & (final > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            y = np.log10(final[ok])
        self.line(0, "trained", lr[ok], y, limit=1000, scatter=True)
        labels = ["trained"]
        marker = None
        top = float(y.max()) if y.size else 0.0
        if diverged.any():
            first = float(lr[diverged].min())
            bad = lr[diverged]
            self.line(1, "diverged", bad, np.full(bad.shape, top), limit=1000, scatter=True)
            labels.append("diverged")
            self.mark(first)
            marker = f"diverges from lr {num(10 ** first, 3)}"
        xs = [v for _, s, _ in self.series for v in s]
        self.axes(xs, y.tolist() or [0.0], log=True, integer_x=False)
        if xs:
            ticks = nice_ticks(math.floor(min(xs)), math.ceil(max(xs)), 5, integer=True)
            self.plt.xticks(ticks, [decade_label(t) for t in ticks])
        self.title_with_legend("final loss vs lr (log scales)", labels, marker)
        self.finish()


class ParameterChart(Chart):
    def draw_histories(self, name: str, histories: list[tuple[str, np.ndarray, np.ndarray]], epoch: int) -> None:
        """The chosen parameter after each epoch's update (x = 0: its initial value), one line per run."""
        self.shows = "parameter"
        self.begin()
        finite = [v[np.isfinite(v)] for _, _, v in histories]
        big = max((float(np.abs(f).max()) for f in finite if f.size), default=0.0)
        symlog = big > 1e4
        all_x: list[float] = []
        all_y: list[float] = []
        for index, (label, x, values) in enumerate(histories):
            y = np.sign(values) * np.log10(1 + np.abs(values)) if symlog else values
            self.line(index, label, x, y)
            all_x += self.series[-1][1]
            all_y += self.series[-1][2]
        self.axes(all_x, all_y)
        if symlog and all_y:
            ticks = symlog_ticks(min(all_y), max(all_y))
            self.plt.yticks([position for position, _ in ticks], [label for _, label in ticks])
            self.yticks = [label for _, label in ticks]
        self.mark(max(epoch - 1, 0))
        title = f"{name} per epoch" + (" (symlog scale)" if symlog else "")
        labels = _short_labels([label for label, _, _ in histories]) if len(histories) > 1 else []
        self.title_with_legend(title, labels, f"epoch {epoch:,}")
        self.finish()


def symlog_ticks(low: float, high: float) -> list[tuple[float, str]]:
    """Ticks of a symlog axis (y = sign(v)·log10(1 + |v|)) at round real values, labelled with
    the values themselves: 0, ±10, ±1,000, ±1e5 … rather than the axis's own 1, 3, 5."""
    def position(v: float) -> float:
        return math.copysign(math.log10(1 + abs(v)), v)

    values = [0.0] + [sign * 10.0**k for k in range(0, 40) for sign in (1, -1)]
    inside = sorted((v for v in values if low - 1e-9 <= position(v) <= high + 1e-9), key=position)
    while len(inside) > 7:  # every other decade, keeping 0
        inside = [v for i, v in enumerate(inside) if v == 0 or i % 2 == 0]
    return [(position(v), tick_label(v)) for v in inside]


class FunctionChart(Chart):
    def draw_function(self, title: str, x: np.ndarray, lines: list[tuple[str, np.ndarray]], cursor: float, ylim: tuple[float, float] | None = None) -> None:
        self.begin()
        for index, (label, y) in enumerate(lines):
            self.line(index, label, x, y)
        ys = [v for _, _, s in self.series for v in s]
        if ylim is not None and all(math.isfinite(v) for v in ylim):
            self.plt.ylim(*ylim)
            ys = [v for v in ys if ylim[0] <= v <= ylim[1]] + list(ylim)
        self.axes(list(np.asarray(x, dtype=float)), ys, integer_x=False)
        self.mark(cursor)
        self.title_with_legend(title, [label for label, _ in lines], f"x = {num(cursor, 3)}")
        self.finish()


class BarChart(Chart):
    def draw_bars(self, title: str, labels: list[str], values: list[float], highlight: int) -> None:
        self.begin()
        # Two bar series on the same positions: plotext 5 takes one colour per series.
        others = [0.0 if k == highlight else v for k, v in enumerate(values)]
        target = [v if k == highlight else 0.0 for k, v in enumerate(values)]
        self.plt.bar(labels, others, color=self.colour(0), width=0.6)
        self.plt.bar(labels, target, color=self.colour(1), width=0.6)
        # Every bar says its value above it: a probability of 0.03 is a bar too low to see, and
        # the number is what the row's −ln p is computed from. The target's is in brackets.
        self.values = [f"[{v:.2f}]" if k == highlight else f"{v:.2f}" for k, v in enumerate(values)]
        for k, (value, text) in enumerate(zip(values, self.values)):
            self.plt.text(text, k + 1, min(value + 0.08, 0.97), alignment="center", color=self.colour("foreground"))
        self.plt.ylim(0, 1)
        self.plt.yticks([0, 0.25, 0.5, 0.75, 1], ["0", "0.25", "0.5", "0.75", "1"])
        self.series = [(title, list(range(len(values))), list(values))]
        self.title_with_legend(title, ["p", "[target]"])
        self.finish()
