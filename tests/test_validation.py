"""One test per kind of validation error the loader promises (the larger bad-file corpus is
tests/bad_scenarios/). Each message is one line: file, line, key, found, expected."""

from __future__ import annotations

import pytest

from annlab.errors import ScenarioError
from annlab.scenario import load_scenario

TOY = """\
[scenario]
title = "t"

[data]
inputs = [[1, 1]]
targets = [[0]]

[network]
layers = [2, 3, 1]
activations = ["sigmoid", "linear"]

[training]
loss = "mse"
"""


def _error(tmp_path, text: str | bytes) -> ScenarioError:
    path = tmp_path / "s.toml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert "\n" not in message and message.startswith(str(path))
    return info.value


def test_valid_minimal_scenario_loads(tmp_path):
    path = tmp_path / "ok.toml"
    path.write_text(TOY)
    scenario = load_scenario(path)
    assert scenario.network.origin == "xavier initialisation, seed 0"
    assert scenario.training.learning_rates == (0.01,)


@pytest.mark.parametrize(
    "change, key, line, words",
    [
        (("loss = \"mse\"", "los = \"mse\""), "training.los", 13, "unknown key (did you mean 'loss'?)"),
        (("[training]", "[trainig]"), "trainig", 12, "unknown key"),
        (("\"linear\"]", "\"lineer\"]"), "network.activations[1]", 10, "did you mean 'linear'?"),
        (("loss = \"mse\"", "loss = \"msee\""), "training.loss", 13, "expected one of: mse, mae"),
        (("loss = \"mse\"", "loss = \"mse\"\ngradient = \"backprop\""), "training.gradient", 14, "expected one of: chain-rule, finite-difference"),
        (("loss = \"mse\"", "loss = \"mse\"\nepochs = 20000000"), "training.epochs", 14, "expected 1 to 10,000,000"),
        (("layers = [2, 3, 1]", "layers = [2, 300000, 1]"), "network.layers[1]", 9, "expected a layer size from 1 to 100,000"),
        (("inputs = [[1, 1]]", "inputs = [[1, nan]]"), "data.inputs", 5, "expected finite numbers"),
        (("inputs = [[1, 1]]", "inputs = [[1, 1, 1]]"), "data.inputs[0]", 5, "found 3 values; expected 2 inputs"),
        (("targets = [[0]]", "targets = [[0], [1]]"), "data.targets", 6, "found 2 rows; expected 1"),
        (("targets = [[0]]", "targets = [[0, 1]]"), "data.targets[0]", 6, "expected 1 targets"),
        (("activations = [\"sigmoid\", \"linear\"]", "activations = [\"sigmoid\"]"), "network.activations", 10, "expected 2, one per layer"),
        (("loss = \"mse\"", "loss = \"mse\"\nepochs = \"ten\""), "training.epochs", 14, "expected an integer, found 'ten' (a string)"),
        (("title = \"t\"", "titel = \"t\""), "scenario.titel", 2, "unknown key"),
    ],
)
def test_each_mistake_names_file_line_key_and_expectation(tmp_path, change, key, line, words):
    error = _error(tmp_path, TOY.replace(*change))
    assert error.key == key
    assert error.line == line
    assert words in error.message


def test_weights_that_do_not_match_the_layers(tmp_path):
    text = TOY.replace('activations = ["sigmoid", "linear"]', 'activations = ["sigmoid", "linear"]\nweights = [[[1, 2, 3]], [[1], [2], [3]]]')
    error = _error(tmp_path, text)
    assert error.key == "network.weights[0]"
    assert "found 1 rows; expected 2 (inputs) × 3 (outputs)" in error.message


def test_probabilities_must_sum_to_one_and_be_non_negative(tmp_path):
    table = '[scenario]\nkind = "softmax-table"\ntitle = "t"\n\n[table]\nclasses = ["a", "b"]\ntargets = ["a"]\nprobabilities = [[0.7, 0.2]]\n'
    assert "sums to 0.9; expected 1" in _error(tmp_path, table).message
    negative = table.replace("[[0.7, 0.2]]", "[[1.2, -0.2]]")
    assert "expected probabilities from 0 to 1" in _error(tmp_path, negative).message
    unknown = table.replace('targets = ["a"]', 'targets = ["c"]')
    assert _error(tmp_path, unknown).key == "table.targets[0]"


@pytest.mark.parametrize(
    "content, words",
    [
        (b"", "is empty"),
        (b"   \n\n", "is empty"),
        (b"\x00\x01\x02binary", "is a binary file"),
        (b"\xff\xfe[scenario]", "is not UTF-8 text"),
        (b"[scenario\ntitle = 1", "invalid TOML"),
    ],
)
def test_unreadable_files(tmp_path, content, words):
    assert words in _error(tmp_path, content).message


def test_toml_syntax_errors_carry_the_line(tmp_path):
    error = _error(tmp_path, TOY.replace('loss = "mse"', "loss = mse"))
    assert error.line == 13 and "invalid TOML" in error.message


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ScenarioError, match="no such file"):
        load_scenario(tmp_path / "nope.toml")
    with pytest.raises(ScenarioError, match="is a folder"):
        load_scenario(tmp_path)


def test_sections_must_fit_the_kind(tmp_path):
    error = _error(tmp_path, TOY + '\n[table]\nclasses = ["a"]\ntargets = ["a"]\nprobabilities = [[1.0]]\n')
    assert error.key == "table" and "not used by kind 'training'" in error.message
