"""What is shown is what was used: every recorded update, in every bundled scenario and in
random ones, satisfies  parameters after = parameters before − lr × the recorded gradient,
computed as the engine computes it: in the compute dtype (NumPy's promotion of the data and the
parameters: float64 for the chapter's integer data and float32 weights), then rounded to the
parameters' dtype. With an optimiser, "lr × the recorded gradient" is lr × its step from the
recorded gradient and its recorded state (momentum's velocity, RMSprop's mean square, Adam's
moments). Mini-batch epochs record every batch, with the data points it used."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from annlab.analysis import Analysis
from annlab.cli import load
from annlab.engine.backend import numpy_backend
from annlab.scenario.bundled import bundled_scenarios
from annlab.training.runner import run_scenario

TRAINING = [b.name for b in bundled_scenarios() if load(b.name).kind == "training"]


def _compute_dtype(scenario) -> np.dtype:
    return np.result_type(scenario.inputs.dtype, scenario.targets.dtype, np.dtype(scenario.network.dtype))


def _direction(spec, run, update, layer: int, grad: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """lr × how far the recorded update moved a parameter array, from the recorded gradient and,
    for an optimiser, its recorded state after the step (the same operations as the engine's)."""
    state = update.optimizer_state
    if run.optimizer == "sgd":
        return grad * rate
    pick = lambda name: (state[name][0] + state[name][1])[layer]  # noqa: E731
    if run.optimizer == "momentum":
        return pick("velocity") * rate
    if run.optimizer == "rmsprop":
        return grad / (np.sqrt(pick("square_average")) + spec.epsilon) * rate
    t = state["step"]  # adam
    denominator = np.sqrt(pick("v")) / math.sqrt(1 - spec.beta2**t) + spec.epsilon
    return pick("m") / denominator * (rate / (1 - spec.beta1**t))


def _check_updates(scenario, trace) -> int:
    """Assert the invariant for every recorded update; return how many were checked."""
    compute = _compute_dtype(scenario)
    checked = 0
    for run in trace.runs:
        rate = np.array(run.learning_rate, dtype=compute)
        for record in run.records:
            for k, update in enumerate(record.updates):
                start = record.start_of(k)
                if start is None:  # a divergence found between recorded epochs: no start kept
                    continue
                arrays = zip(start[0] + start[1], update.weight_gradients + update.bias_gradients, update.weights + update.biases)
                for layer, (before, grad, after) in enumerate(arrays):
                    step = _direction(scenario.training, run, update, layer, grad.astype(compute), rate)
                    expected = (before.astype(compute) - step).astype(after.dtype)
                    assert np.array_equal(expected, after, equal_nan=True), (run.learning_rate, run.optimizer, record.epoch, k)
                checked += 1
            if run.batch_size:
                batches = [u for u in record.updates if u.indices is not None]
                if record.start_weights is not None:
                    # Every batch of a recorded epoch, together covering every data point once.
                    assert [u.batch for u in record.updates] == list(range(1, len(record.updates) + 1))
                    assert sorted(np.concatenate([u.indices for u in batches]).tolist()) == list(range(scenario.inputs.shape[0]))
    return checked


@pytest.mark.parametrize("name", TRAINING)
def test_every_recorded_update_of_a_bundled_scenario_adds_up(name):
    scenario = load(name)
    if scenario.training.epochs > 200:  # the invariant is per update: a shorter run checks the same code
        scenario = scenario.with_training(epochs=200)
    trace = run_scenario(scenario, numpy_backend())
    assert _check_updates(scenario, trace) > 0


def test_mini_batch_updates_use_their_own_points_and_their_own_gradient():
    scenario = load("spiral").with_training(epochs=3)
    trace = run_scenario(scenario, numpy_backend())
    analysis = Analysis(scenario, trace.runs)
    record = trace.runs[0].record(2)
    assert len(record.updates) == 6 and all(u.indices.size == 50 for u in record.updates)
    for k, update in enumerate(record.updates):
        # The chain rule replayed on the batch's own points from the batch's own start gives the
        # gradient the update used, bit for bit; over all 300 points it would not.
        values = analysis.values(0, 2, k)
        assert values.inputs.shape[0] == 50
        for layer, used in zip(values.layers, update.weight_gradients):
            assert np.array_equal(layer.weight_gradient, used)
        assert values.loss == update.loss


def test_finite_difference_records_show_the_gradient_the_update_used():
    scenario = load("toy-backprop")
    trace = run_scenario(scenario, numpy_backend())
    record = trace.runs[0].record(1)
    update = record.updates[0]
    fd = update.finite_difference
    step = scenario.training.finite_difference_step
    # The chapter's (loss_plus − loss)/step, from the recorded numbers.
    for plus, grad in zip(fd.weight_loss_plus + fd.bias_loss_plus, update.weight_gradients + update.bias_gradients):
        assert np.array_equal((plus - update.loss) / step, grad)
    # ... which is not the chain rule's (the app used to show one and step with the other).
    chain = Analysis(scenario, trace.runs).values(0, 1, 0)
    assert not np.array_equal(chain.layers[1].bias_gradient, update.bias_gradients[1])


LAYERS = st.lists(st.integers(1, 4), min_size=1, max_size=3)


@settings(max_examples=25, deadline=None)
@given(
    hidden=LAYERS,
    batch=st.integers(0, 7),
    dtype=st.sampled_from(["float32", "float64"]),
    gradient=st.sampled_from(["chain-rule", "finite-difference"]),
    activation=st.sampled_from(["sigmoid", "tanh", "relu", "linear"]),
    rate=st.sampled_from([0.001, 0.1, 3.0]),
    seed=st.integers(0, 1000),
    optimizer=st.sampled_from(["sgd", "momentum", "rmsprop", "adam"]),
)
def test_random_scenarios_keep_the_invariant(tmp_path_factory, hidden, batch, dtype, gradient, activation, rate, seed, optimizer):
    rng = np.random.default_rng(seed)
    points = 7
    sizes = [2, *hidden, 1]
    text = (
        '[scenario]\ntitle = "random"\n[data]\n'
        f"inputs = {rng.integers(-3, 4, (points, 2)).tolist()}\ntargets = {rng.integers(-2, 3, (points, 1)).tolist()}\n"
        f'[network]\nlayers = {sizes}\nactivations = {[activation] * (len(sizes) - 2) + ["linear"]}\n'
        f'dtype = "{dtype}"\nseed = {seed}\n'
        f'[training]\nlearning_rates = [{rate}]\nepochs = 6\ngradient = "{gradient}"\nbatch_size = {batch}\nshuffle_seed = {seed}\n'
        f'optimizer = "{optimizer}"\n'
    ).replace("'", '"')
    path = tmp_path_factory.mktemp("random") / "random.toml"
    path.write_text(text)
    scenario = load(str(path))
    trace = run_scenario(scenario, numpy_backend())
    assert _check_updates(scenario, trace) >= 1
