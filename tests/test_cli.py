"""`annlab play`, `check` and `list` as a user runs them (in-process through main(), and a
real subprocess for the console entry)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
import sys

import pytest

ROOT = Path(__file__).resolve().parent.parent

from annlab.cli import main


def _play(capsys, *args):
    code = main(["play", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_toy_play_narrates_forward_chain_update_and_summary(capsys):
    code, out, _ = _play(capsys, "toy-backprop")
    assert code == 0
    assert "h11 = x1·W1[1,1] + x2·W1[2,1] + b1[1]" in out
    assert "= 1·(-0.0053) + 1·0.3793 + (-0.014) = 0.36" in out
    assert "∂C/∂W1[1,1] = ∂C/∂ŷ · ∂h21/∂a11 · ∂a11/∂h11 · ∂h11/∂W1[1,1]" in out
    assert "final W1 = [[0.014240043, -0.5907864, -0.27549535]" in out
    assert "gradient check over all 13 parameters" in out and "passed" in out


def test_y3x_compare_prints_the_chapters_table(capsys):
    code, out, _ = _play(capsys, "y3x-compare")
    assert code == 0
    assert "weight value: 0.0 original loss: 67.5 loss_plus: 67.5 gradient: -45.0 updated_weights: 0.45" in out
    assert "weight value: 45.0 original loss: 16604.45 loss_plus: 16604.52 gradient: 699.22 updated_weights: -654.22" in out
    assert "W1[1,1] is stuck at 12755.16 from epoch 4" in out


def test_lr_1_shows_both_runs_and_why_they_part(capsys):
    code, out, _ = _play(capsys, "y3x-lr-1")
    assert code == 0
    assert "learning rate 1, chain-rule" in out and "diverged at epoch" in out
    assert "The two runs part ways" in out


def test_play_long_run_stays_short(capsys):
    code, out, _ = _play(capsys, "y3x-lr-0.1", "--epochs", "100000", "--gradient", "chain-rule")
    assert code == 0
    assert "100,000 epochs" in out
    assert len(out.splitlines()) < 120


def test_play_overrides(capsys):
    code, out, _ = _play(capsys, "toy-backprop", "--epochs", "3", "--lr", "0.5", "--lr", "0.1", "--gradient", "chain-rule", "--dtype", "float64")
    assert code == 0
    data_code, data, _ = _play(capsys, "toy-backprop", "--epochs", "3", "--lr", "0.5", "--format", "json")
    runs = json.loads(data)["runs"]
    assert [r["learning_rate"] for r in runs] == [0.5] and len(runs[0]["losses"]) == 3
    assert "learning rate 0.5, chain-rule: 3 epochs" in out and "float64 parameters" in out


@pytest.mark.parametrize(
    "args, words",
    [
        (["--epochs", "0"], "expected 1 to 10,000,000"),
        (["--epochs", "ten"], "expected a whole number"),
        (["--lr", "-1"], "expected a finite number > 0"),
        (["--lr", "nan"], "expected a finite number > 0"),
        (["--gradient", "magic"], "invalid choice"),
    ],
)
def test_bad_overrides_exit_2_with_one_clear_line(capsys, args, words):
    with pytest.raises(SystemExit) as exit_info:
        main(["play", "toy-backprop", *args])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err


def test_training_flags_on_a_table_are_refused(capsys):
    code, _, err = _play(capsys, "softmax-table", "--epochs", "5")
    assert code == 2
    assert "--epochs apply to training scenarios" in err


def test_missing_scenario_is_one_line_exit_2(capsys):
    code, out, err = _play(capsys, "no-such-scenario")
    assert code == 2 and out == ""
    assert err.strip() == "no-such-scenario: no such file"


def test_check_and_list(capsys, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[scenario]\ntitle = "x"\n\n[data]\ninputs = [[1]]\ntargets = [[1]]\n\n[network]\nlayers = [1, 1]\nactivations = ["sigmod"]\n\n[training]\n')
    code = main(["check", "toy-backprop", str(bad)])
    out, err = capsys.readouterr()
    assert code == 2
    assert "toy-backprop: ok" in out
    assert err.strip() == f"{bad}:10: network.activations[0]: unknown activation 'sigmod' (did you mean 'sigmoid'?); expected one of: sigmoid, tanh, relu, linear, softmax"
    assert main(["list"]) == 0
    listing = capsys.readouterr().out
    assert "toy-backprop" in listing and "Toy network, one sample" in listing


def test_console_entry_point_runs_as_a_subprocess():
    result = subprocess.run([sys.executable, "-m", "annlab", "play", "feed-forward"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "loss  C = (1/m) Σ (ŷ − y)² = 1.5208" in result.stdout


def test_play_checks_only_the_narrated_parameter_on_a_big_network(capsys, tmp_path):
    # The spiral with the benchmark's 64-unit layers, full batch, a few epochs: a first update
    # over 2,000 points, 2 × 4,483 parameters × its multiply-adds to check them all.
    text = (ROOT / "scenarios" / "spiral.toml").read_text()
    text = text.replace("samples = 300", "samples = 2000").replace("[2, 16, 16, 3]", "[2, 64, 64, 3]")
    text = text.replace("epochs = 1000", "epochs = 2").replace("batch_size = 50", "batch_size = 0")
    big = tmp_path / "big-spiral.toml"
    big.write_text(text)
    code, out, _ = _play(capsys, str(big))
    assert code == 0
    assert "check: central difference" in out
    assert "no check of all" in out and "that cost is why backpropagation exists" in out
