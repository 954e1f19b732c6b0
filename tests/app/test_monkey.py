"""A monkey at the keyboard: 5,000 random keys with resizes, across every scenario kind and
every screen (main, picker, help, summary, settings, command palette). The app must raise
nothing, and must still answer a key afterwards."""

from __future__ import annotations

import random

import pytest

from textual import events
from textual.widgets import Input

from annlab.app import settle
from annlab.cli import load
from annlab.app.base import LabScreen
from annlab.app.dialogs import HelpScreen
from annlab.app.training import TrainingScreen

KEYS = (
    "n p right left space plus minus e G r left_square_bracket right_square_bracket d u f c x "
    "o question_mark s l t k escape up down tab enter pageup pagedown home end ctrl+p N P 1 a"
).split()
CHARS = {"space": " ", "plus": "+", "minus": "-", "question_mark": "?", "left_square_bracket": "[", "right_square_bracket": "]"}
SIZES = [(120, 40), (80, 24), (200, 60), (60, 20), (59, 19), (40, 12), (100, 30)]
SCENARIOS = ["feed-forward", "toy-backprop", "y3x-compare", "y3x-lr-1", "softmax-table", "activations", "losses", "xor", "sweep"]
TOTAL_KEYS = 5_000
BATCH = 100  # keys between two paints


async def storm(app, pilot, rng: random.Random, keys: int) -> None:
    """Random keys posted straight to the app, a batch at a time, without waiting for each to
    be handled: faster than pilot.press, and harsher (keys arrive mid-update, and two Enters
    can reach a closing pop-up). One pause per batch lets the screen paint."""
    # The command palette (ctrl+p) lists Textual's "Quit": a random query and Enter can pick it
    # and end the app cleanly, which is not a crash. The monkey keeps the app open.
    async def stay(*_args) -> None:
        pass

    app.action_quit = stay
    pressed = 0
    while pressed < keys:
        for key in (rng.choice(KEYS) for _ in range(BATCH)):
            app.post_message(events.Key(key, CHARS.get(key, key if len(key) == 1 else None)))
            pressed += 1
        await pilot.pause()
        if rng.random() < 0.5:
            await pilot.resize_terminal(*rng.choice(SIZES))
    await settle(pilot)


async def still_answers(app, pilot) -> None:
    """Close whatever the storm left open, then the help key opens the help and Esc closes it."""
    await pilot.resize_terminal(120, 40)
    for _ in range(5):  # pop-ups close on Esc; the command palette, a settings field, the help,
        # and the softmax table's row editor (an Input there takes ? as text)
        if isinstance(app.screen, LabScreen) and not isinstance(app.screen.focused, Input):
            break
        await pilot.press("escape")
        await settle(pilot)
    main = app.screen
    assert isinstance(main, LabScreen), f"Esc did not get back to a scenario's screen from {main!r}"
    await pilot.press("question_mark")
    assert isinstance(app.screen, HelpScreen), "the help key did nothing after the storm"
    await pilot.press("escape")
    assert app.screen is main


@pytest.mark.parametrize("name", SCENARIOS)
async def test_random_keys_and_resizes_never_crash(make_app, name):
    app = make_app(name)
    async with app.run_test(size=(120, 40)) as pilot:
        await storm(app, pilot, random.Random(name), TOTAL_KEYS // len(SCENARIOS) + 1)
        assert app.is_running
        await still_answers(app, pilot)
    # Leaving run_test re-raises anything the app raised meanwhile (the next test proves it),
    # so reaching this line means the storm raised nothing.


async def test_the_monkey_would_see_an_exception(make_app, monkeypatch):
    """The storm above counts on run_test re-raising what the app raised: an app whose next
    step (n, →: two keys in the monkey's 37) fails must fail the same storm."""

    def broken_next(self) -> None:
        raise RuntimeError("the next step is broken")

    monkeypatch.setattr(TrainingScreen, "action_next", broken_next)
    app = make_app("feed-forward")
    with pytest.raises(RuntimeError, match="the next step is broken"):
        async with app.run_test(size=(120, 40)) as pilot:
            await storm(app, pilot, random.Random("feed-forward"), 300)


async def test_esc_on_a_pop_up_that_an_opening_scenario_closes_leaves_the_new_lab(make_app):
    """What the storm found under load: Esc on the picker runs its dismiss a moment later,
    after opening a scenario has already taken the picker away; Textual's dismiss pops
    whatever is on top, so it popped the new lab (then the base screen: the next key met an
    empty screen stack). Only the pop-up on top may dismiss."""
    app = make_app("toy-backprop")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for name in ("xor", "feed-forward", "toy-backprop"):
            await pilot.press("o")
            picker = app.screen
            app.open_scenario_named(name)  # as choosing it in the picker does
            await settle(pilot)  # the new lab is in, the picker gone
            await picker.action_dismiss()  # an Esc the picker got before it went, handled now
            await settle(pilot)
            assert app.screen.scenario.title == load(name).title, name
            assert len(app.screen_stack) == 2
        await pilot.press("n")
        assert app.is_running
