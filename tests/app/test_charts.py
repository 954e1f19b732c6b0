"""The charts make the chapter's point at every size: runs told apart without colour, small
multiples where lines overlap, a zoom onto the first epochs, the sweep's bound in view,
legends never cut, loss-gallery ranges that keep every curve readable, visible softmax bars.

The screen is read as the learner sees it: the chart scrolled into view, the terminal's
rows as text (``screen_text``)."""

from __future__ import annotations

import math
import re
from contextlib import asynccontextmanager

import numpy as np
import pytest
from textual.geometry import Region

from annlab.app import settle
from annlab.app.charts import BarChart, FunctionChart, decade_label, overlapping, readable_range, zoom_windows
from annlab.cli import load
from annlab.engine.backend import numpy_backend
from annlab.playback.numbers import num
from annlab.training.runner import run_scenario

SIZES = [(80, 24), (120, 40), (200, 60)]


async def screen_text(pilot, widget) -> str:
    """The whole terminal as text, once ``widget`` has been scrolled into view."""
    widget.scroll_visible(animate=False, immediate=True)
    await pilot.pause()
    strips = pilot.app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)


def chart_text(chart) -> str:
    """The chart as drawn: its top rule (title and legend), the legend's rows, the plot."""
    lines = chart.render_lines(Region(0, 0, chart.outer_size.width, chart.outer_size.height))
    return "\n".join("".join(segment.text for segment in strip) for strip in lines)


def plot_rows(chart) -> str:
    """The plot alone: the rows between the frame's top and bottom (no legend, no ticks)."""
    rows = chart_text(chart).splitlines()
    top = next(i for i, row in enumerate(rows) if "┌" in row)
    bottom = next(i for i, row in enumerate(rows) if "└" in row)
    return "\n".join(rows[top + 1 : bottom])


@asynccontextmanager
async def compared_to_the_end(make_app):
    """y = 3x at lr 0.01, 0.1 and 1 (the chapter's comparison), run to its end at 120×40:
    (the app, its pilot, the loss chart, the weight chart)."""
    app = make_app("y3x-compare", backend_name="numpy")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("G")
        yield app, pilot, app.screen.query_one("#loss-chart"), app.screen.query_one("#parameter-chart")


def reads(text: str) -> str:
    """Text as a sentence: rules and line breaks gone, runs of spaces made one."""
    return " ".join(text.replace("─", " ").split())


# --- pure helpers -------------------------------------------------------------------------------


def test_log_ticks_name_the_values_themselves():
    # The issue's own example: 10⁻², 1, 10², 10⁴ (and 0.1, 10 in full).
    assert [decade_label(k) for k in (-2, -1, 0, 1, 2, 4)] == ["10⁻²", "0.1", "1", "10", "10²", "10⁴"]
    assert decade_label(-5.0000001) == "10⁻⁵"


def test_zoom_windows_step_down_to_the_first_epochs():
    assert zoom_windows(1000) == [1000, 100, 20]
    assert zoom_windows(100) == [100, 10]
    assert zoom_windows(8) == [8]


def test_overlap_is_lines_on_top_of_each_other_for_most_epochs():
    x = np.arange(100.0)
    settle_at_3 = 3 - 3 * 0.9**x
    assert overlapping([(x, settle_at_3), (x, settle_at_3 + 0.01)], span=3.0)
    assert not overlapping([(x, settle_at_3), (x, settle_at_3 / 2)], span=3.0)
    # Apart at first, together later, but only for the last 10 % of the epochs: not overlapping.
    late = np.where(x > 90, settle_at_3, 0.0)
    assert not overlapping([(x, settle_at_3), (x, late)], span=3.0)
    # A run that has only begun (its first 5 epochs, where every run starts alike) is not on top.
    assert not overlapping([(x, settle_at_3), (x[:5], settle_at_3[:5])], span=3.0)


# --- runs without colour, small multiples, zoom -----------------------------------------------------


async def test_each_run_has_its_own_glyph_and_keeps_it_without_colour(make_app, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    async with compared_to_the_end(make_app) as (app, pilot, chart, _):
        assert app.no_color
        assert chart.arrangement == "one chart"
        assert chart.glyphs == ["•", "x", "+"]
        plot = plot_rows(chart)
        for glyph in ("•", "x", "+"):  # along the lines themselves, not only in the legend
            assert glyph in plot, (glyph, plot)
        legend = reads(chart_text(chart))
        for key in ("━•━lr 0.01", "━x━lr 0.1", "━+━lr 1"):
            assert key in legend, legend


async def test_overlapping_weight_lines_become_one_chart_per_run_and_m_switches(make_app):
    async with compared_to_the_end(make_app) as (app, pilot, losses, weights):
        # lr 0.01 and lr 0.1 both settle at w = 3; the losses stay apart.
        assert weights.arrangement == "one chart per run" and losses.arrangement == "one chart"
        text = chart_text(weights)
        for heading in ("• lr 0.01", "x lr 0.1", "+ lr 1"):  # each run's own chart says which run
            assert heading in text, text
        assert text.count("┌") == 3
        await pilot.press("m")  # one chart per run, everywhere
        assert losses.arrangement == "one chart per run"
        await pilot.press("m")  # every run in one chart
        assert weights.arrangement == "one chart" and losses.arrangement == "one chart"
        assert chart_text(weights).count("┌") == 1
        await pilot.press("m")  # back to: where lines overlap
        assert weights.arrangement == "one chart per run" and losses.arrangement == "one chart"


async def test_the_zoom_key_shows_the_first_epochs_where_lr_0_1_oscillates(make_app):
    trace = run_scenario(load("y3x-compare"), numpy_backend())
    async with compared_to_the_end(make_app) as (app, pilot, losses, weights):
        assert max(losses.series[0][1]) == 1000
        await pilot.press("z")
        assert max(losses.series[0][1]) == 100 and min(losses.series[0][1]) == 1
        await pilot.press("z")
        for _, xs, _ in losses.series:
            assert xs == list(range(1, 21))  # every one of the first 20 epochs, none thinned away
        # lr 0.1's weight, epoch by epoch: it overshoots 3 and swings back (the chapter's 4.5 first).
        label, xs, ys = weights.series[1]
        assert xs == list(range(0, 21))
        expected = [0.0] + [float(trace.runs[1].record(e).weights[0][0, 0]) for e in range(1, 21)]
        assert ys == pytest.approx(expected, rel=1e-6)
        assert abs(ys[1] - 4.5) < 1e-3
        swings = np.sign(np.diff(ys[1:]))
        assert (swings[1:] != swings[:-1]).sum() >= 3  # it goes up and down, visibly
        assert "epochs 1 to 20 (z: all)" in reads(chart_text(losses))
        await pilot.press("z")
        assert max(losses.series[0][1]) == 1000


# --- the sweep, legends ---------------------------------------------------------------------------


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_sweeps_bound_and_where_training_broke_are_on_screen(make_app, size):
    # Hand derivation (as in test_pilot): H = [[15, 5], [5, 2]], λmax = (17 + √269)/2, bound 2/λmax.
    bound = 2 / ((17 + math.sqrt(13**2 + 4 * 25)) / 2)
    rates = np.logspace(-3, 0, 30)  # the test scenario's sweep
    broke = float(rates[rates > bound].min())
    app = make_app("sweep")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        chart = app.screen.query_one("#loss-chart")
        assert chart.shows == "sweep"
        screen = reads(await screen_text(pilot, chart))
        assert f"bound 2/λmax = {num(bound, 4)}" in screen, screen
        assert f"diverges from lr {num(broke, 3)}" in screen, screen
        assert "…" not in reads(chart_text(chart))


CHARTED = [
    ("y3x-compare", ["G"], ["#loss-chart", "#parameter-chart"]),
    ("y3x-optimizers", ["G"], ["#loss-chart", "#parameter-chart"]),
    ("sweep", [], ["#loss-chart"]),
    ("losses", [], ["FunctionChart"]),
    ("activations", [], ["FunctionChart"]),
    ("softmax-table", [], ["BarChart"]),
]


@pytest.mark.parametrize("size", SIZES)
async def test_legends_are_never_cut(make_app, size):
    for name, keys, selectors in CHARTED:
        app = make_app(name, backend_name="numpy")
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await pilot.press(*keys)
            for selector in selectors:
                for chart in app.screen.query(selector):
                    text = reads(chart_text(chart))
                    assert "…" not in text, (name, size, text)
                    required = chart.legend[:-1] if chart.shows != "sweep" and chart.legend[-1].startswith(("epoch", "x =")) else chart.legend
                    for part in required:
                        if chart.arrangement == "one chart per run" and part != chart.legend[0]:
                            continue  # the runs' names head their own charts
                        assert reads(part) in text, (name, size, part, text)


# --- the loss gallery, the softmax bars -------------------------------------------------------------


async def test_the_loss_gallerys_ranges_keep_every_curve_readable(make_app):
    app = make_app("losses")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        charts = list(app.screen.query(FunctionChart))
        assert len(charts) == 4
        for chart in charts:
            low, high = chart.yrange
            for label, _, ys in chart.series:
                ys = np.array(ys)
                shown = ys[(ys >= low) & (ys <= high)]
                assert shown.size > ys.size / 2, (chart.legend[0], label)  # most of the curve is in view
                # and it spans a visible part of the plot's height, not a flat line at its edge
                assert (shown.max() - shown.min()) / (high - low) > 0.2, (chart.legend[0], label, low, high)


def test_a_readable_range_cuts_only_a_plunging_tail():
    p = np.linspace(0.001, 1, 1000)
    low, high = readable_range([-np.log(p), -1 / p])
    assert -15 < low < -9 and high > -np.log(0.001)  # −1/p cut near its 10th percentile, −ln p whole
    low, high = readable_range([(p - 1) ** 2, 2 * (p - 1)])
    assert low < -2 and high > 1  # nothing plunges: both shown whole


async def test_every_softmax_bar_is_visible_and_says_its_value(make_app):
    app = make_app("softmax-table")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        bars = app.screen.query_one(BarChart)
        # Row 1 (target dog, p = 0.88): each value is written above its bar, the target's in brackets.
        assert bars.values == ["[0.88]", "0.05", "0.03", "0.02", "0.02"]
        assert "[target]" in bars.legend
        bottom = plot_rows(bars).splitlines()[-1]
        assert len(re.findall(r"█+", bottom)) == 5, bottom  # 0.02 is a bar you can see
        text = plot_rows(bars)
        for value in bars.values:
            assert value in text
