"""Engine unit tests, each against an independent check: closed forms, hand derivations,
central differences computed here (not by the engine)."""

from __future__ import annotations

import json
import warnings
from dataclasses import replace

import numpy as np
import pytest

from annlab.engine.activations import ACTIVATIONS
from annlab.engine.backend import numpy_backend
from annlab.engine.chain import chain_of_factors
from annlab.engine.gradients import central_difference_check, chain_rule, finite_difference
from annlab.engine.losses import LOSSES
from annlab.engine.network import Network, Parameters
from annlab.analysis import pass_from
from annlab.training.trainer import train
from annlab.scenario import load_scenario
from annlab.playback.trace_json import trace_to_json
from annlab.playback.words import diverged


def _numeric_derivative(f, x, eps=1e-6):
    return (f(x + eps) - f(x - eps)) / (2 * eps)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "linear"])
def test_activation_derivatives_match_central_differences(name):
    act = ACTIVATIONS[name]
    x = np.array([-3.0, -0.7, -0.1, 0.2, 0.9, 2.5])  # avoid relu's kink at 0
    analytic = act.derivative(np, x, act.forward(np, x))
    numeric = _numeric_derivative(lambda v: act.forward(np, v), x)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9)


def test_activation_values_against_closed_forms():
    x = np.array([-2.0, 0.0, 1.5])
    np.testing.assert_allclose(ACTIVATIONS["sigmoid"].forward(np, x), 1 / (1 + np.exp(-x)))
    np.testing.assert_allclose(ACTIVATIONS["tanh"].forward(np, x), (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x)))
    np.testing.assert_array_equal(ACTIVATIONS["relu"].forward(np, x), [0.0, 0.0, 1.5])
    assert ACTIVATIONS["sigmoid"].forward(np, np.array([1.0]))[0] == pytest.approx(0.7310585786)


def test_softmax_rows_sum_to_one_and_are_stable_at_1000():
    logits = np.array([[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0], [-1000.0, -1000.0, -1000.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = ACTIVATIONS["softmax"].forward(np, logits)
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_allclose(p[0], [1.0, 0.0, 0.0])
    e = np.exp([1.0, 2.0, 3.0])
    np.testing.assert_allclose(p[1], e / e.sum())
    np.testing.assert_allclose(p[2], [1 / 3] * 3)


def test_softmax_backward_is_the_full_jacobian():
    act = ACTIVATIONS["softmax"]
    h = np.array([[0.3, -1.2, 2.0]])
    a = act.forward(np, h)
    upstream = np.array([[0.5, -0.25, 1.0]])
    jacobian = np.diag(a[0]) - np.outer(a[0], a[0])
    np.testing.assert_allclose(act.backward(np, h, a, upstream)[0], jacobian.T @ upstream[0])


def test_losses_against_the_chapters_formulas():
    p = np.array([[0.9, 0.1], [0.2, 0.8]])
    y = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert LOSSES["mse"].value(np, p, y) == pytest.approx(np.mean((p - y) ** 2))
    assert LOSSES["mae"].value(np, p, y) == pytest.approx(np.mean(np.abs(p - y)))
    # Formulas divide by m (the chapter's code takes a sum): natural log, mean over elements.
    bce = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert LOSSES["binary-cross-entropy"].value(np, p, y) == pytest.approx(bce)
    cce = -(np.log(0.9) + np.log(0.8)) / 2
    assert LOSSES["categorical-cross-entropy"].value(np, p, y) == pytest.approx(cce)


@pytest.mark.parametrize("name", list(LOSSES))
def test_loss_gradients_match_central_differences(name):
    rng = np.random.default_rng(1)
    p = rng.uniform(0.1, 0.9, (3, 2))
    y = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]]) if "entropy" in name else rng.normal(size=(3, 2))
    loss = LOSSES[name]
    analytic = loss.gradient(np, p, y)
    numeric = np.zeros_like(p)
    for index in np.ndindex(p.shape):
        e = np.zeros_like(p)
        e[index] = 1e-6
        numeric[index] = (loss.value(np, p + e, y) - loss.value(np, p - e, y)) / 2e-6
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8)


def test_log_of_zero_gives_no_nan():
    p = np.array([[0.0, 1.0]])
    y = np.array([[1.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in ("binary-cross-entropy", "categorical-cross-entropy"):
            value = LOSSES[name].value(np, p, y)
            assert np.isfinite(value) and value > 10


def _random_network(seed, sizes=(3, 4, 2), acts=("tanh", "sigmoid"), loss="mse"):
    rng = np.random.default_rng(seed)
    params = Parameters([rng.normal(size=(a, b)) for a, b in zip(sizes, sizes[1:])], [rng.normal(size=b) for b in sizes[1:]])
    x = rng.normal(size=(5, sizes[0]))
    y = rng.uniform(0.05, 0.95, size=(5, sizes[-1]))
    return Network(np, list(acts), loss), params, x, y


@pytest.mark.parametrize(
    "acts, loss",
    [
        (("sigmoid", "linear"), "mse"),
        (("tanh", "sigmoid"), "binary-cross-entropy"),
        (("sigmoid", "softmax"), "categorical-cross-entropy"),
        (("tanh", "tanh"), "mae"),
    ],
)
def test_chain_rule_passes_the_central_difference_check(acts, loss):
    network, params, x, y = _random_network(0, acts=acts, loss=loss)
    if loss == "categorical-cross-entropy":
        y = np.eye(2)[[0, 1, 1, 0, 1]]
    check = central_difference_check(network, params, x, y)
    assert check.passed, check.max_relative_error
    assert check.max_relative_error < 1e-6


def test_gradient_check_fails_for_a_wrong_derivative():
    network, params, x, y = _random_network(0)
    broken = ACTIVATIONS["tanh"]
    # tanh' written as 1 − tanh (a classic slip): the check must catch it.
    network.activations[0] = replace(broken, derivative_formula="wrong", derivative=lambda xp, h, a: 1 - a)
    check = central_difference_check(network, params, x, y)
    assert not check.passed
    assert check.max_relative_error > 1e-2


def test_gradient_check_fails_with_a_too_coarse_step():
    network, params, x, y = _random_network(0)
    check = central_difference_check(network, params, x, y, epsilon=0.5)
    assert not check.passed


def test_forward_difference_is_close_but_not_exact():
    """The chapter's forward difference carries a truncation error ≈ step/2 · C''."""
    network, params, x, y = _random_network(2)
    _, exact, _, _ = chain_rule(network, params, x, y)
    fd = finite_difference(network, params, x, y, 1e-4)
    for e, f in zip(exact.weights + exact.biases, fd.gradients.weights + fd.gradients.biases):
        np.testing.assert_allclose(f, e, rtol=1e-2, atol=1e-4)
    differences = [np.max(np.abs(e - f)) for e, f in zip(exact.weights, fd.gradients.weights)]
    assert max(differences) > 1e-9  # not the same numbers: a different method


def test_finite_difference_matches_a_plain_per_parameter_loop():
    network, params, x, y = _random_network(3)
    fd = finite_difference(network, params, x, y, 1e-4)
    base = float(network.forward(params, x, y).loss)
    for l, w in enumerate(params.weights):
        for index in np.ndindex(w.shape):
            nudged = params.copy()
            nudged.weights[l][index] += 1e-4
            plus = float(network.forward(nudged, x, y).loss)
            assert fd.gradients.weights[l][index] == pytest.approx((plus - base) / 1e-4, rel=1e-9, abs=1e-12)


def test_chain_of_factors_for_w11_is_the_chapters_formula(scenario_path):
    """∂C/∂w11 = −2(y − ŷ) · w31 · a11(1 − a11) · x1, derived by hand in the chapter."""
    scenario = load_scenario(scenario_path("feed-forward"))
    p = pass_from(scenario, scenario.network.weights, scenario.network.biases)
    chain = chain_of_factors(p, scenario.network.activations, "mse", "weight", 1, 0, 0)
    a11 = 1 / (1 + np.exp(-1.0))
    y_hat = sum(w / (1 + np.exp(-h)) for w, h in [(0.3, 1.0), (0.5, 1.3), (0.9, 0.8)])
    by_hand = -2 * (0 - y_hat) * 0.3 * a11 * (1 - a11) * 1
    assert chain.total == pytest.approx(by_hand, rel=1e-12)
    assert [f.symbol for f in chain.factors] == ["∂C/∂ŷ", "∂h21/∂a11", "∂a11/∂h11", "∂h11/∂W1[1,1]"]
    assert chain.total == pytest.approx(p.layers[0].weight_gradient[0, 0], rel=1e-12)
    # The path: x1 → h11 → ŷ, through W1[1,1] and W2[1,1]; w21 and the other units are not on it.
    assert chain.path_weights == {(1, 0, 0), (2, 0, 0)}
    assert (0, 1) not in chain.path_units


@pytest.mark.parametrize("layer, kind, i, j", [(1, "weight", 1, 2), (1, "bias", 2, 0), (2, "weight", 2, 0), (2, "bias", 0, 0)])
def test_every_chain_multiplies_out_to_the_backprop_gradient(scenario_path, layer, kind, i, j):
    scenario = load_scenario(scenario_path("toy-backprop"))
    p = pass_from(scenario, scenario.network.weights, scenario.network.biases)
    chain = chain_of_factors(p, scenario.network.activations, "mse", kind, layer, i, j)
    values = p.layers[layer - 1]
    expected = values.weight_gradient[i, j] if kind == "weight" else values.bias_gradient[i]
    assert chain.total == pytest.approx(float(expected), rel=1e-12)


def test_chain_over_several_data_points_sums_each_points_product(scenario_path):
    scenario = load_scenario(scenario_path("y3x-lr-0.01"))
    p = pass_from(scenario, (np.zeros((1, 1)),), (np.zeros(1),))
    chain = chain_of_factors(p, ("linear",), "mse", "weight", 1, 0, 0)
    # ∂C/∂w = Σ 2(ŷ − y)/4 · x at w = b = 0: (2/4)·(−3·1 − 6·2 − 9·3 − 12·4) = −45.
    np.testing.assert_allclose(chain.per_point, [-1.5, -6.0, -13.5, -24.0])
    assert chain.total == pytest.approx(-45.0)


def test_learning_rates_train_from_identical_initial_weights(scenario_path):
    from annlab.training.runner import run_scenario

    scenario = load_scenario(scenario_path("y3x-compare"))
    trace = run_scenario(scenario, numpy_backend())
    assert [r.learning_rate for r in trace.runs] == [0.01, 0.1, 1.0]
    for run in trace.runs:
        np.testing.assert_array_equal(run.initial_weights[0], trace.runs[0].initial_weights[0])
        assert run.losses[0] == 67.5


def test_mini_batches_are_seeded_and_change_the_path(scenario_path):
    scenario = load_scenario(scenario_path("y3x-lr-0.01"))
    scenario = scenario.with_training(epochs=20, gradients=("chain-rule",))
    full = train(numpy_backend(), scenario, 0.01)
    batched = train(numpy_backend(), scenario.with_training(batch_size=2), 0.01)
    again = train(numpy_backend(), scenario.with_training(batch_size=2), 0.01)
    np.testing.assert_array_equal(batched.final_weights[0], again.final_weights[0])
    assert batched.final_weights[0][0, 0] != full.final_weights[0][0, 0]
    # Two updates per epoch on halves of the data: further along than one full-batch update.
    assert abs(3 - batched.final_weights[0][0, 0]) < abs(3 - full.final_weights[0][0, 0])


def test_divergence_is_reported_in_words_without_warnings(scenario_path):
    scenario = load_scenario(scenario_path("y3x-lr-1")).with_dtype("float64")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run = train(numpy_backend(), scenario, 1.0, "chain-rule")
    assert run.divergence is not None
    assert diverged(run.divergence).startswith(f"diverged at epoch {run.divergence.epoch}: ")
    assert run.epochs_run == run.divergence.epoch
    assert not np.isfinite(run.losses[-1])


def test_records_are_copies_not_views_of_live_weights(scenario_path):
    run = train(numpy_backend(), load_scenario(scenario_path("toy-backprop")), 0.01)
    first, second = run.records[0].weights[0], run.records[1].weights[0]
    assert not np.shares_memory(first, second)
    assert not np.array_equal(first, second)


def test_long_runs_keep_every_loss_and_sample_records(scenario_path):
    from annlab.training import storage as training

    scenario = load_scenario(scenario_path("y3x-lr-0.01")).with_training(epochs=5000)
    original = training.RECORD_BUDGET_BYTES
    training.RECORD_BUDGET_BYTES = 100 * 64  # room for ~100 records of this tiny network
    try:
        run = train(numpy_backend(), scenario, 0.01)
    finally:
        training.RECORD_BUDGET_BYTES = original
    assert run.losses.size == 5000
    assert run.record_stride > 1
    assert len(run.records) <= 5000 // run.record_stride + 2
    assert run.records[0].epoch == 1 and run.records[-1].epoch == 5000


def test_trace_json_is_strict(scenario_path):
    from annlab.training.runner import run_scenario

    scenario = load_scenario(scenario_path("y3x-lr-1"))
    data = trace_to_json(scenario, run_scenario(scenario, numpy_backend()))
    text = json.dumps(data, allow_nan=False)
    loaded = json.loads(text)
    diverged = [r for r in loaded["runs"] if r["diverged_at_epoch"]]
    assert diverged and diverged[0]["final"]["loss"] is None
    epoch = loaded["runs"][0]["epochs"][0]
    assert epoch["epoch"] == 1 and epoch["loss"] == 67.5
    assert set(loaded["first_pass"]["layers"][0]) >= {"pre_activation", "activation"}


def test_dtype_override_changes_the_parameters(scenario_path):
    scenario = replace(load_scenario(scenario_path("toy-backprop")))
    run = train(numpy_backend(), scenario.with_dtype("float64").with_training(epochs=3), 0.01)
    assert run.final_weights[0].dtype == np.float64


def test_gallery_values_are_exact_at_any_point():
    from annlab.engine.tables import activation_at, loss_at

    value, slope = activation_at("sigmoid", np.array([0.0, 2.0]))
    np.testing.assert_allclose(value, [0.5, 1 / (1 + np.exp(-2.0))])
    np.testing.assert_allclose(slope, [0.25, value[1] * (1 - value[1])])
    for name in ("binary-cross-entropy", "categorical-cross-entropy"):
        value, slope = loss_at(name, np.array([0.01, 0.5]), 1.0)
        np.testing.assert_allclose(value, -np.log([0.01, 0.5]))  # −ln p for a target of 1
        np.testing.assert_allclose(slope, [-100.0, -2.0])
    value, slope = loss_at("mse", np.array([-0.5]), 1.0)
    assert value[0] == pytest.approx(2.25) and slope[0] == pytest.approx(-3.0)


@pytest.mark.parametrize("name, lr, gradient", [("toy-backprop", 0.01, None), ("y3x-lr-1", 1.0, "chain-rule"), ("y3x-lr-1", 1.0, "finite-difference")])
def test_losses_read_back_in_chunks_give_the_same_run(scenario_path, monkeypatch, name, lr, gradient):
    """The GPU path gathers losses on the device and reads them back every N epochs; on the
    CPU the same code must give the same run, divergence epoch included."""
    from annlab.training import storage as training
    from annlab.training.trainer import Trainer

    # A small record budget, so that most epochs are not recorded and losses really wait.
    monkeypatch.setattr(training, "RECORD_BUDGET_BYTES", 20_000)

    scenario = load_scenario(scenario_path(name))
    runs = []
    for every in (1, 7):
        trainer = Trainer(numpy_backend(), scenario, lr, gradient, read_back_every=every)
        for _ in trainer.epochs():
            pass
        runs.append(trainer.result())
    one, chunked = runs
    assert one.record_stride > 7
    np.testing.assert_array_equal(one.losses, chunked.losses)
    assert [r.epoch for r in one.records] == [r.epoch for r in chunked.records]
    assert (one.divergence is None) == (chunked.divergence is None)
    if one.divergence is not None:
        assert one.divergence.epoch == chunked.divergence.epoch == one.epochs_run == chunked.epochs_run
    else:
        np.testing.assert_array_equal(one.final_weights[0], chunked.final_weights[0])


def test_one_parameter_estimates_equal_the_full_checks_numbers():
    from annlab.engine.gradients import one_parameter_estimates

    network, params, x, y = _random_network(4)
    full_central = central_difference_check(network, params, x, y)
    full_forward = finite_difference(network, params, x, y, 1e-4)
    for kind, layer, index in (("weight", 1, (2, 3)), ("bias", 2, (1,))):
        one = one_parameter_estimates(network, params, x, y, kind, layer, index, 1e-4)
        numeric = (full_central.numeric.weights if kind == "weight" else full_central.numeric.biases)[layer - 1][index]
        forward = (full_forward.gradients.weights if kind == "weight" else full_forward.gradients.biases)[layer - 1][index]
        assert one.central_difference == pytest.approx(float(numeric), rel=1e-7)
        assert one.forward_difference == pytest.approx(float(forward), rel=1e-9)


def test_the_chapters_weight_names_beside_annlabs():
    from annlab.engine.chain import Parameter, chapter_name

    sizes = (2, 3, 1)
    # The chapter's figure: w11 joins x1 to hidden unit 1, w21 joins x2 to it, w31…w33 join the
    # hidden units to the output.
    assert chapter_name(sizes, Parameter("weight", 1, 0, 0)) == "w11"
    assert chapter_name(sizes, Parameter("weight", 1, 1, 0)) == "w21"
    assert chapter_name(sizes, Parameter("weight", 1, 0, 2)) == "w13"
    assert [chapter_name(sizes, Parameter("weight", 2, k, 0)) for k in range(3)] == ["w31", "w32", "w33"]
    assert chapter_name(sizes, Parameter("bias", 1, 0)) is None
    assert chapter_name((2, 4, 1), Parameter("weight", 1, 0, 0)) is None
