"""The scenarios a learner may open in ``annlab serve``, and nothing else.

A terminal user may open any file they can read; a learner in a browser must not read the
server's files. So in serve mode a scenario is chosen by *name* from a fixed list: the bundled
scenarios, the valid ``*.toml`` files directly inside the folder the teacher named with
``--scenarios``, and the scenario the server was started on. Paths typed by a learner
(``../``, absolute paths, links pointing out of the folder) match no name and open nothing.

The server builds the list once (checking every file of the teacher's) and gives it to each
session's process in one environment variable; the session process checks the scenario it
is started on, and every one it opens later, against that list, and refuses a listed file
that has since become a link to somewhere else. Pure Python: no Textual, no aiohttp.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from annlab.errors import ScenarioError
from annlab.language import _

ENVIRONMENT_VARIABLE = "ANNLAB_SERVE_SCENARIOS"
# Enough for any class; keeps the environment variable far below Linux's 128 KiB per string.
MAX_TEACHER_SCENARIOS = 200


@dataclass(frozen=True)
class Entry:
    name: str  # what the picker and the command palette open it by
    path: Path  # absolute, with every link resolved
    title: str
    summary: str
    origin: str  # "bundled" or "class"


@dataclass(frozen=True)
class Catalogue:
    entries: tuple[Entry, ...]

    # --- the server's side --------------------------------------------------------------

    @classmethod
    def build(cls, teacher_folder: Path | None = None, initial: Path | None = None) -> tuple["Catalogue", list[str]]:
        """The bundled scenarios, the teacher's valid ones and ``initial``; with one line per
        file of the teacher's that was left out, and why."""
        from annlab.scenario.bundled import bundled_scenarios
        from annlab.scenario.loader import load_scenario

        entries = [Entry(b.name, b.path.resolve(), b.title, b.summary, "bundled") for b in bundled_scenarios()]
        names = {entry.name for entry in entries}
        skipped: list[str] = []

        def add(path: Path, scenario) -> None:
            # A teacher's file named like a bundled one (or like another of theirs) keeps its
            # stem behind "class:" and, if need be, a number.
            name, number = path.stem, 1
            while name in names:
                number += 1
                name = f"class:{path.stem}" if number == 2 else f"class:{path.stem}-{number - 1}"
            names.add(name)
            entries.append(Entry(name, path, scenario.title, scenario.summary, "class"))

        if teacher_folder is not None:
            folder = teacher_folder.resolve()
            for candidate in sorted(teacher_folder.glob("*.toml")):
                real = candidate.resolve()
                if not real.is_relative_to(folder):
                    skipped.append(_("{file}: a link to {target}, outside {folder}; left out").format(file=candidate, target=real, folder=teacher_folder))
                    continue
                if sum(entry.origin == "class" for entry in entries) >= MAX_TEACHER_SCENARIOS:
                    skipped.append(_("{folder}: more than {count} scenarios; the rest are left out").format(folder=teacher_folder, count=MAX_TEACHER_SCENARIOS))
                    break
                try:
                    add(real, load_scenario(real))
                except ScenarioError as exc:
                    skipped.append(_("{problem}; left out").format(problem=exc))
        if initial is not None:
            real = initial.resolve()
            if not any(entry.path == real for entry in entries):
                add(real, load_scenario(real))
        return cls(tuple(entries)), skipped

    def to_environment(self) -> str:
        return json.dumps([[e.name, str(e.path), e.title, e.summary, e.origin] for e in self.entries])

    # --- the session's side -------------------------------------------------------------

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> "Catalogue | None":
        """The list the server gave this process, or None outside ``annlab serve``."""
        text = environ.get(ENVIRONMENT_VARIABLE)
        if text is None:
            return None
        try:
            rows = json.loads(text)
            entries = tuple(Entry(name, Path(path), title, summary, origin) for name, path, title, summary, origin in rows)
        except (ValueError, TypeError):
            raise ScenarioError(ENVIRONMENT_VARIABLE, _("is not the list annlab serve writes; start sessions with annlab serve")) from None
        if not all(entry.path.is_absolute() for entry in entries):
            raise ScenarioError(ENVIRONMENT_VARIABLE, _("lists a relative path; start sessions with annlab serve"))
        return cls(entries)

    def find(self, name_or_path: str) -> Entry:
        """The entry with this name, or with exactly this (resolved) path; else ScenarioError.

        Only the names the picker shows and the exact files the server listed are accepted:
        a learner's ``../secret.toml`` or ``/etc/passwd`` matches neither."""
        for entry in self.entries:
            if name_or_path == entry.name or name_or_path == str(entry.path):
                return entry
        raise ScenarioError(name_or_path, _("is not one of this class's scenarios; press o to choose one from the list"))

    def open(self, name_or_path: str) -> Path:
        """The path to load for a listed scenario, checked again now: a file replaced by a link
        since the server listed it is refused."""
        entry = self.find(name_or_path)
        if Path(os.path.realpath(entry.path)) != entry.path or not entry.path.is_file():
            raise ScenarioError(entry.name, _("has changed on the server since the class started (moved, or replaced by a link); ask your teacher"))
        return entry.path

