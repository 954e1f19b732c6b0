"""The core never imports the UI or CuPy: checked in a fresh interpreter's sys.modules."""

from __future__ import annotations

import json
import subprocess
import sys

CORE = [
    "annlab.cli",
    "annlab.scenario",
    "annlab.scenario.loader",
    "annlab.scenario.bundled",
    "annlab.training.runner",
    "annlab.training.trainer",
    "annlab.engine.chain",
    "annlab.engine.tables",
    "annlab.trace",
    "annlab.playback",
    "annlab.playback.text",
]


def _modules_after(code: str) -> set[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def _forbidden(modules: set[str]) -> set[str]:
    return {m for m in modules if m.split(".")[0] in {"textual", "textual_plotext", "plotext", "cupy", "rich"}}


def test_core_imports_no_ui_and_no_cupy():
    modules = _modules_after("\n".join(f"import {m}" for m in CORE))
    assert _forbidden(modules) == set()


def test_play_path_imports_no_ui_and_no_cupy(tmp_path):
    code = (
        "import io, contextlib\n"
        "from annlab.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main(['play', 'toy-backprop']) == 0\n"
    )
    assert _forbidden(_modules_after(code)) == set()


def test_the_probe_would_see_a_ui_import():
    """The check above can fail: importing the app does pull Textual in."""
    assert "textual" in {m.split(".")[0] for m in _modules_after("import textual")}
