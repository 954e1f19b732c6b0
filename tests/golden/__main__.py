"""``python -m tests.golden``: rewrite every golden output of ``annlab play`` from today's code.

Run it from the repository root after a deliberate change, then read ``git diff tests/golden``
as the review of that change: every changed word, line and number shows there.
"""

from __future__ import annotations

import sys

from tests.golden import FORMATS, PLAY, TRANSLATED, all_golden_names, golden_files, play, scenario_names, translated_file


def regenerate() -> int:
    PLAY.mkdir(parents=True, exist_ok=True)
    written = set()
    for name in scenario_names():
        for output_format in FORMATS:
            for file_name, content in golden_files(name, output_format, play(name, output_format)).items():
                (PLAY / file_name).write_bytes(content)
                written.add(PLAY / file_name)
        for lang in TRANSLATED:
            path = translated_file(name, lang)
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(play(name, "text", lang))
            written.add(path)
    folders = [PLAY] + [PLAY / lang for lang in TRANSLATED]
    stale = [path for folder in folders for path in folder.iterdir() if path.is_file() and path not in written]
    for path in stale:  # a renamed or removed scenario, or a JSON that crossed the size limit
        path.unlink()
    print(f"wrote {len(written)} files to {PLAY}" + (f"; removed {len(stale)} stale" if stale else ""), file=sys.stderr)
    assert {path.name for path in written if path.parent == PLAY} <= all_golden_names()
    return 0


if __name__ == "__main__":
    raise SystemExit(regenerate())
