"""The scenarios that ship with annlab.

They live in ``scenarios/`` at the repository root; a wheel carries them inside the package
as ``annlab/scenarios`` (see pyproject.toml), so both editable and installed copies find them.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from annlab import language
from annlab.scenario.model import ScenarioText, text_in

DEFAULT_SCENARIO = "toy-backprop"


def scenarios_dir() -> Path:
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "scenarios", here.parent / "scenarios"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(language._("annlab's bundled scenarios are missing from this installation"))


@dataclass(frozen=True)
class BundledScenario:
    name: str  # the file's stem, what `annlab play NAME` accepts
    path: Path
    text: ScenarioText  # [scenario]'s own title and summary
    texts: Mapping[str, ScenarioText] = field(default_factory=dict)  # [scenario.zh] …

    @property
    def title(self) -> str:
        """The title in the interface language, as the loaded scenario shows it."""
        return text_in(self.text, self.texts, language.current()).title

    @property
    def summary(self) -> str:
        return text_in(self.text, self.texts, language.current()).summary or ""


def bundled_scenarios() -> list[BundledScenario]:
    found = []
    for path in sorted(scenarios_dir().glob("*.toml")):
        info = tomllib.loads(path.read_text("utf-8")).get("scenario", {})
        own = ScenarioText(info.get("title", path.stem), info.get("summary", ""))
        texts = {lang: ScenarioText(info[lang]["title"], info[lang].get("summary"))
                 for lang in language.LANGUAGES if isinstance(info.get(lang), dict) and "title" in info[lang]}
        found.append(BundledScenario(path.stem, path, own, texts))
    return found


def resolve(name_or_path: str) -> Path:
    """A path as given, or the bundled scenario of that name (with or without .toml)."""
    path = Path(name_or_path)
    if path.exists() or "/" in name_or_path or "\\" in name_or_path:
        return path
    stem = name_or_path.removesuffix(".toml")
    bundled = scenarios_dir() / f"{stem}.toml"
    return bundled if bundled.exists() else path
