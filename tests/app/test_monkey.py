"""A monkey at the keyboard: 5,000 random keys with resizes, across every scenario kind and
every screen (main, picker, help, summary, settings, command palette), must raise nothing."""

from __future__ import annotations

import random

import pytest

from textual import events

from annlab.app import settle

KEYS = (
    "n p right left space plus minus e G r left_square_bracket right_square_bracket d u f c x "
    "o question_mark s l t escape up down tab enter pageup pagedown home end ctrl+p N P 1 a"
).split()
CHARS = {"space": " ", "plus": "+", "minus": "-", "question_mark": "?", "left_square_bracket": "[", "right_square_bracket": "]"}
SIZES = [(120, 40), (80, 24), (200, 60), (60, 20), (59, 19), (40, 12), (100, 30)]
SCENARIOS = ["feed-forward", "toy-backprop", "y3x-compare", "y3x-lr-1", "softmax-table", "activations", "losses", "xor", "sweep"]
TOTAL_KEYS = 5_000
BATCH = 100  # keys between two paints


@pytest.mark.parametrize("name", SCENARIOS)
async def test_random_keys_and_resizes_never_crash(make_app, name):
    rng = random.Random(name)
    app = make_app(name)
    keys = TOTAL_KEYS // len(SCENARIOS) + 1
    async with app.run_test(size=(120, 40)) as pilot:
        pressed = 0
        while pressed < keys:
            # Posted straight to the app, a batch at a time, without waiting for each to be
            # handled: faster than pilot.press, and harsher (keys arrive mid-update, and two
            # Enters can reach a closing pop-up). One pause per batch lets the screen paint.
            for key in (rng.choice(KEYS) for _ in range(BATCH)):
                app.post_message(events.Key(key, CHARS.get(key, key if len(key) == 1 else None)))
                pressed += 1
            await pilot.pause()
            if rng.random() < 0.5:
                await pilot.resize_terminal(*rng.choice(SIZES))
        await settle(pilot)
    # Leaving the context re-raises anything the app raised; reaching here means none.
    assert pressed >= keys
