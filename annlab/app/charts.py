"""The plotext charts. Pitfalls avoided (STYLE.md): each chart refreshes itself after
re-plotting; losses spanning decades are plotted as log10 on a linear axis (plotext's log
axes break on redraw); sizes are set in the stylesheet."""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from textual_plotext import PlotextPlot

from annlab.playback.numbers import num

MAX_POINTS = 400  # points per line: more only costs time, the terminal has fewer columns


def thin(x: np.ndarray, y: np.ndarray, limit: int = MAX_POINTS) -> tuple[list[float], list[float]]:
    """At most ``limit`` points, evenly spaced, always keeping the first and the last, finite only."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    if x.size > limit:
        idx = np.unique(np.linspace(0, x.size - 1, limit).astype(int))
        x, y = x[idx], y[idx]
    return x.tolist(), y.tolist()


def log_scale_wanted(series: Sequence[np.ndarray]) -> bool:
    """Plot log10 when the positive values span more than two decades."""
    values = np.concatenate([np.asarray(s, dtype=np.float64).reshape(-1) for s in series] or [np.empty(0)])
    values = values[np.isfinite(values)]
    return bool(values.size and values.min() > 0 and values.max() / values.min() > 100)


class Chart(PlotextPlot):
    """A plotext chart that re-plots from scratch and refreshes itself."""

    shows = ""  # what was plotted last ("runs", "sweep", ...), for tests and the help

    def begin(self, title: str, xlabel: str = "", ylabel: str = ""):
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(title)
        if xlabel:
            plt.xlabel(xlabel)
        if ylabel:
            plt.ylabel(ylabel)
        return plt

    def finish(self) -> None:
        self.refresh()


class LossChart(Chart):
    def draw_runs(self, runs: list[tuple[str, np.ndarray]], epoch: int) -> None:
        """One line per run (loss before each epoch's update), the current epoch marked."""
        self.shows = "runs"
        log = log_scale_wanted([losses for _, losses in runs])
        plt = self.begin("loss per epoch" + (" (log10)" if log else ""), "epoch")
        for label, losses in runs:
            x = np.arange(1, losses.size + 1)
            y = np.log10(np.where(losses > 0, losses, np.nan)) if log else losses
            xs, ys = thin(x, y)
            if xs:
                plt.plot(xs, ys, label=label if len(runs) > 1 else None, marker="braille")
        plt.vline(epoch, "red")
        self.finish()

    def draw_sweep(self, rates: np.ndarray, final: np.ndarray, diverged: np.ndarray) -> None:
        """Final loss against the learning rate (log10 on both axes), divergence marked."""
        self.shows = "sweep"
        plt = self.begin("final loss vs learning rate (log10 both)", "log10 learning rate")
        lr = np.log10(rates)
        ok = ~diverged & np.isfinite(final) & (final > 0)
        xs, ys = thin(lr[ok], np.log10(final[ok]), 1000)
        if xs:
            plt.scatter(xs, ys, marker="braille", label="trained")
        if diverged.any():
            first = float(lr[diverged].min())
            plt.vline(first, "red")
            top = float(np.log10(final[ok]).max()) if ok.any() else 0.0
            bad = lr[diverged]
            plt.scatter(bad.tolist(), [top] * int(bad.size), marker="x", color="red", label=f"diverged (lr ≥ {num(10 ** first, 3)})")
        self.finish()


class ParameterChart(Chart):
    def draw_histories(self, name: str, histories: list[tuple[str, np.ndarray, np.ndarray]], epoch: int) -> None:
        """The chosen parameter after each epoch's update, one line per run."""
        plt = self.begin(f"{name} per epoch", "epoch")
        finite = [v[np.isfinite(v)] for _, _, v in histories]
        big = max((float(np.abs(f).max()) for f in finite if f.size), default=0.0)
        symlog = big > 1e4
        for label, x, values in histories:
            y = np.sign(values) * np.log10(1 + np.abs(values)) if symlog else values
            xs, ys = thin(x, y)
            if xs:
                plt.plot(xs, ys, label=label if len(histories) > 1 else None, marker="braille")
        if symlog:
            plt.title(f"{name} per epoch (sign·log10(1+|v|): it ran off to {num(big, 4)})")
        plt.vline(max(epoch - 1, 0), "red")
        self.finish()


class FunctionChart(Chart):
    def draw_function(self, title: str, x: np.ndarray, lines: list[tuple[str, np.ndarray]], cursor: float, ylim: tuple[float, float] | None = None) -> None:
        plt = self.begin(title)
        for label, y in lines:
            xs, ys = thin(x, y)
            plt.plot(xs, ys, label=label, marker="braille")
        if ylim is not None and all(math.isfinite(v) for v in ylim):
            plt.ylim(*ylim)
        plt.vline(cursor, "red")
        self.finish()


class BarChart(Chart):
    def draw_bars(self, title: str, labels: list[str], values: list[float], highlight: int) -> None:
        plt = self.begin(title)
        colors = ["red" if k == highlight else "blue" for k in range(len(labels))]
        plt.bar(labels, values, color=colors, width=0.6)
        plt.ylim(0, 1)
        self.finish()
