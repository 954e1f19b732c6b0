"""What the layout promises at each size, asserted on the screen a learner reads (the
exported screen as text): the current step in view at 80×24, no number ever cut, meaning
that survives NO_COLOR."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console

from annlab.app import create_app, settle
from annlab.cli import load
from annlab.app.training import TrainingScreen
from tests.app.svg_text import svg_text

SIZES = [(80, 24), (120, 40), (200, 60)]
# A digit, or a decimal point or an exponent's sign, then "…": a number that was cut.
CUT_NUMBER = re.compile(r"[\d.e-]…")


async def _screen_text(name: str, keys: list[str], size: tuple[int, int]) -> tuple[str, object]:
    app = create_app(load(name))
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
        await settle(pilot)
        return svg_text(app.export_screenshot()), app


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_the_backward_step_for_layer_1_is_in_view(size):
    """The issue's 80×24 finding: after 7 × n the screen ended at the step panel's rule."""
    text, _app = await _screen_text("feed-forward", ["n"] * 7, size)
    assert "backward: gradients of layer 1" in text
    # The step's own lines, with the chapter's numbers (2.4664·0.3 = 0.73993, by hand:
    # ∂C/∂ŷ = 2(1.2332 − 0) and W2[1,1] = 0.3), are on screen, not below it.
    assert "∂C/∂a11 = Σ_k ∂C/∂h2k·W2[1,k] = 2.4664·0.3 = 0.73993" in text
    assert "∂C/∂h13 = ∂C/∂a13·σ'(h13) = 2.2198·0.21391 = 0.47483" in text


async def test_a_short_screen_has_a_one_line_status_and_the_summary_has_the_rest():
    app = create_app(load("y3x-lr-1"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        status = app.screen.query_one("#status")
        assert status.region.height == 1
        assert "auto chose" not in str(status.render())
        await pilot.press("s")
        await pilot.pause()
        summary = svg_text(app.export_screenshot())
        assert "float32 · auto chose NumPy" in summary
    app = create_app(load("y3x-lr-1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, TrainingScreen)
        assert "float32 · auto chose NumPy" in str(app.screen.query_one("#status").render())


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize(
    ("name", "keys"),
    [
        ("xor", ["G", "f"]),  # full precision: 17 digits in narrow columns
        ("xor", ["G"]),
        ("toy-backprop", ["n"] * 8),
        ("softmax-table", []),
    ],
    ids=["xor-full-precision", "xor", "toy-backprop-update", "softmax-table"],
)
async def test_no_number_is_ever_cut(name, keys, size):
    text, _app = await _screen_text(name, keys, size)
    assert not CUT_NUMBER.search(text), CUT_NUMBER.search(text).group(0) + "\n" + text


async def test_full_precision_keeps_the_weight_tables_row_labels():
    """The issue's finding: with f, the row labels disappeared instead of the digits."""
    app = create_app(load("xor"))
    async with app.run_test(size=(80, 40)) as pilot:
        await settle(pilot)
        await pilot.press("G", "f")
        await settle(pilot)
        panel = app.screen.query_one("#network")
        console = Console(width=panel.size.width, record=True, file=io.StringIO())
        console.print(panel.draw(app.screen.view()))
        text = console.export_text()
    labels = {line.split()[0] for line in text.splitlines() if line.split()}
    assert {"W1", "x1", "x2", "b1", "W2", "a11", "a12", "a13", "a14", "b2"} <= labels
    # 17 significant digits where they fit, fewer (never cut) where they do not.
    assert not CUT_NUMBER.search(text)
    assert "-0.77807240015029544" in text  # x1 of data point 1, every digit


async def test_meaning_survives_no_color(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    text, app = await _screen_text("feed-forward", ["n"] * 7, (120, 40))
    assert app.no_color  # Textual honoured the variable
    # The chosen weight W1[1,1] = 0.8 is marked in the weight table, not only coloured.
    assert re.search(r"x1\s+▸0\.8\s", text)
    text, _app = await _screen_text("softmax-table", ["down"], (120, 40))
    # The target's probability in brackets (the chapter's dog 0.88 in row 1), the others
    # bare; ▸ on the row the bars explain.
    assert re.search(r"1\s+dog\s+\[0\.8800\]\s+0\.0500", text)
    assert re.search(r"▸ 2\s+cat\s+0\.3000\s+\[0\.4500\]", text)
    text, _app = await _screen_text("xor", ["G"], (120, 40))
    # The decision map: capital letters for the data points, lower case for the regions.
    assert re.search(r"[AB]", text) and re.search(r"\ba\b|\bb\b", text)
