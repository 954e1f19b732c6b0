"""The app driven by Textual's pilot: values on screen against the engine, the chapter's
code and hand derivations; stepping, playing, switching, editing, long runs."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from rich.console import Console

from annlab.app import settle
from annlab.app.base import TooSmall
from annlab.app.dialogs import HelpScreen, PickerScreen
from annlab.app.gallery import GalleryScreen, TableScreen
from annlab.app.panels import ChainPanel, NetworkPanel, StepPanel
from annlab.app.training import TrainingScreen
from annlab.cli import load
from annlab.engine.backend import numpy_backend
from annlab.analysis import Analysis
from annlab.training.runner import run_scenario
from tests import chapter_reference as chapter
from tests.app.waits import wait_until

SIZE = (120, 40)


def text_of(panel) -> str:
    """What a panel shows, as plain text."""
    console = Console(width=160, record=True, color_system=None, file=open("/dev/null", "w"))
    console.print(panel.draw(panel.screen.view()))
    return console.export_text()


def sigmoid(h: float) -> float:
    return 1 / (1 + math.exp(-h))


async def test_feed_forward_shows_the_chapters_numbers_step_by_step(make_app):
    # The chapter's walk-through by hand: h = (1.0, 1.3, 0.8), a = σ(h), ŷ = 0.3·a1 + 0.5·a2 + 0.9·a3.
    a = [sigmoid(h) for h in (1.0, 1.3, 0.8)]
    y_hat = 0.3 * a[0] + 0.5 * a[1] + 0.9 * a[2]
    app = make_app("feed-forward")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TrainingScreen)
        await pilot.press("n")  # pre-activations of layer 1
        step = text_of(screen.query_one(StepPanel))
        assert "h11 = x1·W1[1,1] + x2·W1[2,1] + b1[1]" in step
        assert "= 1·0.8 + 1·0.2 + 0 = 1" in step
        assert "= 1·0.4 + 1·0.9 + 0 = 1.3" in step
        await pilot.press("n")  # activations of layer 1
        step = text_of(screen.query_one(StepPanel))
        assert f"a11 = σ(h11) = σ(1) = {a[0]:.5g}" in step  # 0.73106: at least 4 significant digits
        assert f"a12 = σ(h12) = σ(1.3) = {a[1]:.5g}" in step
        await pilot.press("n", "n", "n")  # output pre-activation, activation, loss
        assert screen.cursor.step.kind == "loss"
        step = text_of(screen.query_one(StepPanel))
        assert f"= {y_hat ** 2:.5g}" in step  # C = (ŷ − 0)² = 1.5208
        network = text_of(screen.query_one(NetworkPanel))
        assert f"{y_hat:.5g}" in network and f"{a[2]:.5g}" in network
        # Forward values stay visible during the backward pass.
        await pilot.press("n")
        assert screen.cursor.step.kind == "back"
        assert f"{a[2]:.5g}" in text_of(screen.query_one(NetworkPanel))
        # Full precision on demand.
        await pilot.press("f")
        assert f"{a[0]:.17g}"[:15] in text_of(screen.query_one(NetworkPanel))


async def test_values_at_every_step_equal_the_engines_trace(make_app):
    scenario = load("toy-backprop")
    trace = run_scenario(scenario, numpy_backend())
    run = trace.runs[0]
    app = make_app("toy-backprop")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        first = screen.view().values
        for mine, theirs in zip(first.layers, Analysis(scenario, trace.runs).first_pass().layers):
            for field in ("pre_activation", "activation", "delta", "weight_gradient", "bias_gradient"):
                assert np.array_equal(getattr(mine, field), getattr(theirs, field)), field
        for epoch in (1, 2, 3):
            steps = len(screen.cursor.steps)
            for _ in range(steps - 1):
                await pilot.press("n")
            view = screen.view()
            assert (view.epoch, view.step.kind) == (epoch, "update")
            record = run.record(epoch)
            assert np.array_equal(view.values.weights[0], run.weights_before(epoch)[0][0])
            for got, want in zip(view.record.weights, record.weights):
                assert np.array_equal(got, want)
            assert view.values.loss == pytest.approx(record.loss, rel=1e-6)
            await pilot.press("n")  # into the next epoch
        # To the end: the chapter's own code gives the same final weights, bit for bit.
        await pilot.press("G")
        view = screen.view()
        assert view.epoch == 100 and view.step.kind == "update"
        W, _ = chapter.toy_run(100, 0.01)
        assert np.array_equal(view.record.weights[0], W[0])
        assert np.array_equal(view.record.weights[1], W[2])


async def test_stepping_back_restores_the_values_exactly(make_app):
    app = make_app("toy-backprop")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        seen = []
        for _ in range(25):  # across the boundary of epochs 1, 2 and 3
            seen.append((screen.cursor.position, text_of(screen.query_one(StepPanel)), text_of(screen.query_one(NetworkPanel))))
            await pilot.press("n")
        for position, step, network in reversed(seen):
            await pilot.press("p")
            assert screen.cursor.position == position
            assert text_of(screen.query_one(StepPanel)) == step
            assert text_of(screen.query_one(NetworkPanel)) == network
        await pilot.press("p")  # nothing before the first step
        assert screen.cursor.position == seen[0][0]


async def test_play_pause_and_speed(make_app):
    app = make_app("toy-backprop")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        for _ in range(6):
            await pilot.press("plus")  # the fastest speed: a step every 0.02 s
        await pilot.press("space")
        assert screen.playing
        await wait_until(pilot, lambda: (lambda at: at.epoch > 1 or at.step > 3)(screen.cursor.position), "play to step on")
        await pilot.press("space")
        assert not screen.playing
        moved = screen.cursor.position
        assert moved.epoch > 1 or moved.step > 3
        # Paused means paused: the stepping timer is gone, and the cursor stays put while the
        # app runs for five of its former intervals (a negative: a slow machine can only make
        # this wait weaker, never fail it).
        assert screen._timer is None
        await pilot.pause(5 * 0.02)
        assert screen.cursor.position == moved
        await pilot.press("minus")
        assert screen.speed == 5


async def test_epoch_end_and_reset_keys(make_app):
    app = make_app("y3x-compare")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        await pilot.press("e")
        assert (screen.cursor.position.epoch, screen.cursor.step.kind) == (1, "update")
        # The chapter: after the first epoch at lr 0.01, w is 0.45.
        assert screen.view().record.weights[0][0, 0] == pytest.approx(0.45, abs=0.005)
        await pilot.press("e")
        assert (screen.cursor.position.epoch, screen.cursor.step.kind) == (2, "update")
        await pilot.press("G")
        assert screen.cursor.position.epoch == 1000
        await pilot.press("r")
        assert (screen.cursor.position.epoch, screen.cursor.position.step) == (1, 0)
        # The next run (lr 0.1): after its first epoch w is 4.5.
        await pilot.press("u", "e")
        assert screen.view().run.learning_rate == 0.1
        assert screen.view().record.weights[0][0, 0] == pytest.approx(4.5, abs=0.05)


async def test_chain_rule_panel_matches_the_hand_derivation(make_app):
    app = make_app("feed-forward")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        a1 = sigmoid(1.0)
        y_hat = 0.3 * a1 + 0.5 * sigmoid(1.3) + 0.9 * sigmoid(0.8)
        # ∂C/∂w11 = −2(y − ŷ) · w31 · a11(1 − a11) · x1, the chapter's chain.
        by_hand = 2 * y_hat * 0.3 * a1 * (1 - a1) * 1
        chain = text_of(screen.query_one(ChainPanel))
        assert "∂C/∂W1[1,1] = ∂C/∂ŷ · ∂h21/∂a11 · ∂a11/∂h11 · ∂h11/∂W1[1,1]" in chain
        assert f"= {by_hand:.5g}" in chain
        assert "finite difference" in chain and "central difference" in chain
        # Central difference agrees to ~1e-9 with the chain rule: its relative error is shown.
        shown = re.search(r"central difference \(float64\): [-\d.e]+ · relative error ([\d.e+-]+)", chain)
        assert shown and float(shown.group(1)) < 1e-8, chain
        # Off-path units are dimmed: the chain of W1[1,1] passes through x1, h11 and ŷ only.
        view = screen.view()
        chain_obj = screen.session.analysis.chain(view.run_index, view.epoch, view.update_index, view.parameter)
        assert chain_obj.path_units == {(0, 0), (1, 0), (2, 0)}
        # The next parameter by key, then one chosen by clicking (its click action).
        await pilot.press("right_square_bracket")
        assert screen.view().parameter.name == "W1[2,1]"
        # Click W2[2,1] (a12 → ŷ, the chapter's w32) where the network panel draws it.
        x, y = _where_clicks(app, screen.query_one(NetworkPanel), "screen.pick('weight',2,1,0)")
        await pilot.click(offset=(x, y))
        await pilot.pause()
        assert screen.view().parameter.name == "W2[2,1]"
        # ∂C/∂w32 = 2ŷ · a12.
        assert f"= {2 * y_hat * sigmoid(1.3):.5g}" in text_of(screen.query_one(ChainPanel))


def _where_clicks(app, widget, action: str) -> tuple[int, int]:
    region = widget.region
    for y in range(region.y, region.bottom):
        for x in range(region.x, region.right):
            style = app.screen.get_style_at(x, y)
            if action.replace("'", "") in str(style.meta.get("@click", "")).replace("'", "").replace(" ", ""):
                return x, y
    raise AssertionError(f"nothing in {widget} clicks {action}")


async def test_picker_switches_scenarios_and_reports_bad_files(make_app, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[scenario]\ntitle = "x"\n[network]\nlayers = [2, "three", 1]\n')
    app = make_app("feed-forward")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("o")
        assert isinstance(app.screen, PickerScreen)
        # A bad file: the same one line as `annlab check`, inside the picker.
        from annlab.errors import ScenarioError

        with pytest.raises(ScenarioError) as expected:
            load(str(bad))
        await pilot.press("tab")
        await pilot.press(*str(bad))
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PickerScreen)
        shown = text_of_static(app.screen.query_one("#picker-error"))
        assert "".join(str(expected.value).split()) in "".join(shown.split())
        # A bundled scenario from the list.
        await pilot.press("escape", "o")
        picker = app.screen
        names = [picker.query_one("#picker-list").get_option_at_index(k).id for k in range(picker.query_one("#picker-list").option_count)]
        await pilot.press(*(["down"] * names.index("softmax-table")), "enter")
        await settle(pilot)
        assert isinstance(app.screen, TableScreen)
        assert app.screen.title == "Softmax and categorical cross-entropy"
        # And back to a training scenario by path.
        await pilot.press("o", "tab", *str(load("y3x-lr-0.1").path), "enter")
        await settle(pilot)
        assert isinstance(app.screen, TrainingScreen)
        assert app.screen.session.runs[0].learning_rate == 0.1
        assert len(app.screen_stack) == 2  # the default screen and the main one: nothing left behind


def text_of_static(widget) -> str:
    """The widget's lines as drawn, joined so that text wrapped over lines reads as one."""
    from textual.geometry import Region

    lines = widget.render_lines(Region(0, 0, widget.size.width, widget.size.height))
    return " ".join("".join(segment.text for segment in strip).strip(" │╭╮╰╯─") for strip in lines)


async def test_live_edit_reruns_from_the_same_initial_weights(make_app):
    app = make_app("toy-backprop")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = app.screen.session.runs[0]
        await pilot.press("l")
        lr = app.screen.query_one("#lr")
        lr.value = "0.1, 0.5"
        app.screen.query_one("#epochs").value = "7"
        app.screen.query_one("#gradient").value = "chain-rule"
        await pilot.click("#apply")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TrainingScreen)
        runs = screen.session.runs
        assert [r.learning_rate for r in runs] == [0.1, 0.5]
        assert all(r.epochs_done == 7 and r.gradient == "chain-rule" for r in runs)
        assert np.array_equal(runs[0].initial_weights[0], before.initial_weights[0])
        # Epoch 1's update is w − 0.1·∂C/∂w with the chain rule's gradient.
        view = screen.view()
        g = view.values.layers[0].weight_gradient[0, 0]
        w0 = view.values.weights[0][0, 0]
        assert runs[0].record(1).weights[0][0, 0] == pytest.approx(w0 - 0.1 * g, rel=1e-6)
        # A bad value is refused in the dialog with the command line's words.
        await pilot.press("l")
        app.screen.query_one("#epochs").value = "lots"
        await pilot.click("#apply")
        await pilot.pause()
        assert "expected a whole number of epochs" in text_of_static(app.screen.query_one("#settings-error"))


async def test_long_run_trains_in_the_worker_while_keys_work(make_app):
    scenario = load("toy-backprop").with_training(epochs=2_000_000, gradients=("chain-rule",))
    from annlab.app import create_app

    app = create_app(scenario)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await wait_until(pilot, lambda: len(screen.session.runs[0].steppable_epochs()) > 3, "the worker to train a few epochs")
        assert screen.training
        done_before = screen.session.runs[0].epochs_done
        await pilot.press("e", "e", "e", "question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        # A long run keeps a sample of epochs; e walks through those it can show.
        assert app.screen is screen and screen.cursor.position.epoch == screen.session.runs[0].steppable_epochs()[2]
        assert screen.training  # still training underneath
        await pilot.press("x")  # stop
        await settle(pilot)
        assert not screen.training and screen.stopped
        run = screen.session.runs[0]
        assert done_before < run.epochs_done < 2_000_000
        await pilot.press("G")
        assert screen.cursor.position.epoch <= run.epochs_done


async def test_a_tiny_terminal_says_make_the_window_larger(make_app):
    for name in ("toy-backprop", "softmax-table"):
        app = make_app(name)
        async with app.run_test(size=(50, 15)) as pilot:
            await settle(pilot)
            message = app.screen.query_one(TooSmall)
            assert message.display and message.region.width > 0
            assert "Make the window larger" in text_of_static(message)
            assert all(not w.display for w in app.screen.children if not isinstance(w, TooSmall))
            await pilot.resize_terminal(120, 40)
            await pilot.pause()
            assert not message.display
            await pilot.press("question_mark")
            await pilot.resize_terminal(40, 10)
            await pilot.pause()
            assert app.screen.query_one(TooSmall).display


async def test_sweep_charts_final_loss_and_marks_divergence_at_the_hessian_bound(make_app):
    app = make_app("sweep")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        session = app.screen.session
        assert session.is_sweep and session.all_finished
        # C(w, b) = (1/4) Σ (w·x + b − y)² has Hessian (1/2)[[Σx², Σx], [Σx, 4]] = [[15, 5], [5, 2]];
        # gradient descent diverges above 2/λmax.
        lam = (17 + math.sqrt(13**2 + 4 * 25)) / 2
        bound = 2 / lam
        for run in session.runs:
            assert run.diverged == (run.learning_rate > bound), run.learning_rate
        assert app.screen.query_one("#loss-chart").shows == "sweep"


async def test_boundary_map_for_a_2d_classifier(make_app):
    app = make_app("xor")
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("G")
        screen = app.screen
        text = text_of(screen.query_one("#boundary"))
        assert "A" in text and "B" in text  # the data points, as their classes' letters
        assert "100% of 80 points in their class's region" in text


async def test_galleries_move_the_cursor_and_change_target(make_app):
    app = make_app("losses")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, GalleryScreen)
        start = screen.cursor
        await pilot.press("right", "right")
        assert screen.cursor == pytest.approx(start + 2 * screen.step)
        # MSE for one prediction p against target 1: (p − 1)², slope 2(p − 1).
        values = text_of_static(screen.query_one("#values"))
        p = screen.cursor
        assert f"{(p - 1) ** 2:.5g}" in values and f"{2 * (p - 1):.5g}" in values
        await pilot.press("t")
        assert screen.gallery.target == 0.0
        assert f"{p ** 2:.5g}" in text_of_static(screen.query_one("#values"))


async def test_softmax_table_rows(make_app):
    app = make_app("softmax-table")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down")
        # Row 2: target cat with p = 0.45, loss −ln 0.45.
        text = text_of_static(app.screen.query_one("#explain"))
        assert f"{-math.log(0.45):.4f}" in text and "target cat" in text
        await pilot.press("n", "n", "n")
        assert "ln 5" in text_of_static(app.screen.query_one("#explain"))


async def test_charts_plot_each_runs_losses_and_parameter_epoch_for_epoch(make_app):
    """The loss chart's points are log10 of the engine's losses (this scenario spans decades:
    lr 1 runs off to 1.5e9), at x = the epoch they belong to; the parameter chart shows W1[1,1]
    after each epoch's update, starting from its initial 0. Checked against a separate run."""
    app = make_app("y3x-compare", backend_name="numpy")
    scenario = load("y3x-compare")
    trace = run_scenario(scenario, numpy_backend())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        loss_chart = screen.query_one("#loss-chart")
        assert [label for label, _, _ in loss_chart.series] == [f"lr {r} · finite-difference" for r in ("0.01", "0.1", "1")]
        for (label, xs, ys), run in zip(loss_chart.series, trace.runs):
            assert xs[0] == 1 and xs[-1] == run.losses.size == 1000
            epochs = np.array(xs, dtype=int)
            np.testing.assert_array_equal(ys, np.log10(run.losses[epochs - 1]))
        # The chapter's first loss, 67.5, at epoch 1 of every run (log10 67.5 = 1.8293).
        assert all(abs(ys[0] - 1.8293) < 1e-4 for _, _, ys in loss_chart.series)
        # The legend is in the border title, not over the data.
        assert loss_chart.legend[:4] == ["loss (log scale)", "lr 0.01", "lr 0.1", "lr 1"]
        assert loss_chart.marker == 1
        await pilot.press(*["e"] * 3, "n")
        assert loss_chart.marker == screen.view().epoch == 4
        parameter_chart = screen.query_one("#parameter-chart")
        # lr 0.01 and lr 0.1 both settle at w = 3: their lines lie on top of each other, so each
        # run gets its own chart, on its own y-range: lr 0.01's weights as they are, lr 1's
        # (off to 12755.16) as sign·log10(1 + |w|).
        assert parameter_chart.arrangement == "one chart per run"
        lr01 = parameter_chart.series[0]
        assert lr01[1][0] == 0 and lr01[2][0] == 0.0  # epoch 0: the initial weight
        for x, y in zip(lr01[1][1:], lr01[2][1:]):  # each plotted epoch: the weight after its update
            assert y == float(trace.runs[0].record(int(x)).weights[0][0, 0])
        assert abs(parameter_chart.series[2][2][-1] - math.log10(1 + 12755.16)) < 1e-3
        # m twice: every run in one chart, so every line is drawn on one symlog axis (title: symlog).
        await pilot.press("m", "m")
        assert parameter_chart.arrangement == "one chart"
        lr01 = parameter_chart.series[0]
        assert parameter_chart.legend[0] == "W1[1,1] per epoch (symlog scale)"
        for x, y in zip(lr01[1][1:], lr01[2][1:]):
            w = float(trace.runs[0].record(int(x)).weights[0][0, 0])
            assert y == pytest.approx(math.copysign(math.log10(1 + abs(w)), w), rel=1e-15)
        assert abs(float(trace.runs[0].record(1).weights[0][0, 0]) - 0.45) < 1e-4  # the chapter's w after epoch 1
        assert abs(parameter_chart.series[2][2][-1] - math.log10(1 + 12755.16)) < 1e-3


async def test_the_palette_finds_a_scenario_by_its_file_name(make_app):
    from annlab.app.dialogs import ScenarioCommands
    from annlab.scenario.bundled import bundled_scenarios

    app = make_app("toy-backprop")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        provider = ScenarioCommands(app.screen)
        texts = [str(hit.text) async for hit in provider.search("lr-1")]
        assert any("(y3x-lr-1)" in t for t in texts), texts
        # Descriptions are cut at a word, never mid-word.
        summaries = {b.name: " ".join(b.summary.split()) for b in bundled_scenarios()}
        for _, name, help_text in provider._commands():
            cut = help_text.removesuffix(" …")
            full = summaries[name]
            assert full.startswith(cut) and (len(cut) == len(full) or full[len(cut)] == " "), name


async def test_node_values_wrap_rather_than_lose_their_digits_at_80_columns(make_app):
    """ŷ2 of the spiral is about 1e-4 at the end: at 80 columns its cell is narrower than
    "h32 -2.1761 ŷ2 0.00010198", and a cut ("0.0001…", or "5.65…" for 5.65e-4) teaches a wrong
    number. The network panel wraps at spaces instead: every value it shows is whole."""
    from textual.geometry import Region

    app = make_app("spiral")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("G")
        panel = app.screen.query_one(NetworkPanel)
        lines = panel.render_lines(Region(0, 0, panel.size.width, panel.size.height))
        text = "\n".join("".join(segment.text for segment in strip) for strip in lines)
        assert not re.search(r"[0-9.]…", text), text  # no digit is ever followed by "…"


async def test_the_decision_map_carries_its_classes_without_colour(make_app, monkeypatch):
    """Under NO_COLOR the map is still readable: data points are their class's capital letter,
    regions show the predicted class's lower-case letter."""
    monkeypatch.setenv("NO_COLOR", "1")
    from annlab.app.boundary import BoundaryPanel
    from textual.geometry import Region

    app = make_app("spiral")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("G")
        panel = app.screen.query_one(BoundaryPanel)
        lines = panel.render_lines(Region(0, 0, panel.size.width, panel.size.height))
        text = "\n".join("".join(segment.text for segment in strip) for strip in lines)
        for glyph in "ABCabc":
            assert glyph in text, glyph
        assert "●" not in text
        assert "points in their class's region" in text
        assert panel.border_title == "boundary: A B C points, a b c regions"


async def test_a_symlog_weight_chart_names_real_values(make_app):
    """y = 3x at lr 1 runs w off to 12755 (and exact descent to ±3e38): the weight chart's
    symlog axis says 0, 100, 10,000 …, the weights themselves, not the logarithms 2, 4."""
    from annlab.app.charts import ParameterChart, symlog_ticks

    app = make_app("y3x-lr-1")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("G")
        chart = app.screen.query_one(ParameterChart)
        assert "(symlog scale)" in chart.legend[0]
        # The values themselves: 0 and signed powers of ten up to the 10³⁶ the weight reached,
        # never the logarithms (2, 4, 36).
        assert "0" in chart.yticks and len(chart.yticks) >= 3, chart.yticks
        assert all(re.fullmatch(r"0|-?(1|10|10[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)", t) for t in chart.yticks), chart.yticks
        assert any(t.startswith("10") and len(t) > 3 for t in chart.yticks), chart.yticks
    # A tick sits where its value is drawn: y = sign(v)·log10(1 + |v|); its label is read back
    # here independently: "10" and a superscript exponent, or the number itself.
    digits = dict(zip("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789"))
    labels = []
    for position, label in symlog_ticks(-40, 40) + symlog_ticks(-2.5, 4.1):
        sign, body = (-1, label[1:]) if label.startswith("-") else (1, label)
        value = sign * (10.0 ** int("".join(digits[c] for c in body[2:])) if body[2:] and body[2] in digits else float(body))
        assert position == math.copysign(math.log10(1 + abs(value)), value)
        labels.append(label)
    assert "10⁴" in labels and "-10²" in labels and "0" in labels


async def test_two_progress_bars_where_the_learner_is_and_how_far_training_got(make_app):
    app = make_app("toy-backprop")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        place, trained = screen.query_one("#place"), screen.query_one("#progress")
        assert (trained.progress, trained.total) == (100, 100)  # training is done
        assert (place.progress, place.total) == (1, 100)  # the learner is at epoch 1
        await pilot.press("e", "e", "e")
        assert place.progress == 3
        await pilot.press("G")
        assert place.progress == 100 and trained.progress == 100
