"""The lab in a real Chromium: first frame, keys, a click, a resize, two independent tabs,
nothing loaded from off the machine, a screenshot, and a shutdown that leaves nothing behind.

The numbers on screen are checked against the chapter's forward pass worked by hand here
(x = (1, 1), the figure's weights, no biases, sigmoid hidden layer, linear output, target 0).
"""

from __future__ import annotations

import math
import os
import re
import signal
import struct
from pathlib import Path

import pytest

from tests.serving import SHUTDOWN_DEADLINE_S, ServedLab, group_members

pytestmark = pytest.mark.browser

W1 = [[0.8, 0.4, 0.3], [0.2, 0.9, 0.5]]
W2 = [0.3, 0.5, 0.9]
H1 = [W1[0][j] + W1[1][j] for j in range(3)]  # x = (1, 1)
A1 = [1 / (1 + math.exp(-h)) for h in H1]
Y_HAT = sum(w * a for w, a in zip(W2, A1))
LOSS = Y_HAT ** 2  # (ŷ − 0)², one data point
DC_DYHAT = 2 * Y_HAT  # 2(ŷ − y)/m


def g(value: float) -> str:
    """The app's default display: 5 significant digits."""
    return f"{value:.5g}"


def press(tab, key: str, times: int, until: str | None = None) -> str:
    tab.focus()
    for _ in range(times):
        tab.page.keyboard.press(key)
    return tab.wait_for_text(until) if until else tab.screen()


def test_a_learners_tab_first_frame_keys_click_screenshot_and_resize(lab, open_tab, tmp_path):
    """One tab, one session, from the first frame on (one session, not one per check: each
    costs seconds of app start-up)."""
    tab = open_tab(lab.url, width=1280, height=800)
    first = tab.wait_for_first_frame()
    assert "start of the epoch" in first
    assert "∂C/∂W1[1,1] = ∂C/∂ŷ · ∂h21/∂a11" in first

    # Six presses of n: forward pass, loss, first backward step.
    screen = press(tab, "n", 6, until="backward: gradients of the output layer")
    assert f"h11 {g(H1[0])} a11 {g(A1[0])}" in screen  # 1, 0.73106
    assert f"h12 {g(H1[1])} a12 {g(A1[1])}" in screen  # 1.3, 0.78583
    assert f"h13 {g(H1[2])} a13 {g(A1[2])}" in screen  # 0.8, 0.68997
    assert f"h21 {g(Y_HAT)} ŷ {g(Y_HAT)}" in screen  # 1.2332
    assert f"C = {g(LOSS)}" in screen  # 1.5208
    assert f"∂C/∂ŷ = 2(ŷ − y)/m = {g(DC_DYHAT)}" in screen  # 2.4664
    assert f"a11·∂C/∂h21 = {g(A1[0])}·{g(DC_DYHAT)} = {g(A1[0] * DC_DYHAT)}" in screen  # 1.8031

    # A PNG screenshot of what the learner sees (the README's, when asked for).
    tab.page.wait_for_timeout(300)  # the canvas is drawn on the next animation frame
    artefacts = os.environ.get("ANNLAB_BROWSER_ARTEFACTS")
    if artefacts:
        Path(artefacts, "feed-forward-n6.txt").write_text(screen + "\n")
    path = Path(artefacts) / "serve-feed-forward.png" if artefacts else tmp_path / "lab.png"
    data = tab.page.screenshot(path=str(path))
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (1280, 800)

    # Click W1[2,2] = 0.9 (input x2's row of the W1 table, column h12): the chain rule follows.
    rows = tab.screen().split("\n")
    row = next(i for i, line in enumerate(rows) if re.match(r"\s*x2\s+0\.2\s+0\.9\s+0\.5\b", line))
    tab.click_cell(rows[row].index("0.9") + 1, row)
    screen = tab.wait_for_text("∂C/∂W1[2,2] = ∂C/∂ŷ · ∂h21/∂a12 · ∂a12/∂h12 · ∂h12/∂W1[2,2]")
    slope = A1[1] * (1 - A1[1])  # by hand: ∂C/∂ŷ · W2[2,1] · a12(1 − a12) · x2
    assert f"= {g(DC_DYHAT)} · {g(W2[1])} · {g(slope)} · 1 = {g(DC_DYHAT * W2[1] * slope)}" in screen

    # A smaller window: the terminal shrinks and the app lays itself out again for it, its key
    # bar on the last row with the palette hint at that row's right end.
    wide_columns, wide_rows = tab.size()
    tab.page.set_viewport_size({"width": 820, "height": 560})
    tab.page.wait_for_function(f"() => window.annlabTerminal.cols < {wide_columns}")
    tab.page.wait_for_function(
        """() => {
            const t = window.annlabTerminal, b = t.buffer.active;
            const last = b.getLine(b.viewportY + t.rows - 1).translateToString(true, 0, t.cols);
            return last.includes("q quit") && last.trimEnd().endsWith("^p palette");
        }"""
    )
    columns, rows_now = tab.size()
    assert columns < wide_columns and rows_now < wide_rows
    assert "∂C/∂W1[2,2]" in tab.screen()  # the same session, still following the chosen weight

    # Through all of it, nothing was asked of any machine but this one.
    assert tab.blocked() == []


def test_the_off_machine_check_catches_a_page_that_loads_from_the_internet(lab, open_tab):
    """The check above can fail: a web font, a script and an image linked from the internet
    are caught, whether the browser sent the request or the page's policy stopped it."""
    tab = open_tab(lab.url)
    tab.page.wait_for_load_state("load")
    assert tab.blocked() == []
    tab.page.evaluate("""() => {
        for (const [tag, attribute, url] of [
            ["link", "href", "https://fonts.googleapis.com/css?family=Roboto%20Mono"],
            ["script", "src", "https://cdn.example.org/x.js"],
            ["img", "src", "https://example.org/x.png"],
        ]) {
            const element = document.createElement(tag);
            if (tag === "link") element.rel = "stylesheet";
            element[attribute] = url;
            document.head.appendChild(element);
        }
    }""")
    tab.page.wait_for_function("() => window.annlabBlocked.length >= 3")
    blocked = tab.blocked()
    assert any("fonts.googleapis.com" in url for url in blocked), blocked
    assert any("cdn.example.org" in url for url in blocked), blocked
    assert any("example.org/x.png" in url for url in blocked), blocked


def test_two_tabs_are_independent_and_sigterm_leaves_nothing_behind(open_tab, tmp_path):
    with ServedLab("feed-forward", log_path=tmp_path / "serve.log") as own:
        first, second = open_tab(own.url), open_tab(own.url)
        first.wait_for_first_frame()
        second.wait_for_first_frame()
        assert len(own.app_pids()) == 2
        press(first, "n", 6, until="backward: gradients of the output layer")
        second_screen = press(second, "n", 1, until="pre-activations")
        assert "backward" not in second_screen and f"a11 {g(A1[0])}" not in second_screen
        assert "backward: gradients of the output layer" in first.screen()

        seconds = own.stop(signal.SIGTERM)
        assert seconds < SHUTDOWN_DEADLINE_S, own.log()
        assert group_members(own.pgid) == []
        assert own.process.returncode == 0
        for tab in (first, second):  # each learner is told
            tab.page.locator(".closed-dialog").wait_for(state="visible", timeout=5_000)
            assert "This session has ended" in tab.page.locator(".closed-dialog").inner_text()
        assert len([line for line in own.log().splitlines() if re.search(r"session \d+: started", line)]) == 2
