"""The translation workflow, in one command: ``python -m tests.catalogue``.

1. extract every ``_()``, ``ngettext()``, ``pgettext()`` and ``N_()`` message from ``annlab/``
   into ``annlab/locale/annlab.pot`` (Babel, configured in pyproject's ``[tool.babel]``);
2. update ``annlab/locale/zh/LC_MESSAGES/annlab.po`` from it: new messages arrive empty,
   changed ones are marked fuzzy, translations of unchanged ones are kept;
3. compile the ``.po`` into the ``.mo`` that ships in the wheel.

Translate the empty and fuzzy entries of the ``.po`` between steps 2 and 3 (run the command
again afterwards to compile). ``tests/test_catalogue.py`` fails while any message is missing,
empty, fuzzy, has other placeholders than its English, or while the ``.mo`` is stale.

Locations are kept by file only (no line numbers), and entries are sorted by file: an edit
elsewhere in a module does not churn the catalogue, and each module's messages stay together.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "annlab" / "locale"
TEMPLATE = LOCALE / "annlab.pot"
TRANSLATED = ("zh",)


def po_file(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / "annlab.po"


def mo_file(lang: str) -> Path:
    return po_file(lang).with_suffix(".mo")


def _pybabel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], cwd=ROOT, check=True)


def extract(output: Path = TEMPLATE) -> None:
    _pybabel(
        "extract", "-F", "pyproject.toml", "--add-location=file", "--sort-by-file",
        "--no-wrap", "--project", "annlab", "--copyright-holder", "the annlab authors",
        # From the repository root: pyproject's mapping pattern (annlab/**.py) is relative to
        # the directory searched, so searching annlab/ itself would match nothing.
        "-o", str(output), ".",
    )


def main() -> int:
    extract()
    for lang in TRANSLATED:
        po = po_file(lang)
        if po.exists():
            _pybabel("update", "-i", str(TEMPLATE), "-o", str(po), "-l", lang, "--no-wrap", "--ignore-obsolete")
        else:
            po.parent.mkdir(parents=True, exist_ok=True)
            _pybabel("init", "-i", str(TEMPLATE), "-o", str(po), "-l", lang, "--no-wrap")
        _pybabel("compile", "-i", str(po), "-o", str(mo_file(lang)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
