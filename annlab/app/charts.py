"""The plotext charts. Pitfalls avoided (STYLE.md): each chart refreshes itself after
re-plotting; losses spanning decades are plotted as log10 on a linear axis (plotext's log
axes break on redraw), with the ticks labelled in the values themselves (10⁻², 1, 10², 10⁴);
sizes are set in the stylesheet.

Each chart's title and legend live in its border title, in the series' own colours, so the
legend never covers the data; what does not fit there wraps onto rows at the chart's top
instead of being cut. Series colours come from the app's theme, so they stay readable in
light and dark themes; each run also has its own glyph (•, x, +, …) along its line, so runs
are told apart without colour (NO_COLOR, colour-blind learners).

Runs whose lines lie on top of each other are drawn as small multiples, one chart per run,
each on its own y-range (the key m switches); z zooms onto the first epochs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
from rich.cells import cell_len
from rich.text import Text
from textual.color import Color
from textual_plotext import PlotextPlot

from annlab.language import _
from annlab.playback.numbers import num

MAX_POINTS = 400  # points per line: more only costs time, the terminal has fewer columns
# Theme variables for the series, in order; the current-epoch marker uses "error".
SERIES_COLOURS = ("primary", "warning", "success", "accent", "secondary", "foreground")
# Each run's glyph, in order: drawn along its line every few columns, and in the legend, so
# that runs differ by shape as well as by colour.
GLYPHS = ("•", "x", "+", "o", "*", "#")
GLYPH_EVERY = 9  # columns between two glyphs of one line; runs are staggered so overlaps alternate
OVERLAP = 0.02  # two lines closer than this fraction of the y-range …
OVERLAP_SHARE = 0.5  # … over more than this share of their common epochs lie on top of each other
MULTIPLE_MIN_WIDTH, MULTIPLE_MIN_HEIGHT = 18, 7  # the smallest chart of a run worth drawing
SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


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


def power_of_ten(k: int) -> str:
    """10**k as a reader writes it: 0.1, 1 and 10 in full, else 10 with a superscript (10⁻², 10⁴)."""
    return {-1: "0.1", 0: "1", 1: "10"}.get(k, "10" + str(k).translate(SUPERSCRIPT))


def decade_label(power: float) -> str:
    """The tick label for log10(value) = power: the value itself (10⁻³, 0.1, 1, 10², 10⁴)."""
    return power_of_ten(int(round(power)))


def zoom_windows(epochs: int) -> list[int]:
    """The x-ranges the zoom key steps through: every epoch, then the first tenth and the first
    fiftieth (never fewer than 10 epochs): where lr 0.1 oscillates, a 1,000-epoch axis squeezes
    its first epochs into a column or two."""
    windows = [epochs]
    for part in (epochs // 10, epochs // 50):
        window = max(part, 10)
        if window < windows[-1]:
            windows.append(window)
    return windows


def overlapping(lines: Sequence[tuple[Sequence[float], Sequence[float]]], span: float) -> bool:
    """Whether two of the lines (x sorted) lie on top of each other: closer than OVERLAP of the
    y-range ``span`` over more than OVERLAP_SHARE of the epochs they share, when they share at
    least half of the chart's epochs (runs start from the same weights: a run that has only
    begun training lies on the others, and the chart should not switch back and forth)."""
    if span <= 0 or not math.isfinite(span):
        span = 1.0
    arrays = [(np.asarray(x, dtype=float), np.asarray(y, dtype=float)) for x, y in lines if len(x) > 1]
    whole = max((x[-1] for x, _ in arrays), default=0.0) - min((x[0] for x, _ in arrays), default=0.0)
    for i in range(len(arrays)):
        for j in range(i + 1, len(arrays)):
            (xa, ya), (xb, yb) = arrays[i], arrays[j]
            lo, hi = max(xa[0], xb[0]), min(xa[-1], xb[-1])
            if hi <= lo or hi - lo < whole / 2:
                continue
            grid = np.linspace(lo, hi, 200)
            close = np.abs(np.interp(grid, xa, ya) - np.interp(grid, xb, yb)) <= OVERLAP * span
            if close.mean() > OVERLAP_SHARE:
                return True
    return False


def grid_for(count: int, width: int, height: int) -> tuple[int, int] | None:
    """(rows, columns) of small multiples for ``count`` runs in a chart of this size: side by
    side, stacked, or two by two; None when a run's chart would be too small to read."""
    if count < 2 or count > 6:
        return None
    half = math.ceil(count / 2)
    for rows, cols in ((1, count), (count, 1), (2, half), (half, 2)):
        if width // cols >= MULTIPLE_MIN_WIDTH and height // rows >= MULTIPLE_MIN_HEIGHT:
            return rows, cols
    return None


def readable_range(curves: Sequence[np.ndarray], keep: float = 0.8) -> tuple[float, float]:
    """A y-range in which every curve is readable, and 0 is in view: a curve whose full range
    is far wider than most of its points (−1/p runs to −1,000 as p → 0, while its middle 80 %
    lies between −10 and −1) is cut at its own 10th and 90th percentiles, so it does not
    flatten the others; any other curve is shown whole."""
    low, high = 0.0, 0.0
    tail = (1 - keep) / 2 * 100
    for y in curves:
        y = np.asarray(y, dtype=np.float64)
        y = y[np.isfinite(y)]
        if not y.size:
            continue
        lo, hi = float(y.min()), float(y.max())
        q_lo, q_hi = (float(v) for v in np.percentile(y, [tail, 100 - tail]))
        if hi - lo > 4 * (q_hi - q_lo):
            lo, hi = q_lo, q_hi
        low, high = min(low, lo), max(high, hi)
    if high == low:
        low, high = low - 0.5, high + 0.5
    pad = (high - low) * 0.03
    return low - pad, high + pad


def next_multiples(mode: bool | None) -> bool | None:
    """The key m's cycle: one chart per run where lines overlap (None), always, never."""
    modes = (None, True, False)
    return modes[(modes.index(mode) + 1) % len(modes)]


def chart_notice(what: bool | None | str) -> str:
    """What the chart keys say they did (m: a mode of ``next_multiples``; or why they did nothing)."""
    if what == "no zoom":
        return _("Too few epochs to zoom on.")
    if what == "one run":
        return _("One run: its chart is already its own.")
    if what is None:
        return _("Charts: one per run where lines overlap (m).")
    return _("Charts: one per run (m).") if what else _("Charts: every run in one chart (m).")


@dataclass
class LegendPart:
    """One item of a chart's legend: its plain text (for the tests and for measuring), what is
    drawn, and whether it may be left out when there is no room (the current-epoch note)."""

    plain: str
    text: Text
    required: bool = True


class Chart(PlotextPlot):
    """A plotext chart that re-plots from scratch and refreshes itself; its legend wraps."""

    shows = ""  # what was plotted last ("runs", "sweep", ...), for tests and the help

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # What was plotted last, after thinning: (label, xs, ys) per series, for the tests.
        self.series: list[tuple[str, list[float], list[float]]] = []
        self.glyphs: list[str] = []  # each series' glyph, in the order of ``series``
        self.marker: float | None = None
        self.legend: list[str] = []
        self.yticks: list[str] = []
        self.yrange: tuple[float, float] | None = None  # the y-axis's range as drawn
        self.arrangement = "one chart"  # or "one chart per run" (small multiples)
        # Set by the screen before drawing: the last epoch in view (None: all of them), and
        # small multiples wanted (True), not wanted (False) or where lines overlap (None).
        self.zoom: int | None = None
        self.multiples: bool | None = None
        self._parts: list[LegendPart] = []
        self._legend_rows: list[Text] = []
        self._redraw: Callable[[], None] | None = None

    # --- drawing helpers -----------------------------------------------------------------------

    def colour(self, index: int | str) -> tuple[int, int, int]:
        name = SERIES_COLOURS[index % len(SERIES_COLOURS)] if isinstance(index, int) else index
        value = self.app.theme_variables.get(name) or "#888888"
        return Color.parse(value).rgb

    def hex(self, index: int | str) -> str:
        r, g, b = self.colour(index)
        return f"#{r:02x}{g:02x}{b:02x}"

    def begin(self, xlabel: str = ""):
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        if xlabel:
            plt.xlabel(xlabel)
        self.series = []
        self.glyphs = []
        self.marker = None
        self.arrangement = "one chart"
        return plt

    def line(self, index: int, label: str, x, y, limit: int = MAX_POINTS, scatter: bool = False,
             target=None, glyph: str | None = None, window: tuple[float, float] | None = None) -> None:
        """One series: a braille line (or scatter) in its colour and, with a ``glyph``, that glyph
        every GLYPH_EVERY columns along it (staggered by ``index``, so that two runs on top of
        each other alternate their glyphs rather than hide one another)."""
        plt = target or self.plt
        xs, ys = thin(x, y, limit)
        self.series.append((label, xs, ys))
        self.glyphs.append(glyph or "")
        if not xs:
            return
        draw = plt.scatter if scatter else plt.plot
        draw(xs, ys, marker="braille", color=self.colour(index))
        if glyph:
            lo, hi = window or (xs[0], xs[-1])
            columns = max((self.size.width or 60) - 8, 10)  # the plot's, less the y ticks
            every = (hi - lo) / columns * GLYPH_EVERY if hi > lo else 1.0
            start = lo + every * ((index * 3 % GLYPH_EVERY) / GLYPH_EVERY + 0.5)
            at = np.arange(start, hi, every) if every > 0 else np.array([])
            at = at[(at >= xs[0]) & (at <= xs[-1])]
            if at.size:
                plt.scatter(at.tolist(), np.interp(at, xs, ys).tolist(), marker=glyph, color=self.colour(index))

    def mark(self, x: float, target=None) -> None:
        """The current epoch (or cursor) as a vertical line."""
        self.marker = x
        (target or self.plt).vline(x, self.colour("error"))

    def key(self, index: int, label: str, glyph: str = "") -> LegendPart:
        """A run's legend entry: a line in its colour with its glyph, then its label."""
        text = Text()
        text.append(f"━{glyph}━" if glyph else "━━", style=self.hex(index))
        text.append(label)
        return LegendPart(label, text)

    def note(self, plain: str, colour: str | int = "error", symbol: str = "┃", required: bool = True) -> LegendPart:
        """A legend entry for a line that is not a run (the current epoch, a bound)."""
        text = Text()
        text.append(symbol, style=self.hex(colour))
        text.append(plain)
        return LegendPart(plain, text, required)

    def title_with_legend(self, title: str, labels: list[str], marker: str | None = None, glyphs: Sequence[str] = (),
                          notes: Sequence[LegendPart] = ()) -> None:
        """The title, then a key per series, then notes (bounds), then the marker's meaning.
        Shown on the chart's top rule as far as it fits; the rest wraps onto rows inside."""
        self.legend = [title, *labels] + [n.plain for n in notes] + ([marker] if marker else [])  # plain, for the tests
        parts = [LegendPart(title, Text(title, style="bold"))]
        parts += [self.key(k, label, glyphs[k] if k < len(glyphs) else "") for k, label in enumerate(labels)]
        parts += list(notes)
        if marker:
            parts.append(self.note(marker, required=False))
        self._parts = parts
        self._layout_legend()

    def _layout_legend(self) -> None:
        """Flow the legend's parts, in order, onto the top rule and then onto rows inside the
        chart, as words flow in a paragraph: a part moves whole to the next row when it does
        not fit, and only a part wider than a whole row is broken, at its spaces. An optional
        part (the current epoch) is left out rather than given a row of its own."""
        width = max(self.size.width or 60, 10)
        room = width - 4  # the top rule: its corners and the spaces around its title
        lines: list[list[Text]] = [[]]
        used = [0]

        def fits(size: int, gap: int) -> bool:
            return used[-1] + (gap if lines[-1] else 0) + size <= (room if len(lines) == 1 else width)

        for part in self._parts:
            size = cell_len(part.text.plain)
            if not part.required:
                if fits(size, 2):
                    lines[-1].append(Text("  ") if lines[-1] else Text())
                    lines[-1].append(part.text)
                    used[-1] += (2 if used[-1] else 0) + size
                continue
            pieces = [part.text] if size <= width else _words(part.text)
            for index, piece in enumerate(pieces):
                gap = 2 if index == 0 else 1
                piece_size = cell_len(piece.plain)
                if not fits(piece_size, gap):
                    lines.append([])
                    used.append(0)
                if lines[-1]:
                    lines[-1].append(Text(" " * gap))
                    used[-1] += gap
                lines[-1].append(piece)
                used[-1] += piece_size
        self.border_title = Text().join(lines[0]) if lines[0] else None
        self._legend_rows = [Text().join(line) for line in lines[1:] if line]

    def axes(self, xs: Sequence[float], ys: Sequence[float], log: bool = False, integer_x: bool = True,
             target=None, scale: str | None = None, window: tuple[float, float] | None = None,
             width: int = 0, height: int = 0) -> None:
        """Round ticks on both axes; on a log10 or symlog axis the y ticks name the values
        themselves (10⁻², 1, 10², 10⁴), never the logarithms."""
        plt = target or self.plt
        scale = scale or ("log" if log else "linear")
        width = width or self.size.width or 60
        height = height or self.size.height or 12
        xs = [v for v in xs if math.isfinite(v)]
        ys = [v for v in ys if math.isfinite(v)]
        if window is not None:
            xs = list(window)
        if xs:
            lo, hi = min(xs), max(xs)
            if hi > lo:
                plt.xlim(lo, hi)
            ticks = nice_ticks(lo, hi, max(2, min(5, width // 10)), integer=integer_x)
            plt.xticks(ticks, [tick_label(t) for t in ticks])
        if ys:
            lo, hi = min(ys), max(ys)
            if hi == lo:
                lo, hi = lo - 0.5, hi + 0.5
            plt.ylim(lo, hi)
            self.yrange = (lo, hi)
            rows = max(3, min(7, height // 3 + 1))
            if scale == "log":
                ticks = nice_ticks(lo, hi, rows, integer=True) or [round(lo)]
                labels = [decade_label(t) for t in ticks]
            elif scale == "symlog":
                pairs = symlog_ticks(lo, hi, rows)
                ticks, labels = [p for p, _ in pairs], [label for _, label in pairs]
            else:
                ticks = nice_ticks(lo, hi, rows)
                labels = step_labels(ticks)
            plt.yticks(ticks, labels)
            self.yticks = labels

    def finish(self) -> None:
        self.refresh()

    # --- small multiples and zoom ------------------------------------------------------------

    def plot_runs(self, title: str, scale_of: Callable[[list[np.ndarray]], str], runs: list[tuple[str, np.ndarray, np.ndarray]],
                  epoch: int, marker_x: float) -> None:
        """Lines against the epoch, one per run: all in one chart with a glyph each, or, where
        lines lie on top of each other (or the key m asks), one chart per run on its own
        y-range. ``scale_of`` names the y-axis for a set of value arrays ("linear", "log",
        "symlog"); ``zoom`` keeps the first epochs only."""
        self.begin()
        first = min((float(x[0]) for _, x, _ in runs if len(x)), default=0.0)
        last = max((float(x[-1]) for _, x, _ in runs if len(x)), default=1.0)
        window = (first, float(self.zoom)) if self.zoom and self.zoom < last else None
        if window is not None:
            runs = [(label, x[x <= window[1]], y[x <= window[1]]) for label, x, y in runs]
        scale = scale_of([y for _, _, y in runs])
        lines = [(label, x, scaled(y, scale)) for label, x, y in runs]
        in_view = np.concatenate([y[np.isfinite(y)] for _, _, y in lines] or [np.empty(0)])
        span = float(in_view.max() - in_view.min()) if in_view.size else 0.0
        labels = _short_labels([label for label, _, _ in runs]) if len(runs) > 1 else []
        zoom_note = (_("epochs {first} to {last} (z: all)").format(first=f"{window[0]:,.0f}", last=f"{window[1]:,.0f}")
                     if window else None)
        marker = _("epoch {epoch}").format(epoch=f"{epoch:,}")
        in_window = window is None or marker_x <= window[1]

        wanted = self.multiples if self.multiples is not None else overlapping([(x, y) for _, x, y in lines], span)
        grid = grid_for(len(runs), self.size.width or 60, (self.size.height or 16) - 2) if wanted else None
        if grid is not None:
            # One x-range for every run's chart (a run that stopped early ends early); a y-range each.
            self._draw_multiples(grid, runs, labels, scale_of, window or (first, last), marker_x if in_window else None)
            notes = [self.note(_("one chart per run, own y-ranges (m)"), "foreground", "▦")]
            if zoom_note:
                notes.append(self.note(zoom_note, "foreground", "⇤"))
            self.title_with_legend(title, [], marker if in_window else None, notes=notes)
        else:
            xs: list[float] = []
            ys: list[float] = []
            glyphs = GLYPHS if len(runs) > 1 else ()
            for index, (label, x, y) in enumerate(lines):
                self.line(index, label, x, y, glyph=glyphs[index % len(glyphs)] if glyphs else None, window=window or (first, last))
                xs += self.series[-1][1]
                ys += self.series[-1][2]
            self.axes(xs + ([marker_x] if in_window else []), ys, scale=scale, window=window)
            if in_window:
                self.mark(marker_x)  # drawn last, over the lines: the current epoch is never hidden
            notes = [self.note(zoom_note, "foreground", "⇤")] if zoom_note else []
            title = scale_note(title, scale)
            self.title_with_legend(title, labels, marker if in_window else None, glyphs=list(glyphs), notes=notes)
        self.finish()

    def _draw_multiples(self, grid: tuple[int, int], runs, labels: list[str], scale_of, window, marker_x: float | None) -> None:
        rows, cols = grid
        self.arrangement = "one chart per run"
        self.plt.subplots(rows, cols)
        width, height = (self.size.width or 60) // cols, ((self.size.height or 16) - 2) // rows
        names = labels or [label for label, _, _ in runs]
        for index, ((label, x, y), name) in enumerate(zip(runs, names)):
            sub = self.plt.subplot(index // cols + 1, index % cols + 1)
            scale = scale_of([y])  # each run on its own axis: the others do not flatten it
            glyph = GLYPHS[index % len(GLYPHS)]
            # The run alone: its ticks say the scale (10², 10⁴), and plotext measures a title
            # by characters, so a note in wide (Chinese) characters would overrun the chart.
            sub.title(f"{glyph} {name}")
            self.line(index, label, x, scaled(y, scale), target=sub, window=window)
            self.glyphs[-1] = glyph
            _, xs, ys = self.series[-1]
            self.axes(xs + ([marker_x] if marker_x is not None else []), ys, scale=scale, window=window,
                      target=sub, width=width, height=height)
            if marker_x is not None:
                self.mark(marker_x, target=sub)

    def on_resize(self) -> None:
        # A different size may want a different layout (small multiples, the legend's rows).
        if self._redraw is not None:
            self._redraw()
        elif self._parts:
            self._layout_legend()

    def render(self):
        """The legend rows that did not fit on the top rule, then the plot in the rows left."""
        rows = self._legend_rows
        width, height = self.size.width, max(self.size.height - len(rows), 3)
        self._plot.plotsize(width, height)
        self._plot._set_size(width, height)  # as textual-plotext's own render does (its issue #5)
        self._plot.theme(self._get_plotext_theme_name(self.app.theme))
        plot = Text.from_ansi(self._plot.build())
        return Text("\n").join([*rows, plot]) if rows else plot


def _words(text: Text) -> list[Text]:
    """``text`` cut at its spaces (styles kept), for a legend part wider than a row."""
    pieces, start = [], 0
    plain = text.plain
    for index, char in enumerate(plain + " "):
        if char == " ":
            if index > start:
                pieces.append(text[start:index])
            start = index + 1
    return pieces


def scaled(y: np.ndarray, scale: str) -> np.ndarray:
    """Values as drawn: log10 on a log axis (positive values only), sign·log10(1 + |v|) on a
    symlog axis, else themselves."""
    y = np.asarray(y, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        if scale == "log":
            return np.log10(np.where(y > 0, y, np.nan))
        if scale == "symlog":
            return np.sign(y) * np.log10(1 + np.abs(y))
    return y


def scale_note(title: str, scale: str) -> str:
    """The title with a note on a log or symlog y-axis (none on a linear one)."""
    if scale == "log":
        return _("{title} (log scale)").format(title=title)
    if scale == "symlog":
        return _("{title} (symlog scale)").format(title=title)
    return title


def _short_labels(labels: list[str]) -> list[str]:
    """Drop the parts every label shares ("lr 0.1 · chain-rule" ×2 → "lr 0.1", "lr 1")."""
    parts = [label.split(" · ") for label in labels]
    if len(parts) < 2 or len({len(p) for p in parts}) != 1:
        return labels
    keep = [k for k in range(len(parts[0])) if len({p[k] for p in parts}) > 1]
    return [" · ".join(p[k] for k in keep) for p in parts] if keep else labels


def loss_scale(series: list[np.ndarray]) -> str:
    return "log" if log_scale_wanted(series) else "linear"


def parameter_scale(series: list[np.ndarray]) -> str:
    """symlog once a value passes 10,000: a run that ran off would flatten the others to 0."""
    finite = [s[np.isfinite(s)] for s in (np.asarray(v, dtype=np.float64) for v in series)]
    big = max((float(np.abs(f).max()) for f in finite if f.size), default=0.0)
    return "symlog" if big > 1e4 else "linear"


class LossChart(Chart):
    def draw_runs(self, runs: list[tuple[str, np.ndarray]], epoch: int) -> None:
        """One line per run: the loss of epoch k (before its update) at x = k; the current epoch marked."""
        self.shows = "runs"
        self._redraw = lambda: self.draw_runs(runs, epoch)
        lines = [(label, np.arange(1, np.asarray(losses).size + 1), np.asarray(losses, dtype=np.float64)) for label, losses in runs]
        self.plot_runs(_("loss"), loss_scale, lines, epoch, float(epoch))

    def draw_sweep(self, rates: np.ndarray, final: np.ndarray, diverged: np.ndarray, bound: float | None = None) -> None:
        """Final loss against the learning rate (log10 on both axes), the runs that failed marked
        with x at the top, the first rate that failed as a line and, where the loss has one,
        the exact bound 2/λmax beside it: both named in the legend, which never drops them."""
        self.shows = "sweep"
        self._redraw = lambda: self.draw_sweep(rates, final, diverged, bound)
        self.begin(_("learning rate"))
        lr = np.log10(rates)
        ok = ~diverged & np.isfinite(final) & (final > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            y = np.log10(final[ok])
        self.line(0, _("trained"), lr[ok], y, limit=1000, scatter=True)
        labels, glyphs = [_("trained")], ["⠒"]
        notes = []
        top = float(y.max()) if y.size else 0.0
        if diverged.any():
            first = float(lr[diverged].min())
            bad = lr[diverged]
            self.series.append((_("diverged"), *thin(bad, np.full(bad.shape, top), 1000)))
            self.glyphs.append("x")
            self.plt.scatter(self.series[-1][1], self.series[-1][2], marker="x", color=self.colour(1))
            labels.append(_("diverged"))
            glyphs.append("x")
        if bound is not None and math.isfinite(bound) and bound > 0:
            # Drawn first: where it falls on the same column, the rate that broke stays on top.
            self.plt.vline(math.log10(bound), self.colour("success"))
            notes.append(self.note(_("bound 2/λmax = {rate}").format(rate=num(bound, 4)), "success", "┊"))
        if diverged.any():
            self.mark(first)
            notes.insert(0, self.note(_("diverges from lr {rate}").format(rate=num(10 ** first, 3))))
        xs = [v for _, s, _ in self.series for v in s] + ([math.log10(bound)] if notes and bound else [])
        self.axes(xs, y.tolist() or [0.0], log=True, integer_x=False)
        if xs:
            ticks = nice_ticks(math.floor(min(xs)), math.ceil(max(xs)), 5, integer=True)
            self.plt.xticks(ticks, [decade_label(t) for t in ticks])
        self.title_with_legend(_("final loss vs lr (log scales)"), labels, glyphs=glyphs, notes=notes)
        self.finish()


class ParameterChart(Chart):
    def draw_histories(self, name: str, histories: list[tuple[str, np.ndarray, np.ndarray]], epoch: int) -> None:
        """The chosen parameter after each epoch's update (x = 0: its initial value), one line per run."""
        self.shows = "parameter"
        self._redraw = lambda: self.draw_histories(name, histories, epoch)
        lines = [(label, np.asarray(x, dtype=np.float64), np.asarray(v, dtype=np.float64)) for label, x, v in histories]
        self.plot_runs(_("{name} per epoch").format(name=name), parameter_scale, lines, epoch, float(max(epoch - 1, 0)))


def symlog_label(value: float) -> str:
    """A symlog tick's label: the value itself (0, ±1, ±10, ±10², ±10⁴)."""
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    return sign + power_of_ten(int(round(math.log10(abs(value)))))


def symlog_ticks(low: float, high: float, most: int = 7) -> list[tuple[float, str]]:
    """Ticks of a symlog axis (y = sign(v)·log10(1 + |v|)) at round real values, labelled with
    the values themselves: 0, ±10, ±10³, ±10⁵ … rather than the axis's own 1, 3, 5."""
    def position(v: float) -> float:
        return math.copysign(math.log10(1 + abs(v)), v)

    decades = [k for k in range(0, 40) if position(10.0**k) <= max(abs(low), abs(high)) + 1e-9] or [0]
    for step in (1, 2, 3, 4, 5, 10, 20, 40):  # every decade, then every other …, until few enough
        # Counted down from the largest decade, so the axis's end is labelled; 1 only when
        # every decade is (beside 0 it would crowd it).
        values = [0.0] + [sign * 10.0**k for k in decades if (decades[-1] - k) % step == 0 and (k or step == 1)
                          for sign in (1, -1)]
        inside = sorted((v for v in values if low - 1e-9 <= position(v) <= high + 1e-9), key=position)
        if len(inside) <= max(most, 3):
            break
    return [(position(v), symlog_label(v)) for v in inside]


class FunctionChart(Chart):
    def draw_function(self, title: str, x: np.ndarray, lines: list[tuple[str, np.ndarray]], cursor: float, ylim: tuple[float, float] | None = None) -> None:
        self._redraw = lambda: self.draw_function(title, x, lines, cursor, ylim)
        self.begin()
        glyphs = GLYPHS[: len(lines)]
        lo, hi = float(np.min(x)), float(np.max(x))
        for index, (label, y) in enumerate(lines):
            self.line(index, label, x, y, glyph=glyphs[index], window=(lo, hi))
        ys = [v for _, _, s in self.series for v in s]
        if ylim is not None and all(math.isfinite(v) for v in ylim):
            ys = [v for v in ys if ylim[0] <= v <= ylim[1]] + list(ylim)
        self.axes(list(np.asarray(x, dtype=float)), ys, integer_x=False)
        self.mark(cursor)
        self.title_with_legend(title, [label for label, _ in lines], f"x = {num(cursor, 3)}", glyphs=glyphs)
        self.finish()


class BarChart(Chart):
    # The shortest bar drawn, as a share of the axis: a probability of 0.02 is a bar too low to
    # see at any terminal height, yet it is what −ln p is computed from; its number says the truth.
    SHORTEST = 0.04

    def draw_bars(self, title: str, labels: list[str], values: list[float], highlight: int) -> None:
        self._redraw = lambda: self.draw_bars(title, labels, values, highlight)
        self.begin()
        rows = max((self.size.height or 14) - 4, 4)
        shortest = max(self.SHORTEST, 1.0 / rows)  # at least one row of the plot
        drawn = [max(v, shortest) if v > 0 else 0.0 for v in values]
        # Two bar series, one colour each (plotext 5 takes one per series); each series holds
        # only its own bars: a zero-height bar would paint over the other series' bottom row.
        positions = list(range(1, len(values) + 1))
        others = [k for k in range(len(values)) if k != highlight]
        self.plt.bar([positions[k] for k in others], [drawn[k] for k in others], color=self.colour(0), width=0.6)
        self.plt.bar([positions[highlight]], [drawn[highlight]], color=self.colour(1), width=0.6)
        self.plt.xlim(0.5, len(values) + 0.5)
        self.plt.xticks(positions, labels)
        # Every bar says its value above it: the number is what the row's −ln p is computed
        # from. The target's is in brackets, so it is found without colour too.
        self.values = [f"[{v:.2f}]" if k == highlight else f"{v:.2f}" for k, v in enumerate(values)]
        self.drawn = drawn
        for k, (value, text) in enumerate(zip(drawn, self.values)):
            self.plt.text(text, k + 1, min(value + 0.08, 0.97), alignment="center", color=self.colour("foreground"))
        self.plt.ylim(0, 1)
        self.plt.yticks([0, 0.25, 0.5, 0.75, 1], ["0", "0.25", "0.5", "0.75", "1"])
        self.series = [(title, list(range(len(values))), list(values))]
        self.title_with_legend(title, ["p", _("[target]")])
        self.finish()
