"""The one error a learner sees: a single line naming the file, the line, the key, what was
found and what was expected. The CLI prints it and exits 2; nothing else reaches the user."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ScenarioError(Exception):
    """A scenario file (or a command-line override) that annlab refuses, and why."""

    file: str
    message: str
    key: str | None = None
    line: int | None = None
    column: int | None = None  # TOML syntax errors only: FILE:LINE:COL, as compilers write it

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        if self.key:
            return f"{where}: {self.key}: {self.message}"
        return f"{where}: {self.message}"


class BackendError(Exception):
    """A backend the user asked for by name cannot run here (e.g. ``--backend cupy`` without a GPU)."""


class ExportError(Exception):
    """A file annlab was asked to write could not be written, or would overwrite without --force."""
