"""The app as ``annlab serve`` runs it for a learner: the picker and the command palette offer
the class's scenarios only, there is no path box, and nothing outside the list opens."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from textual.widgets import Input, OptionList

from annlab.app import settle
from annlab.app.dialogs import PickerScreen, ScenarioCommands, SummaryScreen
from annlab.errors import ScenarioError
from annlab.serve.catalogue import Catalogue

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def catalogue(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copy(ROOT / "scenarios" / "y3x-lr-0.1.toml", folder / "homework.toml")
    (tmp_path / "secret.toml").write_text((ROOT / "scenarios" / "xor.toml").read_text())
    (folder / "escape.toml").symlink_to(tmp_path / "secret.toml")
    built, _ = Catalogue.build(folder)
    return built


async def test_the_picker_offers_the_class_and_no_path_box(make_app, catalogue, tmp_path):
    app = make_app("feed-forward", catalogue=catalogue)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, PickerScreen)
        assert not picker.query(Input)  # nothing to type a path into
        options = picker.query_one(OptionList)
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert ids == [entry.name for entry in catalogue.entries]
        assert "homework" in ids and "escape" not in ids
        # The picker's own opener refuses whatever is not listed, in one line on the screen.
        for attempt in ("../secret", str(tmp_path / "secret.toml"), "/etc/passwd", "escape"):
            with pytest.raises(ScenarioError, match="is not one of this class's scenarios"):
                app.open_scenario_named(attempt)
        picker._open("../secret")
        await pilot.pause()
        assert "is not one of this class's scenarios" in str(picker.query_one("#picker-error").render())
        # A listed one opens.
        options.highlighted = ids.index("homework")
        await pilot.press("enter")
        await settle(pilot)
        assert app.scenario.title == "y = 3x at learning rate 0.1"
        # The summary names the file, not where it lies on the server.
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        assert str(tmp_path) not in str(app.screen._path) and app.screen._path.name == "homework.toml"


async def test_the_command_palette_lists_the_class(make_app, catalogue):
    app = make_app("feed-forward", catalogue=catalogue)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        provider = ScenarioCommands(app.screen)
        names = [name for _, name, _ in provider._commands()]
        assert names == [entry.name for entry in catalogue.entries]


async def test_outside_serve_the_picker_keeps_its_path_box(make_app):
    app = make_app("feed-forward")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await pilot.pause()
        assert app.screen.query(Input)
