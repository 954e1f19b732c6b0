"""One test per kind of validation error the loader promises (the larger bad-file corpus is
tests/bad_scenarios/). Each message is one line: file, line, key, found, expected."""

from __future__ import annotations

from annlab.playback.words import say

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
    assert say(scenario.network.origin) == "xavier initialisation, seed 0"
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


def test_toml_syntax_errors_carry_line_and_column(tmp_path):
    # `loss = mse`: TOML sees a bare word where a value must start, at column 8 of line 13.
    error = _error(tmp_path, TOY.replace('loss = "mse"', "loss = mse"))
    assert (error.line, error.column) == (13, 8)
    assert str(error).startswith(f"{tmp_path / 's.toml'}:13:8: invalid TOML: ")


@pytest.mark.parametrize("ending", ["", "\n", "\n\n   \n"])
def test_a_file_that_ends_inside_a_value_points_after_its_last_character(tmp_path, ending):
    # tomllib says only "at end of document": the place to look is the end of `epochs = [10`
    # (line 14, 12 characters long), whatever blank lines follow it.
    error = _error(tmp_path, TOY + "epochs = [10" + ending)
    assert (error.line, error.column) == (14, 13)
    assert error.message == "invalid TOML: unclosed array (the file ends first)"


def test_other_errors_keep_file_line_key_without_a_column(tmp_path):
    error = _error(tmp_path, TOY.replace('loss = "mse"', 'loss = "msee"'))
    assert error.column is None and str(error).startswith(f"{tmp_path / 's.toml'}:13: training.loss: ")


# The largest float32 is (2 − 2⁻²³)·2¹²⁷; round-to-nearest sends a float64 to inf from halfway
# to the next power, 2¹²⁸ − 2¹⁰³, upward (IEEE 754). Below that the cast rounds to the largest.
FLOAT32_MAX = (2 - 2**-23) * 2.0**127
FLOAT32_INF_FROM = 2.0**128 - 2.0**103


@pytest.mark.parametrize(
    "value, fits",
    [(1e308, False), (-1e39, False), (FLOAT32_INF_FROM, False), (FLOAT32_MAX, True), (-FLOAT32_MAX, True),
     (float.fromhex("0x1.fffffefffffffp+127"), True), (1e-300, True)],  # just under halfway; an underflow to 0 is not an overflow
)
def test_parameters_must_fit_a_float32_network(tmp_path, value, fits):
    text = TOY.replace('activations = ["sigmoid", "linear"]', f'activations = ["sigmoid", "linear"]\ndtype = "float32"\nweights = [[[1, 2, 3], [1, 2, 3]], [[1], [{value!r}], [1]]]')
    if fits:
        path = tmp_path / "ok.toml"
        path.write_text(text)
        assert load_scenario(path).network.weights[1][1, 0] == value
        return
    error = _error(tmp_path, text)
    assert (error.key, error.line) == ("network.weights[1][1][0]", 12)
    assert "which does not fit float32 (largest 3.4e38); expected numbers within ±3.4e38, or dtype = \"float64\"" in error.message


def test_a_float64_network_holds_what_float32_cannot(tmp_path):
    path = tmp_path / "ok.toml"
    path.write_text(TOY.replace('activations = ["sigmoid", "linear"]', 'activations = ["sigmoid", "linear"]\nweights = [[[1, 2, 3], [1, 2, 3]], [[1], [1e308], [1]]]\nbiases = [[0, 0, 1e300], [0]]'))
    assert load_scenario(path).network.weights[1][1, 0] == 1e308


def test_a_dtype_chosen_later_is_checked_against_the_files_numbers(tmp_path):
    from annlab.scenario.loader import check_dtype_change

    path = tmp_path / "ok.toml"
    path.write_text(TOY.replace('inputs = [[1, 1]]', 'inputs = [[1, 5e38]]'))
    scenario = load_scenario(path)  # float64: fits
    check_dtype_change(scenario, "float64")
    with pytest.raises(ScenarioError) as info:
        check_dtype_change(scenario, "float32")
    assert info.value.key == "data.inputs[0][1]"
    assert "found 5e38, which does not fit float32 (largest 3.4e38); expected numbers within ±3.4e38, or keep float64" in info.value.message


CLASSIFIER = """\
[scenario]
title = "t"

[data]
inputs = [[1, 1], [0, 1]]
targets = TARGETS

[network]
layers = [2, 3, OUT]
activations = ["tanh", "LAST"]

[training]
loss = "LOSS"
"""


def _classifier(out: int, last: str, loss: str, targets: str) -> str:
    return CLASSIFIER.replace("OUT", str(out)).replace("LAST", last).replace("LOSS", loss).replace("TARGETS", targets)


@pytest.mark.parametrize(
    "out, last, loss, targets",
    [
        (1, "sigmoid", "binary-cross-entropy", "[[0], [1]]"),
        (1, "sigmoid", "binary-cross-entropy", "[[0.25], [1]]"),  # soft labels are probabilities too
        (2, "sigmoid", "binary-cross-entropy", "[[0, 1], [1, 1]]"),  # several labels per row
        (2, "softmax", "binary-cross-entropy", "[[0, 1], [1, 0]]"),
        (2, "softmax", "categorical-cross-entropy", "[[0, 1], [1, 0]]"),
        (3, "softmax", "categorical-cross-entropy", "[[0.2, 0.3, 0.5], [1, 0, 0]]"),
        (1, "linear", "mse", "[[-7], [40]]"),  # regression: any targets, any output
        (2, "softmax", "mse", "[[0, 1], [1, 0]]"),
        (1, "relu", "mae", "[[0], [3]]"),
    ],
)
def test_losses_that_suit_their_output_layer_load(tmp_path, out, last, loss, targets):
    path = tmp_path / "ok.toml"
    path.write_text(_classifier(out, last, loss, targets))
    assert load_scenario(path).training.loss == loss


@pytest.mark.parametrize(
    "out, last, loss, targets, key, words",
    [
        (1, "linear", "binary-cross-entropy", "[[0], [1]]", "training.loss", "the last layer is 'linear' (outputs of any size and sign); expected a 'sigmoid' last layer (or 'softmax')"),
        (1, "relu", "binary-cross-entropy", "[[0], [1]]", "training.loss", "the last layer is 'relu'"),
        (1, "tanh", "binary-cross-entropy", "[[0], [1]]", "training.loss", "the last layer is 'tanh' (outputs between −1 and 1)"),
        (1, "sigmoid", "categorical-cross-entropy", "[[0], [1]]", "training.loss", "expected a 'softmax' last layer (2 or more outputs)"),
        (2, "sigmoid", "categorical-cross-entropy", "[[0, 1], [1, 0]]", "training.loss", "needs outputs that share 1 between the classes"),
        (2, "linear", "categorical-cross-entropy", "[[0, 1], [1, 0]]", "training.loss", "the last layer is 'linear'"),
        (1, "softmax", "mse", "[[0], [1]]", "network.activations[1]", "softmax over a single output is always 1"),
        (1, "sigmoid", "binary-cross-entropy", "[[0], [1.5]]", "data.targets[1][0]", "found 1.5; expected targets from 0 to 1 for binary-cross-entropy"),
        (1, "sigmoid", "binary-cross-entropy", "[[-1], [1]]", "data.targets[0][0]", "found -1; expected targets from 0 to 1"),
        (2, "softmax", "categorical-cross-entropy", "[[0, 1], [0.5, 0]]", "data.targets[1]", "sums to 0.5; expected each row of targets to sum to 1"),
    ],
)
def test_a_loss_that_cannot_score_the_outputs_is_refused(tmp_path, out, last, loss, targets, key, words):
    error = _error(tmp_path, _classifier(out, last, loss, targets))
    assert error.key == key
    assert words in error.message


def test_every_bundled_and_test_scenario_still_loads():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    files = sorted((root / "scenarios").glob("*.toml")) + sorted((root / "tests" / "app" / "scenarios").glob("*.toml"))
    assert len(files) >= 13
    for path in files:
        assert load_scenario(path).title
