"""Numbers at the edge: activations and losses at ±1e4 (softmax logits at ±1000 and beyond),
runs that blow up, and the chapter's y = 3x at learning rate 1.

Warnings are errors here (``warnings.simplefilter("error")``) and no test wraps the code under
test in ``np.errstate``: a function that overflows quietly must do so on purpose, inside the
engine, and say so in a comment; a diverging run must be *reported* (``Run.divergence``), not
leak RuntimeWarnings to the learner's terminal.
"""

from __future__ import annotations

import math
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from annlab.engine.activations import ACTIVATIONS
from annlab.engine.backend import numpy_backend
from annlab.engine.losses import LOSSES
from annlab.playback.words import diverged
from annlab.training.runner import run_scenario
from annlab.training.trainer import train
from annlab.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
EXTREMES = [-1e4, -1000.0, -50.0, -1.0, 0.0, 1.0, 50.0, 1000.0, 1e4]
DTYPES = [np.float32, np.float64]


@pytest.fixture(autouse=True)
def warnings_are_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_every_activation_is_finite_at_plus_minus_1e4(name, dtype):
    act = ACTIVATIONS[name]
    h = np.array([EXTREMES, EXTREMES[::-1]], dtype=dtype)
    a = act.forward(np, h)
    slope = act.derivative(np, h, a)
    delta = act.backward(np, h, a, np.ones_like(h))
    for values in (a, slope, delta):
        assert np.all(np.isfinite(values)), (name, values)
    # The limits, worked out by hand: each function's value far out on either side.
    lo, hi = a[0, 0], a[0, -1]
    expected = {"sigmoid": (0, 1), "tanh": (-1, 1), "relu": (0, 1e4), "linear": (-1e4, 1e4), "softmax": (0, 1)}
    assert (lo, hi) == pytest.approx(expected[name], rel=1e-6)
    if name in ("sigmoid", "tanh"):
        # Saturated: the slope the chain rule multiplies in is 0, the vanishing gradient.
        assert slope[0, 0] == 0 and slope[0, -1] == 0


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("scale", ["1000", "1e4", "max/4", "max"])
def test_softmax_of_huge_logits_is_exact_zeros_and_ones(scale, dtype):
    # "max": the largest number of the dtype, where even scale − (−scale) overflows.
    top = float(np.finfo(dtype).max)
    scale = {"max/4": top / 4, "max": top}.get(scale) or float(scale)
    logits = np.array([[scale, 0.0, -scale], [-scale, -scale, -scale], [scale, scale, 0.0]], dtype=dtype)
    p = ACTIVATIONS["softmax"].forward(np, logits)
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(p[0], [1, 0, 0])
    np.testing.assert_allclose(p[1], [1 / 3] * 3, rtol=1e-6)
    np.testing.assert_allclose(p[2], [0.5, 0.5, 0], rtol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("name", list(LOSSES))
def test_every_loss_is_finite_at_plus_minus_1e4(name, dtype):
    loss = LOSSES[name]
    p = np.array(EXTREMES, dtype=dtype).reshape(-1, 1)
    for target in (0.0, 1.0):
        y = np.full_like(p, target)
        value = loss.value(np, p, y)
        slope = loss.gradient(np, p, y)
        assert np.isfinite(value) and value >= 0, (name, target, value)
        assert np.all(np.isfinite(slope)), (name, target, slope)
    # Against the formulas: MSE of predictions ±1e4 against 0 is mean(p²) (float64 oracle).
    if name == "mse":
        expected = np.mean(np.square(np.array(EXTREMES)))
        assert float(loss.value(np, p, np.zeros_like(p))) == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_a_confident_wrong_cross_entropy_is_large_but_finite(dtype):
    """p = 1 for the wrong class: −ln(0) would be inf; the clip makes it −ln(ε), still the
    largest loss the table can show, and p = 1 for the right class costs (almost) nothing."""
    p = np.array([[1.0], [1.0]], dtype=dtype)
    wrong = LOSSES["binary-cross-entropy"].value(np, p, np.zeros_like(p))
    right = LOSSES["binary-cross-entropy"].value(np, p, np.ones_like(p))
    eps = max(1e-15, float(np.finfo(dtype).eps))
    assert float(wrong) == pytest.approx(-math.log(eps), rel=1e-3)
    assert 0 <= float(right) < 1e-6


def _one_weight(tmp_path: Path, x: float, lr: float, activation: str, loss: str, epochs: int = 50) -> Path:
    path = tmp_path / f"extreme-{activation}-{loss}.toml"
    path.write_text(
        f'[scenario]\ntitle = "extreme"\n[data]\ninputs = [[{x}], [{-x}]]\ntargets = [[1], [0]]\n'
        f'[network]\nlayers = [1, 2, 1]\nactivations = ["{activation}", "sigmoid"]\n'
        f'weights = [[[1, -1]], [[1], [1]]]\n'
        f'[training]\nloss = "{loss}"\nlearning_rates = [{lr}]\nepochs = {epochs}\ngradient = ["chain-rule", "finite-difference"]\n'
    )
    return path


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "linear"])
@pytest.mark.parametrize("loss", ["mse", "binary-cross-entropy"])
def test_training_on_inputs_of_1e4_finishes_or_reports_divergence(tmp_path, activation, loss):
    scenario = load_scenario(_one_weight(tmp_path, 1e4, 10.0, activation, loss))
    trace = run_scenario(scenario, numpy_backend())
    for run in trace.runs:
        assert run.epochs_run >= 1
        finite = np.isfinite(run.losses).all() and all(np.isfinite(w).all() for w in run.final_weights)
        # Either every number stayed finite, or the run stopped and said at which epoch and why.
        if not finite:
            assert run.divergence is not None and run.divergence.epoch == run.epochs_run
            assert diverged(run.divergence).startswith("diverged at epoch")


def _play(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "annlab", "play", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_play_of_extreme_but_valid_scenarios_prints_no_warnings(tmp_path):
    """The learner's terminal shows the narration only: no RuntimeWarning lines on stderr."""
    table = tmp_path / "logits.toml"
    table.write_text(
        '[scenario]\nkind = "softmax-table"\ntitle = "huge logits"\n[table]\nclasses = ["a", "b", "c"]\n'
        'targets = ["a", "c"]\nlogits = [[1e308, 0, -1e308], [1000, -1000, 0]]\n'
    )
    gallery = tmp_path / "gallery.toml"
    gallery.write_text('[scenario]\nkind = "activations"\ntitle = "wide"\n[gallery]\nx_from = -1e6\nx_to = 1e6\ncursor = 1e6\n')
    losses = tmp_path / "losses.toml"
    losses.write_text('[scenario]\nkind = "losses"\ntitle = "wide"\n[gallery]\nx_from = -1e6\nx_to = 1e6\ntarget = 0\n')
    for path in (table, gallery, losses, _one_weight(tmp_path, 1e4, 100.0, "relu", "mse")):
        result = _play(str(path))
        assert result.returncode == 0, result.stderr
        assert result.stderr == "", f"{path.name}: {result.stderr}"
        assert "Traceback" not in result.stdout


def _exact_descent_reference(epochs: int = 1000) -> tuple[list[float], int | None]:
    """y = 3x by hand: ŷ = w·x + b on x = 1..4, C = mean((ŷ − y)²), so
    ∂C/∂w = 2·mean((ŷ − y)·x) and ∂C/∂b = 2·mean(ŷ − y); each update is computed in float64
    and rounded to float32, the parameters' dtype. Returns w after each epoch and the first
    epoch at which w or b leaves float32's range (None if never)."""
    x = [1.0, 2.0, 3.0, 4.0]
    y = [3.0, 6.0, 9.0, 12.0]
    w = b = 0.0
    history = []
    f32_max = float(np.finfo(np.float32).max)
    for epoch in range(1, epochs + 1):
        err = [w * xi + b - yi for xi, yi in zip(x, y)]
        gw = 2 * sum(e * xi for e, xi in zip(err, x)) / 4
        gb = 2 * sum(err) / 4
        w_new, b_new = w - gw, b - gb
        if abs(w_new) > f32_max * (1 + 2**-24) or abs(b_new) > f32_max * (1 + 2**-24) or not math.isfinite(w_new):
            return history, epoch
        w, b = float(np.float32(w_new)), float(np.float32(b_new))
        history.append(w)
    return history, None


def test_exact_descent_at_learning_rate_1_diverges_where_the_hand_derivation_says():
    scenario = load_scenario(ROOT / "scenarios" / "y3x-lr-1.toml")
    scenario = scenario.with_training(gradients=("chain-rule",))
    run = train(numpy_backend(), scenario, 1.0)
    history, diverged_at = _exact_descent_reference()
    assert diverged_at is not None
    assert run.divergence is not None and run.divergence.epoch == diverged_at
    assert run.divergence.reason["dtype"] == "float32"  # the words: annlab.playback.words
    # The first steps, weight by weight: 45, −660, 10410 (each overshoots further: ×(−15)).
    assert [float(r.weights[0][0, 0]) for r in run.records[:3]] == history[:3] == [45.0, -660.0, 10410.0]
    assert run.epochs_run == diverged_at


def test_play_tells_the_lr_1_story_in_words():
    result = _play("y3x-lr-1")
    assert result.returncode == 0 and result.stderr == ""
    _, diverged_at = _exact_descent_reference()
    text = result.stdout
    # Exact descent: diverged, at which epoch, and why, in a sentence.
    assert f"learning rate 1, chain-rule: {diverged_at} epochs" in text
    assert f"diverged at epoch {diverged_at}: the update pushed weight W1[1,1] past float32's range" in text
    assert "overshoot" in text
    # The chapter's finite differences: stuck at 12755.16, because the nudge is lost to rounding.
    assert "W1[1,1] is stuck at 12755.16" in text
    assert "rounds back to 12755.16" in text
