"""`auto`'s choice between NumPy and a GPU, from its cost model (annlab.engine.backend), with
no GPU here: a stand-in CuPy (NumPy under CuPy's name) is put in ``sys.modules``, either one
that passes the probe or one that fails the test if `auto` so much as probes it.

The expected choices are not the model's own output: they are what was measured on an H200
and its 16-core host (docs/benchmarks.md), NumPy against CuPy, µs per training step."""

from __future__ import annotations

import dataclasses
import sys
import types

import numpy as np
import pytest

from annlab.engine import backend as backend_module
from annlab.playback.words import say
from annlab.training.runner import choose_backend, training_workloads
from annlab.scenario import load_scenario
from annlab.scenario.model import Scenario


class StandInCupy(types.ModuleType):
    """NumPy dressed as CuPy: it passes annlab's probe (allocate, compute 2·(0+1+2+3) = 12)."""

    def __init__(self, forbid: bool = False):
        super().__init__("cupy")
        self.forbid = forbid
        self.probed = 0
        self.cuda = types.SimpleNamespace(get_current_stream=lambda: types.SimpleNamespace(synchronize=lambda: None))

    def arange(self, *args, **kwargs):
        self.probed += 1
        if self.forbid:
            raise AssertionError("auto probed the GPU for a problem it should keep on NumPy")
        return np.arange(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(np, name)


@pytest.fixture
def gpu(monkeypatch):
    """Install a stand-in CuPy; ``gpu(forbid=True)`` one that must never be probed."""

    def install(forbid: bool = False) -> StandInCupy:
        module = StandInCupy(forbid)
        monkeypatch.setitem(sys.modules, "cupy", module)
        return module

    return install


def _network(scenario_path, sizes: tuple[int, ...], rows: int, batch: int) -> Scenario:
    """A training scenario of the given shape (only shapes matter to the cost model)."""
    base = load_scenario(scenario_path("spiral"))
    weights = tuple(np.zeros((a, b)) for a, b in zip(sizes, sizes[1:]))
    biases = tuple(np.zeros(b) for b in sizes[1:])
    network = dataclasses.replace(base.network, layer_sizes=sizes, activations=("sigmoid",) * (len(sizes) - 2) + ("softmax",), weights=weights, biases=biases)
    scenario = dataclasses.replace(base, inputs=np.zeros((rows, sizes[0])), targets=np.zeros((rows, sizes[-1])), network=network)
    return scenario.with_training(batch_size=0 if batch >= rows else batch, learning_rates=(0.1,), sweep=False, gradients=("chain-rule",))


def _spiral_10000(scenario_path, tmp_path) -> Scenario:
    # scenarios/spiral.toml says: the same file with layers = [2, 64, 64, 3] and samples = 10000
    # is the benchmark's spiral; the benchmark trains it at full batch.
    text = scenario_path("spiral").read_text("utf-8")
    text = text.replace("samples = 300", "samples = 10000").replace("layers = [2, 16, 16, 3]", "layers = [2, 64, 64, 3]").replace("batch_size = 50", "batch_size = 0")
    path = tmp_path / "spiral-10000.toml"
    path.write_text(text, "utf-8")
    scenario = load_scenario(path)
    assert scenario.inputs.shape == (10_000, 2) and scenario.network.layer_sizes == (2, 64, 64, 3)
    return scenario


def test_784_256_10_at_batch_256_stays_on_numpy_without_touching_cupy(gpu, scenario_path):
    # Measured: 0.85x on CuPy (1,241 µs NumPy against 1,465 µs CuPy per step).
    stand_in = gpu(forbid=True)
    backend = choose_backend(_network(scenario_path, (784, 256, 10), 4_096, 256), "auto")
    assert backend.name == "numpy" and stand_in.probed == 0
    assert say(backend.reason).startswith("auto chose NumPy: a GPU would not be clearly faster (an epoch of 16 steps takes about ")
    assert say(backend.reason).endswith("auto wants 1.5x)")


def test_the_10000_point_spiral_goes_to_a_gpu_when_one_is_present(gpu, scenario_path, tmp_path):
    # Measured: 12.7x faster on CuPy at full batch.
    stand_in = gpu()
    backend = choose_backend(_spiral_10000(scenario_path, tmp_path), "auto")
    assert backend.name == "cupy" and backend.xp is stand_in and stand_in.probed == 1
    # By hand: NumPy 34 + 4,419 parameters × 1.5e-3 + 132,480,000 MACs / 630,000 + 1,310,000
    # values × 6.3e-3 = 8,521 µs; CuPy 1,000 + 4,419 × 1.7e-4 + 132,480,000 / 28,000,000 = 1,005 µs.
    assert say(backend.reason) == "auto chose CuPy: 8.5x faster (an epoch takes about 1.0 ms on the GPU, 8.5 ms on NumPy)"


def test_the_10000_point_spiral_says_what_was_lost_without_a_gpu(monkeypatch, scenario_path, tmp_path):
    monkeypatch.setitem(sys.modules, "cupy", None)  # as if CuPy were not installed
    backend = choose_backend(_spiral_10000(scenario_path, tmp_path), "auto")
    assert backend.name == "numpy"
    assert say(backend.reason).startswith("auto fell back to NumPy: CuPy is not installed")
    assert "(a GPU was predicted " in say(backend.reason) and say(backend.reason).endswith("x faster here)")


def test_mini_batches_keep_the_spiral_on_numpy(gpu, scenario_path, tmp_path):
    # The same 10,000 points in mini-batches of 50: 200 launch-bound steps an epoch.
    gpu(forbid=True)
    scenario = _spiral_10000(scenario_path, tmp_path).with_training(batch_size=50)
    backend = choose_backend(scenario, "auto")
    assert backend.name == "numpy" and "an epoch of 200 steps takes about" in say(backend.reason)


@pytest.mark.parametrize("batch", [1, 64, 1024, 8192])
def test_the_chapters_2_3_1_network_never_probes_the_gpu(gpu, scenario_path, batch):
    # Measured: NumPy faster at every batch (39/844, 51/732, 118/460, 382/455 µs).
    gpu(forbid=True)
    backend = choose_backend(_network(scenario_path, (2, 3, 1), batch, batch), "auto")
    assert backend.name == "numpy" and "too small for a GPU to pay off" in say(backend.reason)


@pytest.mark.parametrize("name", ["toy-backprop", "feed-forward", "fd-vs-chain-rule", "xor", "spiral", "y3x-compare", "y3x-sweep"])
def test_bundled_scenarios_stay_on_numpy_without_probing(gpu, scenario_path, name):
    gpu(forbid=True)
    backend = choose_backend(load_scenario(scenario_path(name)), "auto")
    assert backend.name == "numpy" and say(backend.reason).startswith("auto chose NumPy: too small for a GPU to pay off (")


def test_the_reason_reads_in_times_a_learner_knows(scenario_path):
    # The chapter's toy network, one point: by hand, NumPy 34 µs + 13 parameters × 1.5e-3 + 27
    # MACs / 630,000 + 4 values × 6.3e-3 = 34.04 µs; CuPy 1,000 µs of launches (+ 0.002).
    backend = choose_backend(load_scenario(scenario_path("feed-forward")), "auto")
    assert say(backend.reason) == "auto chose NumPy: too small for a GPU to pay off (an epoch takes about 0.034 ms on NumPy, 1.0 ms on a GPU)"
    # the comparison sweep: three runs, one step each
    compare = choose_backend(load_scenario(scenario_path("y3x-compare")), "auto")
    assert "(an epoch of its 3 runs takes about " in say(compare.reason)


# H200 measurements, µs per step, NumPy / CuPy: the bare steps of the table (sigmoid,
# MSE, float32) and annlab's Trainer (docs/benchmarks.md). 784-1024-10 at batch 1 (4,192 µs,
# slower than at batch 64) is left out: a BLAS threading anomaly the model does not follow.
MEASURED = [
    ((2, 3, 1), 1, 39, 844), ((2, 3, 1), 64, 51, 732), ((2, 3, 1), 1024, 118, 460), ((2, 3, 1), 8192, 382, 455),
    ((64, 64, 10), 1, 34, 448), ((64, 64, 10), 64, 52, 471), ((64, 64, 10), 1024, 514, 494), ((64, 64, 10), 8192, 3864, 471),
    ((784, 256, 10), 1, 500, 444), ((784, 256, 10), 64, 593, 471), ((784, 256, 10), 1024, 2630, 492), ((784, 256, 10), 8192, 24772, 722),
    ((784, 1024, 10), 64, 1624, 722), ((784, 1024, 10), 1024, 11734, 712), ((784, 1024, 10), 8192, 110010, 1313),
    # the Trainer: the chapter's toy, y = 3x, the spiral, 784-256-10, 784-1024-10
    ((2, 3, 1), 1, 49, 835), ((1, 1), 4, 40, 986), ((2, 64, 64, 3), 10_000, 12_535, 1_218),
    ((784, 256, 10), 256, 1_241, 1_465), ((784, 1024, 10), 4096, 37_572, 1_100),
]


@pytest.mark.parametrize("sizes, batch, numpy_us, cupy_us", MEASURED, ids=[f"{'-'.join(map(str, m[0]))}@{m[1]}" for m in MEASURED])
def test_auto_agrees_with_what_the_h200_measured(scenario_path, sizes, batch, numpy_us, cupy_us):
    """Where the GPU measured a clear win (≥ 2x), auto predicts one (≥ 1.5x); where it
    measured none (< 1.5x), auto keeps NumPy."""
    measured = numpy_us / cupy_us
    if 1.5 <= measured < 2:
        pytest.fail("no case in the table sits in the band where either choice is fair")
    prediction = backend_module.predict(training_workloads(_network(scenario_path, sizes, batch, batch)))
    assert prediction.gpu_pays == (measured >= 2), f"measured {measured:.2f}x, predicted {prediction.gpu_speedup:.2f}x"


def test_the_model_stays_within_a_factor_two_of_every_numpy_measurement(scenario_path):
    for sizes, batch, numpy_us, _ in MEASURED:
        predicted = backend_module.predict(training_workloads(_network(scenario_path, sizes, batch, batch))).numpy_us
        assert 0.5 <= predicted / numpy_us <= 2, (sizes, batch, predicted, numpy_us)
