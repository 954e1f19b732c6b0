"""The chapter's numbers, digit for digit, where annlab follows the chapter's procedure.

Two independent sources: the values the chapter prints (typed in here), and the chapter's own
code (tests/chapter_reference.py) run side by side with annlab's batched engine.
"""

from __future__ import annotations

import numpy as np
import pytest

from annlab.engine.backend import numpy_backend
from annlab.training.trainer import train
from annlab.scenario import load_scenario
from tests import chapter_reference as chapter

# Printed in the chapter after 100 epochs at lr 0.01, as NumPy prints float32 arrays (at most
# 8 digits after the point).
CHAPTER_PRINTOUT = [
    ["0.01424004", "-0.5907864", "-0.27549535", "0.39883757", "-0.52918637", "0.18640439"],
    ["0.00554004", "0.5519136", "-0.06599568"],
    ["0.3475135", "-0.05529078", "0.03760847"],
    ["-0.22443289"],
]


def _printed(array: np.ndarray) -> list[str]:
    """Each element as the chapter's `print(W)` shows it (NumPy's default precision 8)."""
    return [np.format_float_positional(v, precision=8, unique=True, trim="-") for v in array.reshape(-1)]


def _run(scenario_path, name, lr=None, gradient=None):
    scenario = load_scenario(scenario_path(name))
    rate = scenario.training.learning_rates[0] if lr is None else lr
    return train(numpy_backend(), scenario, rate, gradient)


def test_toy_final_weights_match_the_chapter_printout(scenario_path):
    run = _run(scenario_path, "toy-backprop")
    arrays = [run.final_weights[0], run.final_biases[0], run.final_weights[1], run.final_biases[1]]
    assert [_printed(a) for a in arrays] == CHAPTER_PRINTOUT
    assert all(a.dtype == np.float32 for a in arrays)


def test_toy_loss_starts_near_033_and_ends_near_00003(scenario_path):
    # The chapter: "the loss starts around 0.33 and steadily falls to about 0.0001"; pred −0.017.
    run = _run(scenario_path, "toy-backprop")
    assert round(run.losses[0], 2) == 0.33
    assert run.losses[-1] < 0.0005
    assert np.all(np.diff(run.losses) < 0)
    assert round(float(run.final_predictions[0, 0]), 3) == -0.017


def test_toy_run_equals_the_chapter_code_bit_for_bit(scenario_path):
    run = _run(scenario_path, "toy-backprop")
    W, losses = chapter.toy_run(100, 0.01)
    np.testing.assert_array_equal(run.losses, np.array(losses))
    for mine, theirs in zip([run.final_weights[0], run.final_biases[0], run.final_weights[1], run.final_biases[1]], W):
        np.testing.assert_array_equal(mine, theirs)


@pytest.mark.parametrize("lr, after_first_epoch", [(0.01, 0.45), (0.1, 4.5), (1, 45.0)])
def test_y3x_weight_after_one_epoch_matches_the_chapter(scenario_path, lr, after_first_epoch):
    run = _run(scenario_path, "y3x-compare", lr=lr)
    assert np.round(run.records[0].weights[0][0, 0], 2) == after_first_epoch


# The chapter's 10-epoch printout, rounded to 2 dp as printed (weight value, original loss,
# loss_plus, gradient, updated weight). The lr 0.01 and 0.1 rows are what the chapter's code
# prints (their figures are lost); the lr 1 story is in the text: 45, then ever larger, stuck.
PRINTED_LR_001 = [
    (0.0, 67.5, 67.5, -45.0, 0.45),
    (0.45, 46.88, 46.88, -37.49, 0.82),
    (0.82, 32.57, 32.57, -31.26, 1.14),
    (1.14, 22.64, 22.64, -26.05, 1.4),
    (1.4, 15.75, 15.75, -21.72, 1.62),
]


@pytest.mark.parametrize("lr", [0.01, 0.1, 1])
def test_y3x_ten_epoch_table_equals_the_chapter_code(scenario_path, lr):
    run = _run(scenario_path, "y3x-compare", lr=lr)
    _, _, log = chapter.y3x_run(lr, 10)
    for epoch, (w, loss, loss_plus, grad, updated) in enumerate(log, start=1):
        record = run.record(epoch)
        start_w = run.weights_before(epoch)[0][0][0, 0]
        assert start_w == w
        assert record.loss == loss
        assert record.finite_difference.weight_loss_plus[0][0, 0] == loss_plus
        assert record.weight_gradients[0][0, 0] == grad
        assert record.weights[0][0, 0] == updated


def test_y3x_lr_001_printed_rows(scenario_path):
    run = _run(scenario_path, "y3x-compare", lr=0.01)
    for epoch, expected in enumerate(PRINTED_LR_001, start=1):
        record = run.record(epoch)
        row = (
            run.weights_before(epoch)[0][0][0, 0],
            record.loss,
            record.finite_difference.weight_loss_plus[0][0, 0],
            record.weight_gradients[0][0, 0],
            record.weights[0][0, 0],
        )
        # Compared as printed: print(np.round(value, 2)).
        assert tuple(str(np.round(v, 2)) for v in row) == tuple(str(v) for v in expected)


@pytest.mark.parametrize("lr", [0.01, 0.1, 1])
def test_y3x_thousand_epoch_trajectory_equals_the_chapter_code(scenario_path, lr):
    run = _run(scenario_path, "y3x-compare", lr=lr)
    W, weight_value, _ = chapter.y3x_run(lr, 1000)
    trajectory = np.array([r.weights[0][0, 0] for r in run.records], dtype=np.float32)
    np.testing.assert_array_equal(trajectory, np.array(weight_value, dtype=np.float32))
    np.testing.assert_array_equal(run.final_weights[0], W[0])
    np.testing.assert_array_equal(run.final_biases[0].reshape(W[1].shape), W[1])


def test_lr_1_sticks_where_the_float32_nudge_vanishes(scenario_path):
    run = _run(scenario_path, "y3x-lr-1", gradient="finite-difference")
    w = run.final_weights[0][0, 0]
    assert np.round(w, 2) == np.float32(12755.16)
    assert run.divergence is None
    # The chapter's explanation, checked in float32 itself: w + 0.0001 == w there.
    assert np.float32(w) + np.float32(0.0001) == np.float32(w)
    last = run.records[-1].finite_difference
    assert last.weight_nudges[0][0, 0] == 0.0
    assert run.records[-1].weight_gradients[0][0, 0] == 0.0


def test_exact_descent_at_lr_1_diverges_and_says_so(scenario_path):
    run = _run(scenario_path, "y3x-lr-1", gradient="chain-rule")
    assert run.divergence is not None
    # Exact descent on y = 3x multiplies the error by (1 − lr·λ) per step; with λmax ≈ 15.1
    # at lr 1 that is a factor of about −14: float32's 3.4e38 is passed near epoch 32.
    assert 25 <= run.divergence.epoch <= 40
    assert run.divergence.reason["dtype"] == "float32"  # the words: annlab.playback.words


def test_feed_forward_walkthrough_numbers(scenario_path):
    """The figure: pre-activations 1.0, 1.3, 0.8; sigmoid 0.73, 0.79, 0.69; the chapter's
    rounded sum 1.235 (unrounded 1.2332); squared error against 0."""
    from annlab.analysis import pass_from

    scenario = load_scenario(scenario_path("feed-forward"))
    p = pass_from(scenario, scenario.network.weights, scenario.network.biases)
    np.testing.assert_allclose(p.layers[0].pre_activation, [[1.0, 1.3, 0.8]])
    np.testing.assert_array_equal(np.round(p.layers[0].activation, 2), [[0.73, 0.79, 0.69]])
    rounded = 0.73 * 0.3 + 0.79 * 0.5 + 0.69 * 0.9
    assert round(rounded, 3) == 1.235
    exact = sum(w / (1 + np.exp(-h)) for w, h in [(0.3, 1.0), (0.5, 1.3), (0.9, 0.8)])
    assert p.predictions[0, 0] == pytest.approx(exact, rel=1e-12)
    assert round(float(p.predictions[0, 0]), 4) == 1.2332
    assert p.loss == pytest.approx(exact**2, rel=1e-12)


def test_softmax_table_first_row_is_the_chapters(scenario_path):
    from annlab.training.tables import softmax_table

    scenario = load_scenario(scenario_path("softmax-table"))
    table = softmax_table(scenario.table)
    assert table.rows[0].target == "dog"
    assert table.rows[0].probabilities[0] == 0.88
    assert round(table.rows[0].loss, 3) == 0.128
    expected = [-np.log(p) for p in (0.88, 0.45, 0.15, 0.01, 0.2)]
    np.testing.assert_allclose([r.loss for r in table.rows], expected)
    assert table.mean_loss == pytest.approx(np.mean(expected))
