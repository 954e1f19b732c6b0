"""Generated datasets and seeded initialisation, against what each generator promises, and the
bundled XOR and spiral scenarios actually learning."""

from __future__ import annotations

import numpy as np
import pytest

from annlab.engine.backend import numpy_backend
from annlab.engine.datasets import GENERATORS, generate, initial_parameters
from annlab.training.runner import run_scenario
from annlab.scenario.loader import load_scenario


@pytest.mark.parametrize("name", GENERATORS)
def test_generators_are_seeded_and_shaped(name):
    x, y = generate(name, 300, 0.1, 3, seed=5)
    again, same = generate(name, 300, 0.1, 3, seed=5)
    other, _ = generate(name, 300, 0.1, 3, seed=6)
    assert np.array_equal(x, again) and np.array_equal(y, same)
    # the seed moves the points (the line's x are a fixed grid: its noise moves y instead)
    assert not np.array_equal(x, other) or (name == "line" and not np.array_equal(y, generate(name, 300, 0.1, 3, seed=6)[1]))
    assert x.shape == ((300, 1) if name == "line" else (300, 2))
    if name != "line":
        assert set(np.unique(y)) == {0.0, 1.0} and np.all(y.sum(axis=1) == 1)


def test_xor_labels_follow_the_corners():
    x, y = generate("xor", 400, 0.0, 2, seed=0)
    differ = (x[:, 0] > 0) != (x[:, 1] > 0)
    assert np.array_equal(y[:, 1] == 1, differ)
    assert 0.35 < differ.mean() < 0.65


def test_spiral_has_balanced_arms_and_circles_two_radii():
    x, y = generate("spiral", 300, 0.0, 3, seed=0)
    assert np.array_equal(y.sum(axis=0), [100, 100, 100])
    assert np.all(np.hypot(x[:, 0], x[:, 1]) <= 1.0 + 1e-12)
    c, labels = generate("circles", 200, 0.0, 2, seed=0)
    radius = np.hypot(c[:, 0], c[:, 1])
    np.testing.assert_allclose(radius, np.where(labels[:, 0] == 1, 1.0, 0.5))


def test_line_is_y_equals_3x_plus_noise():
    x, y = generate("line", 1000, 0.1, 2, seed=0)
    slope, intercept = np.polyfit(x[:, 0], y[:, 0], 1)
    assert abs(slope - 3) < 0.05 and abs(intercept) < 0.02


def test_initialisations_have_their_textbook_scales():
    for init, check in (
        ("xavier", lambda w, a, b: np.abs(w).max() <= np.sqrt(6 / (a + b))),
        ("he", lambda w, a, b: abs(w.std() - np.sqrt(2 / a)) < 0.05 * np.sqrt(2 / a)),
        ("uniform", lambda w, a, b: np.abs(w).max() <= 1 / np.sqrt(a)),
    ):
        weights, biases = initial_parameters((400, 300, 10), init, seed=1)
        assert [w.shape for w in weights] == [(400, 300), (300, 10)] and [b.shape for b in biases] == [(300,), (10,)]
        assert all(check(w, *w.shape) for w in weights)
        again, _ = initial_parameters((400, 300, 10), init, seed=1)
        assert all(np.array_equal(a, b) for a, b in zip(weights, again))


@pytest.mark.parametrize("name, batch", [("xor", 0), ("spiral", 50)])
def test_bundled_classifiers_learn(scenario_path, name, batch):
    scenario = load_scenario(scenario_path(name))
    assert scenario.training.batch_size == batch
    run = run_scenario(scenario, numpy_backend()).runs[0]
    accuracy = (run.final_predictions.argmax(axis=1) == scenario.targets.argmax(axis=1)).mean()
    assert accuracy >= 0.97
    assert run.final_loss < run.losses[0] / 20
