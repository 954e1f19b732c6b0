"""SVG snapshots of every screen at the three sizes a learner meets: 80×24 (most terminals'
default), 120×40 and 200×60. Update deliberately, with --snapshot-update, and read the
changed ones (tests/app/svg_text.py prints a snapshot as text).

What the layout promises at each size is asserted on the live screen in test_layout.py; these
catch every other change of what a learner sees.
"""

from __future__ import annotations

import pytest
from textual.widgets import Input

from annlab.app import create_app, settle
from annlab.cli import load

SIZES = {"80x24": (80, 24), "120x40": (120, 40), "200x60": (200, 60)}

# (scenario, keys): each screen of the lab, at a moment that shows what it is for.
SCREENS = {
    "feed_forward_after_the_forward_pass": ("feed-forward", ["n"] * 5),
    # The backward step for layer 1: the "lesson off screen" at 80×24.
    "feed_forward_after_the_backward_pass": ("feed-forward", ["n"] * 7),
    "toy_backprop_update": ("toy-backprop", ["n"] * 8),
    "y3x_compare_at_the_end": ("y3x-compare", ["G"]),
    "y3x_sweep": ("y3x-sweep", ["G"]),
    "xor_at_the_end": ("xor", ["G"]),
    "softmax_table": ("softmax-table", ["down"]),
    "activation_gallery": ("activations", ["right"] * 5),
    "loss_gallery": ("losses", []),
    "help": ("feed-forward", ["question_mark"]),
    "settings": ("feed-forward", ["l"]),
}


def app_for(name: str):
    return create_app(load(name))


def _pressing(keys: list[str]):
    """Wait for training, press the keys, and wait again until everything they started has
    finished (a pop-up's widgets, a re-drawn chart), so that a loaded machine (CI's two cores)
    takes the same picture as an idle one."""

    async def run_before(pilot) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
        await settle(pilot)
        # A text box's cursor blinks on a timer: shown or not would depend on the machine's
        # speed. Steady, it is always drawn.
        for box in pilot.app.screen.query(Input).results(Input):
            box.cursor_blink = False
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("screen", SCREENS)
def test_screen(snap_compare, screen, size):
    name, keys = SCREENS[screen]
    assert snap_compare(app_for(name), terminal_size=SIZES[size], run_before=_pressing(keys))
