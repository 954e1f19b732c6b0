"""annlab's packages import in one direction only, from the views down to the maths:

    cli → serve → app → quiz → playback → analysis → training → scenario → engine → trace, files → messages, errors

Every import counts, at the top of a module or inside a function (a lazy import is still a
dependency). A package may import its own modules and anything below it, never above; so there
is no cycle between packages. The third-party rule (no Textual, plotext, rich or CuPy in the
core) is tests/test_imports.py's.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "annlab"

# Lower number: lower layer. A module may import a layer with a number ≤ its own.
LAYERS = {
    "annlab.messages": 0,
    "annlab.errors": 0,
    "annlab.language": 0,
    "annlab.files": 1,
    "annlab.argparse_words": 1,  # argparse's words in the interface language (the CLI, serve)
    "annlab": 0,  # the package's own __init__ (its version)
    "annlab.trace": 1,
    "annlab.engine": 2,
    "annlab.scenario": 3,
    "annlab.training": 4,
    "annlab.analysis": 5,
    "annlab.playback": 6,
    "annlab.quiz": 7,
    "annlab.app": 8,
    "annlab.serve": 9,
    "annlab.cli": 10,
    "annlab.__main__": 11,
}


def layer_of(module: str) -> str:
    parts = module.split(".")
    for n in (2, 1):
        name = ".".join(parts[:n])
        if name in LAYERS:
            return name
    raise AssertionError(f"{module} is in no layer: add it to LAYERS")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text("utf-8"))
    found = []
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("annlab")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            if name.startswith("annlab"):
                # "from annlab.engine import backend" imports annlab.engine.backend.
                found += [(node.lineno, f"{name}.{a.name}") for a in node.names]
    return found


def upward_imports() -> list[str]:
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        here = module_name(path)
        mine = layer_of(here)
        for line, target in imports_of(path):
            theirs = layer_of(target)
            if theirs != mine and LAYERS[theirs] >= LAYERS[mine]:
                wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {mine} imports {target} ({theirs} is not below it)")
    return wrong


def test_packages_import_downward_only():
    assert upward_imports() == []


def test_every_module_has_a_layer():
    for path in PACKAGE.rglob("*.py"):
        layer_of(module_name(path))


def test_the_check_would_see_an_upward_import(tmp_path, monkeypatch):
    """The scan is real: an engine module importing the scenario loader is reported."""
    fake = tmp_path / "annlab"
    (fake / "engine").mkdir(parents=True)
    (fake / "engine" / "bad.py").write_text("def f():\n    from annlab.scenario.loader import load_scenario\n")
    monkeypatch.setattr(__import__(__name__), "PACKAGE", fake)
    assert upward_imports() == ["annlab/engine/bad.py:2: annlab.engine imports annlab.scenario.loader.load_scenario (annlab.scenario is not below it)"]
