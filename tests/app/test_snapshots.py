"""SVG snapshots of the main screens at 120×40 (update with --snapshot-update, deliberately)."""

from __future__ import annotations

from annlab.app import create_app, settle
from annlab.cli import load

SIZE = (120, 40)


def app_for(name: str):
    return create_app(load(name))


async def _settled(pilot) -> None:
    await settle(pilot)


def test_feed_forward_after_the_forward_pass(snap_compare):
    assert snap_compare(app_for("feed-forward"), terminal_size=SIZE, run_before=_settled, press=["n"] * 5)


def test_feed_forward_after_the_backward_pass(snap_compare):
    assert snap_compare(app_for("feed-forward"), terminal_size=SIZE, run_before=_settled, press=["n"] * 7)


def test_activation_gallery(snap_compare):
    assert snap_compare(app_for("activations"), terminal_size=SIZE, run_before=_settled, press=["right"] * 5)


def test_help(snap_compare):
    assert snap_compare(app_for("feed-forward"), terminal_size=SIZE, run_before=_settled, press=["question_mark"])
