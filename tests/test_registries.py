"""Knowledge lives in one place: an activation, a loss or a scenario kind added to its registry
alone works through every view (``annlab check``, ``annlab play``, the headless app), with no
other table to update. Each is registered by a fixture, for the test only."""

from __future__ import annotations

import asyncio
import json
import io

import numpy as np
import pytest
from rich.console import Console
from textual.screen import Screen
from textual.widgets import Static

from annlab.app import create_app, settle
from annlab.cli import load, main
from annlab.engine.activations import ACTIVATIONS, Activation
from annlab.engine.losses import LOSSES, Loss
from annlab.scenario.kinds import KINDS, Kind
from annlab.scenario.model import Scenario, TableSpec
from annlab.trace import SoftmaxTable, TableRow, Trace


@pytest.fixture
def softsign(monkeypatch):
    """softsign(h) = h / (1 + |h|), slope 1 / (1 + |h|)²."""
    activation = Activation(
        "softsign", "ss", "ss(h) = h / (1 + |h|)", "ss'(h) = 1 / (1 + |h|)²",
        lambda xp, h: h / (1 + xp.abs(h)),
        lambda xp, h, a: 1 / (1 + xp.abs(h)) ** 2,
        lambda a, h: f"1/(1 + |{h}|)²",
    )
    monkeypatch.setitem(ACTIVATIONS, "softsign", activation)
    return activation


@pytest.fixture
def half_mse(monkeypatch):
    """C = (1/2m) Σ (ŷ − y)², whose gradient is (ŷ − y)/m."""
    loss = Loss(
        "half-mse", "C = (1/2m) Σ (ŷ − y)²",
        lambda xp, p, y: xp.mean(xp.square(p - y), axis=(-2, -1)) / 2,
        lambda xp, p, y: (p - y) / (p.shape[-1] * p.shape[-2]),
        "(ŷ − y)/m",
    )
    monkeypatch.setitem(LOSSES, "half-mse", loss)
    return loss


SCENARIO = """\
[scenario]
title = "A registered activation and loss"
[data]
inputs = [[1, 2], [0, -1]]
targets = [[0.5], [-0.25]]
[network]
layers = [2, 2, 1]
activations = ["softsign", "linear"]
weights = [[[0.5, -0.25], [0.75, 1.0]], [[1.5], [-0.5]]]
[training]
loss = "half-mse"
learning_rates = [0.1]
epochs = 5
"""


def test_a_registered_activation_and_loss_work_in_check_play_and_the_app(tmp_path, capsys, softsign, half_mse):
    path = tmp_path / "registered.toml"
    path.write_text(SCENARIO)
    assert main(["check", str(path)]) == 0
    assert main(["play", str(path)]) == 0
    out = capsys.readouterr().out
    # The registry's own wording, in the forward pass and in the chain rule.
    assert "a11 = ss(h11) = ss(" in out
    assert "= (ŷ − y)/m · W2[1,1] · 1/(1 + |h11|)² · x1" in out
    # Checked by hand: h11 = 1·0.5 + 2·0.75 = 2 → a11 = 2/3; h12 = 1·(−0.25) + 2·1 = 1.75.
    assert "h11 = x1·W1[1,1] + x2·W1[2,1] + b1[1]" in out and "= 2" in out
    # The chain rule's gradient passes the central-difference check over every parameter.
    assert "(passed, tolerance" in out

    async def in_the_app() -> str:
        app = create_app(load(str(path)))
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("n", "n")  # start, pre 1, act 1
            panel = app.screen.query_one("#step")
            console = Console(width=160, record=True, color_system=None, file=io.StringIO())
            console.print(panel.draw(app.screen.view()))
            return console.export_text()

    assert "a11 = ss(h11)" in asyncio.run(in_the_app())


class EchoScreen(Screen):
    def __init__(self, scenario: Scenario, backend) -> None:
        super().__init__()
        self.scenario = scenario

    def compose(self):
        yield Static(f"echo: {self.scenario.title}", id="echo")


def _build_echo(checker, parsed, base) -> Scenario:
    table = parsed.table
    return Scenario(**base, table=TableSpec(tuple(table.classes), tuple(table.targets), np.array(table.probabilities), None))


def _run_echo(scenario: Scenario, backend) -> Trace:
    spec = scenario.table
    rows = tuple(TableRow(t, p, 0.0) for t, p in zip(spec.targets, spec.probabilities))
    return Trace(scenario.title, scenario.kind, backend.name, backend.reason, table=SoftmaxTable(spec.classes, rows, 0.0))


def _narrate_echo(out, scenario: Scenario, trace: Trace) -> None:
    out.line(f"echo of {len(trace.table.rows)} rows")


@pytest.fixture
def echo_kind(monkeypatch):
    kind = Kind("echo", frozenset({"scenario", "table"}), _build_echo, _run_echo, _narrate_echo, EchoScreen)
    monkeypatch.setitem(KINDS, "echo", kind)
    return kind


def test_a_registered_kind_works_in_check_play_and_the_app(tmp_path, capsys, echo_kind):
    path = tmp_path / "echo.toml"
    path.write_text('[scenario]\ntitle = "Echo"\nkind = "echo"\n[table]\nclasses = ["a", "b"]\ntargets = ["a"]\nprobabilities = [[0.5, 0.5]]\n')
    assert main(["check", str(path)]) == 0
    assert "ok (echo: Echo)" in capsys.readouterr().out
    assert main(["play", str(path)]) == 0
    assert "echo of 1 rows" in capsys.readouterr().out
    assert main(["play", str(path), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["kind"] == "echo"

    async def in_the_app() -> str:
        app = create_app(load(str(path)))
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            return str(app.screen.query_one("#echo").render())

    assert asyncio.run(in_the_app()) == "echo: Echo"


def test_a_kind_missing_from_the_registry_is_refused(tmp_path, capsys):
    path = tmp_path / "echo.toml"
    path.write_text('[scenario]\ntitle = "Echo"\nkind = "echo"\n[table]\nclasses = ["a"]\ntargets = ["a"]\nprobabilities = [[1.0]]\n')
    assert main(["check", str(path)]) == 2
    assert "scenario.kind: found 'echo'; expected one of: activations, losses, softmax-table, training" in capsys.readouterr().err
