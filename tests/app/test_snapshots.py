"""SVG snapshots of every screen at the three sizes a learner meets: 80×24 (most terminals'
default), 120×40 and 200×60. Update deliberately, with --snapshot-update, and read the
changed ones (tests/app/svg_text.py prints a snapshot as text).

What the layout promises at each size is asserted on the live screen in test_layout.py; these
catch every other change of what a learner sees.
"""

from __future__ import annotations

import pytest

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


async def _settled(pilot) -> None:
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("screen", SCREENS)
def test_screen(snap_compare, screen, size):
    name, keys = SCREENS[screen]
    assert snap_compare(app_for(name), terminal_size=SIZES[size], run_before=_settled, press=keys)
