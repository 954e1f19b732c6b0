"""A real Chromium (Debian's, driven by Playwright's Python driver) against a real
``annlab serve``: one browser and one server per module, one tab (one session) per test.

Without Chromium or Playwright these tests skip, except in CI (``CI=true``), where a missing
browser is a failure: ``.ci/run`` installs it, and a skipped browser test is not a pass.
"""

from __future__ import annotations

import os
import shutil
from urllib.parse import urlsplit

import pytest

from tests.serving import ServedLab

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser")
# Playwright's own launch arguments for a headless Chromium that phones nowhere.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
    "--disable-default-apps", "--disable-domain-reliability", "--metrics-recording-only",
]
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}

# textual.js (textual-serve 1.1.3) keeps its xterm.js Terminal in a local variable; the tests
# reach it by adding one assignment where the page creates it, so that they can read the
# screen from the terminal's buffer (xterm.js draws on a canvas: the DOM has no text).
TERMINAL_CREATED = "const t=new w(e,{ping:r});"
EXPOSE_TERMINAL = TERMINAL_CREATED + "window.annlabTerminal=t.terminal;"

# Runs in the page before any of its scripts: remembers what the page's Content-Security-Policy
# stopped, so that a request the browser refused to send still counts as attempted.
RECORD_CSP_VIOLATIONS = """
window.annlabBlocked = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.annlabBlocked.push(event.blockedURI || event.violatedDirective);
});
"""

READ_SCREEN = """() => {
  const terminal = window.annlabTerminal;
  const buffer = terminal.buffer.active;
  const lines = [];
  for (let row = 0; row < terminal.rows; row++) {
    const line = buffer.getLine(buffer.viewportY + row);
    lines.push(line ? line.translateToString(true, 0, terminal.cols) : "");
  }
  return lines.join("\\n");
}"""


def _chromium() -> str | None:
    for candidate in CHROMIUM_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    return None


@pytest.fixture(scope="session")
def chromium_path() -> str:
    in_ci = os.environ.get("CI", "").lower() == "true"
    path = _chromium()
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        path, why = None, "Playwright is not installed (pip install -e '.[test]')"
    else:
        why = "Chromium is not installed (apt-get install chromium fonts-dejavu-core fonts-liberation)"
    if path is None:
        if in_ci:
            pytest.fail(f"browser tests need a browser in CI: {why}")
        pytest.skip(why)
    return path


@pytest.fixture(scope="module")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    with ServedLab("feed-forward", log_path=tmp_path_factory.mktemp("serve") / "serve.log") as served:
        yield served


class Tab:
    """One browser tab on the lab: its page, the requests it tried to send off this machine,
    and its terminal's screen read from xterm.js's buffer."""

    def __init__(self, browser, url: str, width: int = 1280, height: int = 800):
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.page = self.context.new_page()
        self.off_machine: list[str] = []
        self.page.add_init_script(RECORD_CSP_VIOLATIONS)
        self.page.route("**/*", self._route)
        self.page.goto(url)

    def _route(self, route) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob"):
            route.continue_()
        elif parts.hostname not in LOOPBACK_HOSTS:
            self.off_machine.append(url)
            route.abort()
        elif parts.path.endswith("/static/js/textual.js"):
            response = route.fetch()
            body = response.text()
            assert body.count(TERMINAL_CREATED) == 1, "textual.js is not textual-serve 1.1.3's"
            route.fulfill(response=response, body=body.replace(TERMINAL_CREATED, EXPOSE_TERMINAL))
        else:
            route.continue_()

    def blocked(self) -> list[str]:
        """Everything the page tried to load from off this machine, sent or stopped by CSP."""
        return self.off_machine + self.page.evaluate("() => window.annlabBlocked")

    def screen(self) -> str:
        return self.page.evaluate(READ_SCREEN)

    def wait_for_text(self, *texts: str, timeout_ms: float = 60_000) -> str:
        self.page.wait_for_function(
            """(texts) => {
                const terminal = window.annlabTerminal;
                if (!terminal) return false;
                const buffer = terminal.buffer.active;
                let screen = "";
                for (let row = 0; row < terminal.rows; row++) {
                    const line = buffer.getLine(buffer.viewportY + row);
                    screen += (line ? line.translateToString(true, 0, terminal.cols) : "") + "\\n";
                }
                return texts.every((text) => screen.includes(text));
            }""",
            arg=list(texts), timeout=timeout_ms,
        )
        return self.screen()

    def wait_for_first_frame(self) -> str:
        # The title bar and the key bar: the whole first screen has been drawn.
        return self.wait_for_text("Feed-forward walk-through", "q quit")

    def focus(self) -> None:
        self.page.focus(".xterm-helper-textarea")

    def size(self) -> tuple[int, int]:
        return tuple(self.page.evaluate("() => [window.annlabTerminal.cols, window.annlabTerminal.rows]"))

    def click_cell(self, column: int, row: int) -> None:
        box = self.page.locator(".xterm-screen").bounding_box()
        columns, rows = self.size()
        width, height = box["width"] / columns, box["height"] / rows
        self.page.mouse.click(box["x"] + (column + 0.5) * width, box["y"] + (row + 0.5) * height)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def open_tab(browser):
    tabs: list[Tab] = []

    def open_one(url: str, **size) -> Tab:
        tab = Tab(browser, url, **size)
        tabs.append(tab)
        return tab

    yield open_one
    for tab in tabs:
        tab.close()

