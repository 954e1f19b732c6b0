"""The optimisers are PyTorch's (torch.optim) rules: checked by hand on the chapter's y = 3x
steps, against torch itself where it is installed (an optional, test-only check: without torch
those tests skip, the hand derivations still run), and momentum 0 is plain descent bit for bit."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from annlab.cli import load, main
from annlab.engine.backend import numpy_backend
from annlab.training.runner import run_scenario

Y3X = """\
[scenario]
title = "y = 3x"
[data]
inputs = [[1], [2], [3], [4]]
targets = [[3], [6], [9], [12]]
[network]
layers = [1, 1]
activations = ["linear"]
dtype = "float64"
weights = [[[0]]]
biases = [[0]]
[training]
learning_rates = [{lr}]
epochs = {epochs}
optimizer = "{optimizer}"
{extra}
"""


def y3x(tmp_path, optimizer: str, lr: float = 0.1, epochs: int = 3, extra: str = ""):
    path = tmp_path / f"{optimizer}.toml"
    path.write_text(Y3X.format(lr=lr, epochs=epochs, optimizer=optimizer, extra=extra))
    scenario = load(str(path))
    return scenario, run_scenario(scenario, numpy_backend()).runs[0]


def gradient(w: float, b: float) -> tuple[float, float]:
    """∂C/∂w and ∂C/∂b of C = (1/4) Σ (w·x + b − y)² on the chapter's data, by hand."""
    xs, ys = [1, 2, 3, 4], [3, 6, 9, 12]
    errors = [w * x + b - y for x, y in zip(xs, ys)]
    return 0.5 * sum(e * x for e, x in zip(errors, xs)), 0.5 * sum(errors)


def weights_of(run) -> list[tuple[float, float]]:
    return [(float(r.weights[0][0, 0]), float(r.biases[0][0])) for r in run.records]


def test_momentum_by_hand(tmp_path):
    _, run = y3x(tmp_path, "momentum", lr=0.01, epochs=3)
    w = b = 0.0
    vw = vb = 0.0
    for t, (got_w, got_b) in enumerate(weights_of(run), start=1):
        gw, gb = gradient(w, b)
        vw, vb = (gw, gb) if t == 1 else (0.9 * vw + gw, 0.9 * vb + gb)  # v = g on the first step
        w, b = w - 0.01 * vw, b - 0.01 * vb
        assert got_w == pytest.approx(w, rel=1e-12) and got_b == pytest.approx(b, rel=1e-12)
    # The first step is the chapter's: w = 0.45 at lr 0.01.
    assert weights_of(run)[0][0] == pytest.approx(0.45)
    assert run.records[1].updates[0].optimizer_state["velocity"][0][0][0, 0] == pytest.approx(0.9 * -45 + gradient(0.45, 0.15)[0])


def test_rmsprop_by_hand(tmp_path):
    _, run = y3x(tmp_path, "rmsprop", lr=0.01, epochs=3)
    w = b = 0.0
    sw = sb = 0.0
    for got_w, got_b in weights_of(run):
        gw, gb = gradient(w, b)
        sw, sb = 0.99 * sw + 0.01 * gw * gw, 0.99 * sb + 0.01 * gb * gb
        w, b = w - 0.01 * gw / (math.sqrt(sw) + 1e-8), b - 0.01 * gb / (math.sqrt(sb) + 1e-8)
        assert got_w == pytest.approx(w, rel=1e-12) and got_b == pytest.approx(b, rel=1e-12)
    # The first step divides the gradient by its own size·√(1 − ρ): 0.01·10 = 0.1 whatever the
    # gradient (less ε's share: 1e-8 against 0.1·|g|, a few parts in 1e9).
    assert weights_of(run)[0] == pytest.approx((0.1, 0.1), rel=1e-7)


def test_adam_by_hand_and_its_step_is_bounded_by_the_learning_rate(tmp_path):
    _, run = y3x(tmp_path, "adam", lr=1.0, epochs=4)
    w = b = 0.0
    m = [0.0, 0.0]
    v = [0.0, 0.0]
    for t, got in enumerate(weights_of(run), start=1):
        g = gradient(w, b)
        params = [w, b]
        for k in range(2):
            m[k] = 0.9 * m[k] + 0.1 * g[k]
            v[k] = 0.999 * v[k] + 0.001 * g[k] ** 2
            m_hat, v_hat = m[k] / (1 - 0.9**t), v[k] / (1 - 0.999**t)
            params[k] -= 1.0 * m_hat / (math.sqrt(v_hat) + 1e-8)
        w, b = params
        assert got == pytest.approx((w, b), rel=1e-12)
    # At lr 1 plain descent leaps to w = 45 and runs away; Adam's first step is exactly ±lr.
    assert weights_of(run)[0] == pytest.approx((1.0, 1.0), rel=1e-9)
    steps = np.diff([0.0] + [wb[0] for wb in weights_of(run)])
    assert np.all(np.abs(steps) <= 1.0 + 1e-9)


@settings(max_examples=20, deadline=None)
@given(lr=st.sampled_from([0.001, 0.01, 0.05]), epochs=st.integers(1, 30), batch=st.sampled_from([0, 2, 3]))
def test_momentum_zero_is_plain_gradient_descent_bit_for_bit(tmp_path_factory, lr, epochs, batch):
    folder = tmp_path_factory.mktemp("m0")
    extra = f"batch_size = {batch}"
    sgd_scenario, sgd = y3x(folder, "sgd", lr, epochs, extra)
    _, zero = y3x(folder, "momentum", lr, epochs, extra + "\nmomentum = 0")
    np.testing.assert_array_equal(sgd.losses, zero.losses)
    for a, b in zip(sgd.final_weights + sgd.final_biases, zero.final_weights + zero.final_biases):
        assert np.array_equal(a, b)


def test_a_hyper_parameter_for_another_optimizer_is_refused_in_one_line(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text(Y3X.format(lr=0.1, epochs=2, optimizer="adam", extra="momentum = 0.5"))
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"{path}:16: training.momentum: found 0.5, but no optimizer here uses it ('adam' takes beta1, beta2, epsilon); expected it only with 'momentum'"]
    path.write_text(Y3X.format(lr=0.1, epochs=2, optimizer="adamw", extra=""))
    assert main(["check", str(path)]) == 2
    assert "training.optimizer: unknown optimizer 'adamw' (did you mean 'adam'?); expected one of: sgd, momentum, rmsprop, adam" in capsys.readouterr().err


def test_a_list_compares_the_optimizers_from_the_same_start(scenario_path):
    scenario = load("y3x-optimizers")
    trace = run_scenario(scenario, numpy_backend())
    assert [r.optimizer for r in trace.runs] == ["sgd", "momentum", "adam"]
    sgd, momentum, adam = trace.runs
    for run in trace.runs:
        assert run.records[0].start_weights[0][0, 0] == 0
    # lr 1: plain descent and momentum overflow float32; Adam settles at w ≈ 3.
    assert sgd.divergence is not None and momentum.divergence is not None
    assert adam.divergence is None and adam.final_weights[0][0, 0] == pytest.approx(3, abs=1e-3)




@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "rmsprop", "adam"])
def test_the_same_numbers_as_torch_optim(tmp_path, optimizer):
    torch = pytest.importorskip("torch", reason="PyTorch is optional: the hand derivations above check every rule without it")
    scenario, run = y3x(tmp_path, optimizer, lr=0.05, epochs=20)
    w = torch.zeros((1, 1), dtype=torch.float64, requires_grad=True)
    b = torch.zeros((1,), dtype=torch.float64, requires_grad=True)
    make = {
        "sgd": lambda p: torch.optim.SGD(p, lr=0.05),
        "momentum": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9),
        "rmsprop": lambda p: torch.optim.RMSprop(p, lr=0.05, alpha=0.99, eps=1e-8),
        "adam": lambda p: torch.optim.Adam(p, lr=0.05, betas=(0.9, 0.999), eps=1e-8),
    }[optimizer]
    opt = make([w, b])
    x = torch.tensor(scenario.inputs, dtype=torch.float64)
    y = torch.tensor(scenario.targets, dtype=torch.float64)
    for record in run.records:
        opt.zero_grad()
        loss = ((x @ w + b - y) ** 2).mean()
        assert float(loss) == pytest.approx(record.loss, rel=1e-13)
        loss.backward()
        opt.step()
        assert float(w[0, 0]) == pytest.approx(float(record.weights[0][0, 0]), rel=1e-12, abs=1e-15)
        assert float(b[0]) == pytest.approx(float(record.biases[0][0]), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("optimizer", ["momentum", "rmsprop", "adam"])
def test_a_sweep_trains_every_rate_with_the_optimizer_as_a_lone_run_does(tmp_path, optimizer):
    text = Y3X.format(lr=0.1, epochs=40, optimizer=optimizer, extra="").replace(
        "learning_rates = [0.1]", "sweep = {from = 0.001, to = 3, count = 7}"
    )
    path = tmp_path / "sweep.toml"
    path.write_text(text)
    scenario = load(str(path))
    from annlab.training.trainer import train

    runs = run_scenario(scenario, numpy_backend()).runs
    assert len(runs) == 7 and {r.optimizer for r in runs} == {optimizer}
    for run in runs:
        alone = train(numpy_backend(), scenario, run.learning_rate, "chain-rule")
        np.testing.assert_allclose(run.losses, alone.losses, rtol=1e-12)
        assert alone.optimizer == optimizer
