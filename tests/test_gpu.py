"""CuPy parity, on a machine with a usable GPU (marked ``gpu``; skipped elsewhere with the
reason): the chapter's runs on CuPy equal NumPy's within float tolerance, what is recorded
comes back as host NumPy arrays, and ``auto`` sends only big problems to the GPU."""

from __future__ import annotations

import numpy as np
import pytest

from annlab.engine.backend import numpy_backend, select_backend
from annlab.playback.words import say
from annlab.training.runner import choose_backend, run_scenario
from annlab.scenario.loader import load_scenario

pytestmark = pytest.mark.gpu


def _both(scenario):
    return run_scenario(scenario, numpy_backend()), run_scenario(scenario, select_backend("cupy"))


def _host_numpy(run) -> bool:
    arrays = [run.losses, run.final_predictions, *run.final_weights, *run.final_biases]
    for record in run.records[:3] + run.records[-2:]:
        arrays += [*record.weights, *record.biases, *record.weight_gradients, *record.bias_gradients]
        if record.finite_difference is not None:
            arrays += [*record.finite_difference.weight_loss_plus, *record.finite_difference.weight_nudges]
    return all(type(a) is np.ndarray for a in arrays)


@pytest.mark.parametrize("gradient", ["chain-rule", "finite-difference"])
def test_toy_network_on_cupy_equals_numpy(scenario_path, gradient):
    scenario = load_scenario(scenario_path("toy-backprop")).with_training(gradients=(gradient,))
    cpu, gpu = _both(scenario)
    assert gpu.backend == "cupy"
    for a, b in zip(cpu.runs, gpu.runs):
        assert _host_numpy(b)
        np.testing.assert_allclose(b.losses, a.losses, rtol=1e-6)
        for x, y in zip(b.final_weights + b.final_biases, a.final_weights + a.final_biases):
            np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-7)


def test_y3x_runs_on_cupy_equal_numpy(scenario_path):
    scenario = load_scenario(scenario_path("y3x-compare")).with_training(epochs=200, gradients=("chain-rule",))
    cpu, gpu = _both(scenario)
    for a, b in zip(cpu.runs, gpu.runs):
        assert _host_numpy(b) and b.epochs_run == a.epochs_run
        np.testing.assert_allclose(b.losses, a.losses, rtol=1e-5)
        np.testing.assert_allclose(b.final_weights[0], a.final_weights[0], rtol=1e-5)


def test_the_sweep_on_cupy_finds_the_same_boundary(scenario_path):
    from annlab.training.sweep import sweep_outcome

    scenario = load_scenario(scenario_path("y3x-sweep")).with_training(epochs=300)
    cpu, gpu = _both(scenario)
    assert all(_host_numpy(r) for r in gpu.runs[::97])
    a, b = sweep_outcome(cpu.runs), sweep_outcome(gpu.runs)
    assert a.first_rate_that_failed == b.first_rate_that_failed
    assert a.first_rate_that_overflowed == b.first_rate_that_overflowed


def test_a_big_network_on_cupy_equals_numpy():
    from benchmarks.cases import network_case

    scenario = network_case((784, 256, 10), 512, 256, 3)
    cpu, gpu = _both(scenario)
    np.testing.assert_allclose(gpu.runs[0].losses, cpu.runs[0].losses, rtol=1e-9)


def test_auto_picks_cupy_only_for_big_problems(scenario_path):
    from benchmarks.cases import network_case

    for name in ("toy-backprop", "y3x-compare", "y3x-sweep", "xor", "spiral"):
        backend = choose_backend(load_scenario(scenario_path(name)), "auto")
        assert backend.name == "numpy" and "too small" in say(backend.reason)
    big = choose_backend(network_case((784, 1024, 10), 4096, 4096, 1), "auto")
    assert big.name == "cupy" and say(big.reason).startswith("auto chose CuPy")


def test_divergence_on_cupy_is_found_at_the_same_epoch(scenario_path):
    """On the GPU, losses come back in chunks; a divergence must still be dated exactly."""
    from annlab.training.trainer import GPU_READ_BACK_EVERY

    scenario = load_scenario(scenario_path("y3x-lr-1")).with_training(gradients=("chain-rule",))
    cpu, gpu = _both(scenario)
    a, b = cpu.runs[0], gpu.runs[0]
    assert GPU_READ_BACK_EVERY > 1
    assert a.divergence is not None and b.divergence is not None
    assert b.divergence.epoch == a.divergence.epoch == b.epochs_run
    np.testing.assert_allclose(b.losses[:-1], a.losses[:-1], rtol=1e-5)
