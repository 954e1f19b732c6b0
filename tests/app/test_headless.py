"""`annlab SCENARIO --headless ... --screenshot OUT.svg` as a user runs it."""

from __future__ import annotations

import subprocess
import sys


def annlab(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "annlab", *args], capture_output=True, text=True, timeout=120, cwd=cwd)


def test_headless_screenshot_is_written_once_and_never_overwritten_unasked(tmp_path):
    out = tmp_path / "ff.svg"
    done = annlab("feed-forward", "--headless", "--size", "100x30", "--keys", "n n ?", "--screenshot", str(out))
    assert done.returncode == 0, done.stderr
    svg = out.read_text()
    text = svg.replace("&#160;", " ")  # the SVG writes spaces as no-break spaces
    assert svg.startswith("<svg") and "Feed-forward" in text and "keys and what the panels mean" in text
    again = annlab("feed-forward", "--headless", "--screenshot", str(out))
    assert again.returncode == 2
    assert again.stderr.strip() == f"annlab: {out} exists; pass --force to overwrite it"
    assert out.read_text() == svg
    forced = annlab("softmax-table", "--headless", "--screenshot", str(out), "--force")
    assert forced.returncode == 0 and "Softmax" in out.read_text().replace("&#160;", " ")


def test_headless_unwritable_path_and_bad_file_are_one_line_exit_2(tmp_path):
    done = annlab("feed-forward", "--headless", "--screenshot", str(tmp_path / "missing" / "x.svg"))
    assert done.returncode == 2
    assert done.stderr.startswith("annlab: cannot write") and "Traceback" not in done.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text("[scenario\n")
    done = annlab(str(bad), "--headless")
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1 and str(bad) in done.stderr
    done = annlab("feed-forward", "--headless", "--theme", "no-such-theme")
    assert done.returncode == 2 and "unknown theme" in done.stderr
