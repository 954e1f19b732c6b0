"""The annlab terminal app (Textual). Only this package imports Textual and plotext.

``annlab.cli`` loads and validates the scenario, then calls ``run_app``; tests build the same
app with ``create_app``.
"""

from __future__ import annotations

import sys
from argparse import Namespace
from pathlib import Path
from typing import TYPE_CHECKING

from annlab.language import _
from annlab.scenario.model import Scenario

if TYPE_CHECKING:
    from annlab.app.main import AnnlabApp

EXIT_OK, EXIT_USAGE = 0, 2

# What a user may type in --keys for keys whose Textual name is a word.
KEY_NAMES = {
    "?": "question_mark", "+": "plus", "-": "minus", "=": "equals_sign", "[": "left_square_bracket",
    "]": "right_square_bracket", " ": "space", "→": "right", "←": "left", "↑": "up", "↓": "down",
    "esc": "escape", "return": "enter", ",": "comma", ".": "full_stop", "/": "slash",
}


def create_app(scenario: Scenario, backend_name: str = "auto", theme: str | None = None, catalogue=None) -> "AnnlabApp":
    """``catalogue``: under ``annlab serve``, the only scenarios the app may open (an
    ``annlab.serve.catalogue.Catalogue``; not imported here: serve is the layer above)."""
    from annlab.app.main import AnnlabApp

    return AnnlabApp(scenario, backend_name=backend_name, theme=theme, catalogue=catalogue)


def key_names(keys: str) -> list[str]:
    """``"n n e ? G"`` → Textual key names, one per space-separated token."""
    return [KEY_NAMES.get(token, KEY_NAMES.get(token.lower(), token)) for token in keys.split()]


def _fail(message: str) -> int:
    print(f"annlab: {message}", file=sys.stderr)
    return EXIT_USAGE


def run_app(scenario: Scenario, args: Namespace) -> int:
    from annlab.errors import BackendError

    if not getattr(args, "headless", False):
        if getattr(args, "screenshot", None) is not None or getattr(args, "keys", ""):
            return _fail(_("--keys and --screenshot work with --headless"))
    screenshot = getattr(args, "screenshot", None)
    if screenshot is not None and Path(screenshot).exists() and not getattr(args, "force", False):
        return _fail(_("{path} exists; pass --force to overwrite it").format(path=screenshot))
    try:
        app = create_app(scenario, backend_name=getattr(args, "backend", "auto") or "auto", catalogue=getattr(args, "catalogue", None))
    except BackendError as exc:
        return _fail(str(exc))
    theme = getattr(args, "theme", None)
    if theme:
        if theme not in app.available_themes:
            return _fail(_("unknown theme {theme}; expected one of: {themes}").format(theme=repr(theme), themes=", ".join(sorted(app.available_themes))))
        app.theme = theme
    if not args.headless:
        app.run()
        return app.return_code or EXIT_OK
    return run_headless(app, tuple(args.size), key_names(args.keys or ""), screenshot, bool(getattr(args, "force", False)))


def run_headless(app: "AnnlabApp", size: tuple[int, int], keys: list[str], screenshot: Path | None, force: bool) -> int:
    """Press the keys without a terminal, wait for training to finish, save an SVG."""
    from annlab.errors import ExportError
    from annlab.files import write_atomically

    async def pilot_keys(pilot) -> None:
        for key in keys:
            await pilot.press(key)
        await settle(pilot)
        app.exit(app.export_screenshot(title=app.scenario.title))

    svg = app.run(headless=True, size=size, auto_pilot=pilot_keys)
    if app._exception is not None:  # Textual has printed the traceback: a bug, not a usage error
        return 1
    if app.return_code not in (0, None):
        return app.return_code
    if screenshot is not None:
        if not isinstance(svg, str):
            return _fail(_("the app ended before the screenshot was taken (a key quit it?)"))
        try:
            write_atomically(Path(screenshot), svg.encode("utf-8"), force=force)
        except ExportError as exc:
            return _fail(str(exc))
        print(_("wrote {path}").format(path=screenshot), file=sys.stderr)
    return EXIT_OK


async def settle(pilot) -> None:
    """Wait until training workers are done and their messages applied."""
    for _round in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
