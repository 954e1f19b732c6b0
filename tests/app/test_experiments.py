"""Experiments a learner can keep (issue 13): the settings change activations, batch size and
optimiser; w writes the experiment as a scenario file; the softmax table is edited live."""

from __future__ import annotations

import math

import numpy as np
from textual.widgets import Input, Select

from annlab.app import settle
from annlab.app.keep import KeepScreen
from annlab.app.settings import SettingsScreen
from annlab.app.training import TrainingScreen
from annlab.scenario.loader import load_scenario
from tests.app.test_pilot import text_of_static

SIZE = (120, 40)


def options_of(select: Select) -> list[str]:
    return [value for _, value in select._options if isinstance(value, str)]


async def test_a_linear_hidden_layer_makes_xor_a_single_linear_map_that_fails(make_app):
    app = make_app("xor")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tanh_run = app.screen.session.runs[0].result
        await pilot.press("l")
        dialog = app.screen
        assert isinstance(dialog, SettingsScreen)
        # Categorical cross-entropy scores only a softmax output: the only choice offered.
        assert options_of(dialog.query_one("#activation-1", Select)) == ["softmax"]
        assert "softmax" not in options_of(dialog.query_one("#activation-0", Select))
        dialog.query_one("#activation-0", Select).value = "linear"
        await pilot.click("#apply")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TrainingScreen)
        assert screen.scenario.network.activations == ("linear", "softmax")
        linear_run = screen.session.runs[0].result
        # The same initial weights: an activation changes no shape.
        for before, after in zip(tanh_run.initial_weights + tanh_run.initial_biases, linear_run.initial_weights + linear_run.initial_biases):
            assert np.array_equal(before, after)

    x, y = screen.scenario.inputs, screen.scenario.targets
    (w1, w2), (b1, b2) = linear_run.final_weights, linear_run.final_biases
    # Without a non-linearity the two layers are one linear map: x·(W1·W2) + (b1·W2 + b2).
    logits = (x @ w1 + b1) @ w2 + b2
    assert np.allclose(logits, x @ (w1 @ w2) + (b1 @ w2 + b2))
    # A straight line cannot separate xor's corners: at best three of four clusters, and this
    # one stays near the coin toss's loss ln 2 = 0.693. The tanh network gets every point.
    linear_accuracy = float(np.mean(logits.argmax(1) == y.argmax(1)))
    h = np.tanh(x @ tanh_run.final_weights[0] + tanh_run.final_biases[0])
    tanh_accuracy = float(np.mean((h @ tanh_run.final_weights[1] + tanh_run.final_biases[1]).argmax(1) == y.argmax(1)))
    assert linear_accuracy <= 0.8 and linear_run.final_loss > 0.6
    assert tanh_accuracy == 1.0 and tanh_run.final_loss < 0.05


async def test_batch_size_and_optimisers_change_and_bad_values_are_refused_in_the_loaders_words(make_app):
    app = make_app("xor")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("l")
        dialog = app.screen
        dialog.query_one("#batch", Input).value = "500"
        await pilot.click("#apply")
        await pilot.pause()
        assert "training.batch_size: found 500; expected 0 (full batch) to 80 (the number of data points)" in text_of_static(dialog.query_one("#settings-error"))
        dialog.query_one("#batch", Input).value = "20"
        dialog.query_one("#epochs", Input).value = "5"
        dialog.query_one("#optimizer", Select).value = "sgd,momentum,adam"
        dialog.query_one("#batch", Input).focus()
        await pilot.press("enter")  # Enter in a field applies, as the button does
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TrainingScreen)
        assert screen.scenario.training.batch_size == 20
        runs = [run.result for run in screen.session.runs]
        assert [run.optimizer for run in runs] == ["sgd", "momentum", "adam"]
        assert all(run.batch_size == 20 and run.epochs_run == 5 for run in runs)

    app = make_app("y3x-lr-0.1")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("l")
        # mse with one output: anything but softmax (a softmax of one output is always 1).
        assert options_of(app.screen.query_one("#activation-0", Select)) == ["sigmoid", "tanh", "relu", "linear"]


async def test_w_keeps_the_experiment_and_asks_before_replacing(make_app, tmp_path):
    app = make_app("xor")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("l")
        app.screen.query_one("#activation-0", Select).value = "relu"
        app.screen.query_one("#optimizer", Select).value = "adam"
        await pilot.click("#apply")
        await settle(pilot)
        changed = app.screen.scenario
        await pilot.press("w")
        dialog = app.screen
        assert isinstance(dialog, KeepScreen)
        assert dialog.query_one("#keep-path", Input).value.endswith("xor-experiment.toml")
        target = tmp_path / "mine.toml"
        dialog.query_one("#keep-path", Input).value = str(target)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, TrainingScreen)
        kept = load_scenario(target)
        assert kept.network.activations == ("relu", "softmax") and kept.training.optimizers == ("adam",)
        assert all(np.array_equal(a, b) for a, b in zip(kept.network.weights, changed.network.weights))
        assert np.array_equal(kept.inputs, changed.inputs)

        # Again, to the same file: asked first, written only on a second Enter.
        target.write_text("# my notes\n")
        await pilot.press("w")
        dialog = app.screen
        dialog.query_one("#keep-path", Input).value = str(target)
        await pilot.press("enter")
        await pilot.pause()
        assert "exists: press Enter (or Write) again to replace it" in text_of_static(dialog.query_one("#keep-error"))
        assert target.read_text() == "# my notes\n"
        await pilot.press("enter")
        await pilot.pause()
        assert load_scenario(target).training.optimizers == ("adam",)

        # A folder that is not there: one line, and the dialog stays.
        await pilot.press("w")
        dialog = app.screen
        dialog.query_one("#keep-path", Input).value = str(tmp_path / "nowhere" / "x.toml")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, KeepScreen)
        assert "does not exist" in text_of_static(dialog.query_one("#keep-error"))


async def test_w_writes_nothing_under_serve(make_app, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = make_app("xor")
    app.catalogue = object()  # what `annlab serve` sets: the class's scenarios only
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("w")
        await pilot.pause()
        assert isinstance(app.screen, TrainingScreen)
        notices = [n.message for n in app._notifications]
        assert any("not written to files in the browser lab" in m for m in notices)
    assert list(tmp_path.iterdir()) == []


async def test_editing_a_softmax_row_updates_its_loss_and_the_mean(make_app):
    app = make_app("softmax-table")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        await pilot.press("down", "enter")  # row 2: the cat
        box = screen.query_one("#table-edit-input", Input)
        assert screen.editing == 1 and box.value == "0.3, 0.45, 0.1, 0.1, 0.05"
        box.value = "0.1, 0.6, 0.1, 0.1, 0.1"
        await pilot.press("enter")
        await pilot.pause()
        # By hand: −ln 0.6 for the cat; the other rows as the file has them (the chapter's dog
        # 0.88, the mouse 0.15, the cow 0.01, the hen 0.2).
        row_loss = -math.log(0.6)
        mean = (-math.log(0.88) + row_loss - math.log(0.15) - math.log(0.01) - math.log(0.2)) / 5
        grid = screen.query_one("#softmax")
        assert str(grid.get_cell("1", "loss")) == f"{row_loss:.4f}" == "0.5108"
        assert str(grid.get_cell("mean", "loss")) == f"{mean:.4f}"
        # The target class's probability is bracketed (found without colour), the others not.
        assert str(grid.get_cell("1", "cat")) == "[0.6000]"
        assert str(grid.get_cell("1", "dog")).strip() == "0.1000"
        explain = str(screen.query_one("#explain").render())
        assert f"−ln 0.6000 = {row_loss:.4f}" in explain and f"losses = {mean:.4f}" in explain
        assert screen.table.rows[1].probabilities[1] == 0.6

        # A row that does not sum to 1 is refused in the loader's words; the table stays.
        await pilot.press("enter")
        box.value = "0.5, 0.6, 0, 0, 0"
        await pilot.press("enter")
        await pilot.pause()
        error = text_of_static(screen.query_one("#table-edit-error"))
        assert "table.probabilities[1]: sums to 1.1; expected 1 (within 1e-06)" in error
        assert str(grid.get_cell("1", "loss")) == "0.5108"
        box.value = "0.5, x, 0, 0, 0"
        await pilot.press("enter")
        await pilot.pause()
        assert "found 'x'; expected 5 probabilities, one per class, separated by commas" in text_of_static(screen.query_one("#table-edit-error"))
        await pilot.press("escape")
        assert not screen.query_one("#table-edit").display


async def test_editing_logits_follows_softmax(make_app, tmp_path):
    path = tmp_path / "logits.toml"
    path.write_text('[scenario]\nkind = "softmax-table"\ntitle = "logits"\n[table]\nclasses = ["a", "b", "c"]\n'
                    'targets = ["a", "c"]\nlogits = [[1.0, 0.0, 0.0], [0.0, 0.0, 0.0]]\n')
    app = make_app(str(path))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        await pilot.press("down", "v")
        box = screen.query_one("#table-edit-input", Input)
        box.value = "0, 0, 2"
        await pilot.press("enter")
        await pilot.pause()
        # p(c) = e² / (1 + 1 + e²); row 1 keeps e / (e + 2).
        p_c = math.exp(2) / (2 + math.exp(2))
        p_a = math.e / (math.e + 2)
        grid = screen.query_one("#softmax")
        assert str(grid.get_cell("1", "loss")) == f"{-math.log(p_c):.4f}"
        assert str(grid.get_cell("mean", "loss")) == f"{(-math.log(p_c) - math.log(p_a)) / 2:.4f}"
        assert screen.scenario.table.logits[1].tolist() == [0.0, 0.0, 2.0]
        assert not screen.query_one("#table-edit").display  # an accepted edit closes the editor
        await pilot.press("v")
        assert box.value == "0.0, 0.0, 2.0"
        box.value = "0, nan, 1"
        await pilot.press("enter")
        await pilot.pause()
        assert "table.logits: found nan; expected finite numbers (no nan or inf)" in text_of_static(screen.query_one("#table-edit-error"))
