"""The scenarios that ship with annlab.

They live in ``scenarios/`` at the repository root; a wheel carries them inside the package
as ``annlab/scenarios`` (see pyproject.toml), so both editable and installed copies find them.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

DEFAULT_SCENARIO = "toy-backprop"


def scenarios_dir() -> Path:
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "scenarios", here.parent / "scenarios"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("annlab's bundled scenarios are missing from this installation")


@dataclass(frozen=True)
class BundledScenario:
    name: str  # the file's stem, what `annlab play NAME` accepts
    path: Path
    title: str
    summary: str


def bundled_scenarios() -> list[BundledScenario]:
    found = []
    for path in sorted(scenarios_dir().glob("*.toml")):
        info = tomllib.loads(path.read_text("utf-8")).get("scenario", {})
        found.append(BundledScenario(path.stem, path, info.get("title", path.stem), info.get("summary", "")))
    return found


def resolve(name_or_path: str) -> Path:
    """A path as given, or the bundled scenario of that name (with or without .toml)."""
    path = Path(name_or_path)
    if path.exists() or "/" in name_or_path or "\\" in name_or_path:
        return path
    stem = name_or_path.removesuffix(".toml")
    bundled = scenarios_dir() / f"{stem}.toml"
    return bundled if bundled.exists() else path
