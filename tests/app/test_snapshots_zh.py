"""SVG snapshots of the main screens in Chinese, at 120×40 and 80×24 (issue 11): the widths of
Chinese characters (two cells) in panels, tables, the status and the footer. Update with
--snapshot-update, deliberately, and read each one as a learner would."""

from __future__ import annotations

import pytest

from annlab.app import create_app
from annlab.cli import load
from annlab.language import speaking

SIZES = {"120x40": (120, 40), "80x24": (80, 24)}

SCREENS = {
    "feed_forward_after_the_forward_pass": ("feed-forward", ["n"] * 5),
    "toy_backprop_mid_backward": ("toy-backprop", ["n"] * 7),  # the hidden layer's gradients, before the update
    "help": ("feed-forward", ["question_mark"]),
    "y3x_compare": ("y3x-compare", []),
    "softmax_table": ("softmax-table", []),
}


from tests.app.test_snapshots import _pressing  # noqa: E402  (one way to wait, for both)


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("screen", list(SCREENS))
def test_chinese_screen(snap_compare, screen, size):
    name, keys = SCREENS[screen]
    with speaking("zh"):
        assert snap_compare(create_app(load(name)), terminal_size=SIZES[size], run_before=_pressing(keys))
