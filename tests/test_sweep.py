"""The batched learning-rate sweep: the same runs as one rate at a time, the exact bound
for y = 3x from a hand derivation, and a short narration for a thousand runs."""

from __future__ import annotations

import math

import numpy as np

from annlab.cli import main
from annlab.engine.backend import numpy_backend
from annlab.training.runner import run_scenario
from annlab.training.sweep import hessian_bound, sweep_outcome, sweep_runs
from annlab.training.trainer import train
from annlab.scenario.loader import load_scenario


def test_every_rate_of_a_sweep_is_the_run_a_lone_trainer_gives(scenario_path):
    scenario = load_scenario(scenario_path("y3x-sweep")).with_training(epochs=200)
    runs = sweep_runs(numpy_backend(), scenario)
    assert len(runs) == 1000 and [r.learning_rate for r in runs] == list(scenario.training.learning_rates)
    for i in (0, 400, 600, 650, 700, 999):  # converging, oscillating and diverging rates
        alone = train(numpy_backend(), scenario, runs[i].learning_rate, "chain-rule")
        assert np.array_equal(runs[i].losses, alone.losses)
        assert runs[i].divergence == alone.divergence
        for a, b in zip(runs[i].final_weights + runs[i].final_biases, alone.final_weights + alone.final_biases):
            assert a.dtype == b.dtype and np.array_equal(a, b)
        assert runs[i].final_loss == alone.final_loss or (math.isnan(runs[i].final_loss) and math.isnan(alone.final_loss))
        last = runs[i].records[-1]
        assert last.epoch == runs[i].epochs_run and np.array_equal(last.weights[0], alone.record(last.epoch).weights[0])


def test_a_sweep_of_a_hidden_layer_network_in_mini_batches_matches_lone_runs(scenario_path):
    scenario = load_scenario(scenario_path("xor")).with_training(epochs=20, batch_size=64, learning_rates=(0.05, 0.5, 5.0), sweep=True)
    runs = run_scenario(scenario, numpy_backend()).runs
    for run in runs:
        alone = train(numpy_backend(), scenario, run.learning_rate, "chain-rule")
        np.testing.assert_allclose(run.losses, alone.losses, rtol=1e-12, atol=0)
        for a, b in zip(run.final_weights, alone.final_weights):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13)


def test_hessian_bound_for_y3x_is_the_hand_derivation(scenario_path):
    # C(w, b) = (1/4) Σ (w·x + b − y)² over x = 1..4, so H = (2/4)·[[Σx², Σx], [Σx, 4]]
    # = [[15, 5], [5, 2]], with λmax = (17 + √(13² + 4·25)) / 2 = (17 + √269) / 2.
    bound = hessian_bound(load_scenario(scenario_path("y3x-sweep")))
    assert bound is not None
    np.testing.assert_allclose(bound.hessian, [[15, 5], [5, 2]], rtol=1e-15)
    assert math.isclose(bound.largest_eigenvalue, (17 + math.sqrt(269)) / 2, rel_tol=1e-12)
    assert math.isclose(bound.largest_stable_rate, 4 / (17 + math.sqrt(269)), rel_tol=1e-12)
    assert hessian_bound(load_scenario(scenario_path("toy-backprop"))) is None  # not quadratic


def test_training_really_breaks_at_the_bound(scenario_path):
    scenario = load_scenario(scenario_path("y3x-sweep"))
    runs = sweep_runs(numpy_backend(), scenario)
    outcome = sweep_outcome(runs)
    bound = hessian_bound(scenario).largest_stable_rate
    step = 10 ** (5 / 999)  # the ratio between neighbouring rates of the log sweep
    assert outcome.last_rate_that_learned < bound < outcome.first_rate_that_failed
    assert outcome.first_rate_that_failed / outcome.last_rate_that_learned < step * 1.0001
    assert bound < outcome.first_rate_that_overflowed
    # Every rate that overflowed stopped there, with its reason; every finite one kept all its losses.
    for run in runs:
        if run.divergence is None:
            assert run.epochs_run == 1000
        else:
            assert run.epochs_run == run.divergence.epoch and not math.isfinite(run.losses[-1]) or run.divergence.reason.code == "parameter-overflow" and run.divergence.reason["dtype"] == "float32"


def test_stopping_a_sweep_stops_every_rate(scenario_path):
    scenario = load_scenario(scenario_path("y3x-sweep"))
    from annlab.training.runner import EpochsTrained, Training, TrainingFinished

    training = Training(scenario, numpy_backend(), report_every=0)  # a report after every epoch
    seen, finished = [], []
    for event in training.events():
        if isinstance(event, EpochsTrained):
            seen.append(event.epochs_done)
            assert event.runs == len(scenario.training.learning_rates) and event.losses.shape == (1, event.runs)
            if event.epochs_done == 5:
                training.stop()
        if isinstance(event, TrainingFinished):
            finished.append(event)
    assert seen == [1, 2, 3, 4, 5]
    assert len(finished) == 1 and finished[0].stopped
    assert {r.epochs_run for r in finished[0].trace.runs} == {5}


def test_play_charts_a_sweep_in_a_page(scenario_path, capsys):
    assert main(["play", "y3x-sweep"]) == 0
    text = capsys.readouterr().out
    assert len(text.splitlines()) < 120  # a thousand runs, one chart: no epoch tables
    words = " ".join(text.split())
    assert "2/λmax = 0.11976" in words and "H = [[15, 5], [5, 2]]" in words
    assert "diverged at epoch" in text and "Where training really broke" in text
    assert "Selected epochs" not in text


def _one_layer_sweep(tmp_path, points: int, units: int, activation: str, dtype: str) -> "object":
    rng = np.random.default_rng(points * 10 + units)
    inputs = rng.integers(-3, 5, size=(points, 1)).tolist()
    targets = rng.standard_normal((points, units)).round(3).tolist()
    weights = rng.standard_normal((1, units)).round(2).tolist()
    path = tmp_path / f"one-layer-{points}-{units}-{activation}-{dtype}.toml"
    path.write_text(
        f'[scenario]\ntitle = "one layer"\n[data]\ninputs = {inputs}\ntargets = {targets}\n'
        f'[network]\nlayers = [1, {units}]\nactivations = ["{activation}"]\ndtype = "{dtype}"\n'
        f"weights = [{weights}]\nbiases = [{[0.1] * units}]\n"
        '[training]\nloss = "mse"\nsweep = {from = 1e-3, to = 3, count = 40, scale = "log"}\n'
        'epochs = 120\ngradient = "chain-rule"\n'
    )
    return load_scenario(path)


def test_the_column_path_gives_every_rate_the_bits_of_a_lone_run(tmp_path):
    # Sweeps of one-input, one-layer networks train with the rates on the last axis
    # (sweep._Columns); every data size it takes (points × units < 8), activation and dtype
    # must still give each rate exactly what a lone Trainer gives, diverging runs included.
    from annlab.training.sweep import Sweep

    for points, units, activation, dtype in [
        (1, 1, "linear", "float64"), (2, 2, "tanh", "float64"), (3, 2, "sigmoid", "float32"),
        (4, 1, "relu", "float64"), (7, 1, "linear", "float64"), (5, 1, "sigmoid", "float64"),
    ]:
        scenario = _one_layer_sweep(tmp_path, points, units, activation, dtype)
        assert Sweep(numpy_backend(), scenario)._columns is not None
        runs = sweep_runs(numpy_backend(), scenario)
        assert any(r.divergence for r in runs) or activation != "linear"
        for run in runs:
            alone = train(numpy_backend(), scenario, run.learning_rate, "chain-rule")
            assert np.array_equal(run.losses, alone.losses, equal_nan=True), (points, units, activation, dtype, run.learning_rate)
            assert run.divergence == alone.divergence
            for a, b in zip(run.final_weights + run.final_biases, alone.final_weights + alone.final_biases):
                assert a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)
    # Eight or more numbers per sum (NumPy adds them pairwise), or two inputs (a BLAS dot
    # product per value): the ordinary stacked path.
    assert Sweep(numpy_backend(), _one_layer_sweep(tmp_path, 4, 2, "linear", "float64"))._columns is None


def test_a_diverged_runs_reason_names_the_parameter_a_lone_run_names():
    # The sweep finds the first non-finite parameter in a run's flat row; the Trainer looks
    # layer by layer. Both must name the same weight or bias, in the same words.
    from annlab.engine.network import Parameters
    from annlab.training.trainer import FlatParameters, non_finite_in_row, non_finite_parameter

    rng = np.random.default_rng(0)
    named = set()
    for trial in range(300):
        sizes = rng.integers(1, 5, size=rng.integers(2, 5)).tolist()
        dtype = np.float32 if trial % 2 else np.float64
        layout = FlatParameters(np, list(zip(sizes, sizes[1:])), [(b,) for b in sizes[1:]], dtype)
        row = rng.standard_normal(layout.size).astype(dtype)
        for _ in range(rng.integers(0, 3)):
            row[rng.integers(0, layout.size)] = (np.inf, -np.inf, np.nan)[rng.integers(0, 3)]
        weights, biases = layout.split(row)
        expected = non_finite_parameter(Parameters(list(weights), list(biases)), np)
        assert non_finite_in_row(layout, row) == expected
        named.add(expected["kind"] if expected else None)
    assert named == {None, "weight", "bias"}  # all three cases were met
