"""Experiments kept as scenario files (the app's w key): written, loaded back, identical."""

from __future__ import annotations

from annlab.messages import Message

import tomllib
from dataclasses import fields, replace
from pathlib import Path

import numpy as np
import pytest

from annlab.errors import ExportError, ScenarioError
from annlab.scenario.bundled import bundled_scenarios
from annlab.scenario.loader import check_scenario, load_scenario
from annlab.scenario.model import Scenario, ScenarioText
from annlab.scenario.writer import scenario_to_toml, write_scenario


def assert_same_experiment(written: Scenario, original: Scenario) -> None:
    """Every field equal, arrays value for value and dtype for dtype; only where the file lies
    and the words for where the initial weights came from may differ (they are now the file's)."""
    for field in fields(Scenario):
        a, b = getattr(written, field.name), getattr(original, field.name)
        if field.name == "path":
            continue
        if field.name == "network" and a is not None:
            assert a.origin == Message.of("weights-from-file")
            a, b = replace(a, origin=""), replace(b, origin="")
            for wa, wb in zip(a.weights + a.biases, b.weights + b.biases, strict=True):
                assert wa.dtype == wb.dtype and np.array_equal(wa, wb)
            assert (a.layer_sizes, a.activations, a.dtype) == (b.layer_sizes, b.activations, b.dtype)
        elif isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
            assert a.dtype == b.dtype and np.array_equal(a, b), field.name
        elif field.name == "table" and a is not None:
            assert (a.classes, a.targets) == (b.classes, b.targets)
            for name in ("probabilities", "logits"):
                x, y = getattr(a, name), getattr(b, name)
                assert (x is None and y is None) or np.array_equal(x, y)
        else:
            assert a == b, field.name


def round_trip(scenario: Scenario, tmp_path: Path) -> Scenario:
    path = tmp_path / "kept.toml"
    write_scenario(scenario, path)
    return load_scenario(path)


@pytest.mark.parametrize("bundled", bundled_scenarios(), ids=lambda b: b.name)
def test_every_bundled_scenario_round_trips(bundled, tmp_path):
    original = load_scenario(bundled.path)
    assert_same_experiment(round_trip(original, tmp_path), original)


def changed_experiments() -> dict[str, Scenario]:
    xor = load_scenario("scenarios/xor.toml")
    toy = load_scenario("scenarios/toy-backprop.toml")
    return {
        "linear hidden layer": xor.with_activations(("linear", "softmax")),
        "mini-batches, adam with its own betas": xor.with_training(batch_size=7, shuffle_seed=5, optimizers=("adam",), beta1=0.8, beta2=0.99),
        "compare optimisers, momentum changed": xor.with_training(optimizers=("sgd", "momentum", "rmsprop", "adam"), momentum=0.5, rho=0.9, epsilon=1e-6),
        "float32 generated data": xor.with_dtype("float32"),
        "rates typed in, both gradients": toy.with_training(learning_rates=(0.1 + 0.2, 1 / 3, 1e-7), gradients=("chain-rule", "finite-difference")),
        "float64 toy": toy.with_dtype("float64"),
    }


@pytest.mark.parametrize("name", list(changed_experiments()))
def test_changed_experiments_round_trip(name, tmp_path):
    changed = changed_experiments()[name]
    loaded = round_trip(changed, tmp_path)
    assert_same_experiment(loaded, changed)


def test_numbers_are_written_exactly_and_only_used_hyper_parameters():
    toy = load_scenario("scenarios/toy-backprop.toml").with_training(learning_rates=(0.1 + 0.2,), optimizers=("momentum",), momentum=0.5)
    raw = tomllib.loads(scenario_to_toml(toy))
    # 0.1 + 0.2 is 0.30000000000000004 in binary floating point: written so, not as 0.3.
    assert raw["training"]["learning_rates"] == [0.30000000000000004]
    assert raw["network"]["weights"][0][0] == [-0.0053, -0.582, -0.2723]  # the chapter's numbers
    assert raw["training"]["momentum"] == 0.5
    assert not {"rho", "beta1", "beta2", "epsilon"} & raw["training"].keys()


def test_a_sweep_is_written_as_its_range():
    sweep = load_scenario("scenarios/y3x-sweep.toml")
    raw = tomllib.loads(scenario_to_toml(sweep))
    assert "learning_rates" not in raw["training"]
    assert raw["training"]["sweep"]["count"] == len(sweep.training.learning_rates)


def test_an_existing_file_is_kept_unless_forced(tmp_path):
    xor = load_scenario("scenarios/xor.toml")
    path = tmp_path / "mine.toml"
    path.write_text("my own notes\n")
    with pytest.raises(ExportError, match="exists"):
        write_scenario(xor, path)
    assert path.read_text() == "my own notes\n"
    write_scenario(xor, path, force=True)
    assert load_scenario(path).title == xor.title
    assert [p.name for p in tmp_path.iterdir()] == ["mine.toml"]  # no temporary file left


def test_a_missing_folder_is_one_line(tmp_path):
    with pytest.raises(ExportError, match="does not exist"):
        write_scenario(load_scenario("scenarios/xor.toml"), tmp_path / "nowhere" / "x.toml")


def test_check_scenario_refuses_as_the_loader_does(tmp_path):
    """A linear output under cross-entropy: the same words as `annlab check` on such a file."""
    xor = load_scenario("scenarios/xor.toml")
    text = Path("scenarios/xor.toml").read_text().replace('["tanh", "softmax"]', '["tanh", "linear"]')
    hand_written = tmp_path / "xor.toml"
    hand_written.write_text(text)
    with pytest.raises(ScenarioError) as from_file:
        load_scenario(hand_written)
    with pytest.raises(ScenarioError) as from_dialog:
        check_scenario(xor.with_activations(("tanh", "linear")))
    assert from_dialog.value.key == from_file.value.key == "training.loss"
    assert from_dialog.value.message == from_file.value.message
    assert str(from_dialog.value).startswith("scenarios/xor.toml: training.loss: categorical-cross-entropy needs")
    assert check_scenario(xor.with_activations(("relu", "softmax"))).network.activations == ("relu", "softmax")


def test_matrices_are_laid_out_a_row_per_line_and_text_round_trips_exactly(tmp_path):
    toy = load_scenario("scenarios/toy-backprop.toml")
    text = scenario_to_toml(toy)
    assert "\n        [0.3793, -0.5204, 0.1896],\n" in text and "\nlayers = [2, 3, 1]\n" in text
    awkward = replace(toy, text=ScenarioText('A "quoted" title with \\ and ∂C/∂w', 'Two lines:\nthe second has """ three quotes, a tab\tand é.'))
    loaded = round_trip(awkward, tmp_path)
    assert (loaded.title, loaded.summary) == (awkward.title, awkward.summary)


def test_data_given_after_loading_are_written_out_not_their_stale_generator(tmp_path):
    """A copy of xor given other points (as the benchmarks build their cases) keeps xor's
    generator keys in ``generated``; the points on screen are what must be written."""
    xor = load_scenario("scenarios/xor.toml")
    other = replace(xor, inputs=xor.inputs[:10] * 2, targets=xor.targets[:10])
    loaded = round_trip(other, tmp_path)
    assert np.array_equal(loaded.inputs, other.inputs) and loaded.inputs.shape == (10, 2)
    assert np.array_equal(other.with_dtype("float32").inputs, other.inputs)  # not regenerated
