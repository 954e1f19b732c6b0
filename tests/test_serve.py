"""``annlab serve`` without a browser: the command's refusals, the class's catalogue (what a
learner may open), no shell, the session log, the class size limit and the lifecycle, with
real servers in their own process groups and websocket clients speaking textual-serve's
protocol. The browser tests are in tests/browser/."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from annlab.errors import ScenarioError
from annlab.serve.catalogue import ENVIRONMENT_VARIABLE, Catalogue
from annlab.serve.command import is_loopback
from tests.serving import SHUTDOWN_DEADLINE_S, Learner, ServedLab, group_members, wait_until

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
FEED_FORWARD_TITLE = "Feed-forward walk-through"
# Names a shell would run: each creates the sentinel file if it is put into a command line, as
# it is or inside the quotes that would hold it there (the second item), and run by /bin/sh.
HOSTILE_QUOTED = [
    ("x; touch {s}; y", "{}"), ("$(touch {s})", "{}"), ("`touch {s}`", "{}"),
    ("'; touch {s}; '", "'{}'"), ('"; touch {s}; "', '"{}"'),
]
HOSTILE = [name for name, _ in HOSTILE_QUOTED]


def annlab(*args: str, env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "annlab", *args], capture_output=True, text=True, timeout=timeout,
                          env=env, stdin=subprocess.DEVNULL)


@pytest.fixture
def teacher(tmp_path):
    """A teacher's folder: a good scenario, a broken one, and a link pointing out of the folder
    at a valid scenario (which a learner must not reach through it)."""
    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copy(SCENARIOS / "feed-forward.toml", folder / "lesson-one.toml")
    (folder / "broken.toml").write_text("[scenario]\ntitle = 'broken'\nkind = 'nonsense'\n")
    outside = tmp_path / "private"
    outside.mkdir()
    shutil.copy(SCENARIOS / "xor.toml", outside / "secret.toml")
    (folder / "escape.toml").symlink_to(outside / "secret.toml")
    (folder / "notes.txt").write_text("not a scenario")
    return folder


# --- the catalogue: what a learner may open ----------------------------------------------


def test_catalogue_lists_bundled_and_the_teachers_valid_files_only(teacher):
    catalogue, skipped = Catalogue.build(teacher)
    names = [entry.name for entry in catalogue.entries]
    bundled = [path.stem for path in sorted(SCENARIOS.glob("*.toml"))]  # by file name, as listed
    assert names == bundled + ["lesson-one"]
    assert all(entry.path.is_absolute() and entry.path == entry.path.resolve() for entry in catalogue.entries)
    assert len(skipped) == 2
    assert any("broken.toml" in line and "kind" in line for line in skipped)
    assert any("escape.toml" in line and "outside" in line for line in skipped)


@pytest.mark.parametrize("attempt", [
    "../private/secret",  # relative, out of the folder
    "../private/secret.toml",
    "{outside}",  # absolute path to a valid scenario outside the folder
    "/etc/passwd",
    "escape",  # the link pointing out of the folder
    "{folder}/escape.toml",
    "{folder}/../private/secret.toml",
    "broken",  # in the folder, but refused when the class started
    "lesson-one/../../private/secret",
    "x; touch sentinel",
])
def test_catalogue_refuses_everything_not_listed(teacher, attempt):
    catalogue, _ = Catalogue.build(teacher)
    name = attempt.format(outside=teacher.parent / "private" / "secret.toml", folder=teacher)
    with pytest.raises(ScenarioError, match="is not one of this class's scenarios"):
        catalogue.open(name)


def test_catalogue_opens_listed_names_and_refuses_a_file_swapped_for_a_link(teacher):
    catalogue, _ = Catalogue.build(teacher)
    assert catalogue.open("lesson-one") == (teacher / "lesson-one.toml").resolve()
    assert catalogue.open("xor") == (SCENARIOS / "xor.toml").resolve()
    # After the class started, the teacher's file is replaced by a link out of the folder.
    (teacher / "lesson-one.toml").unlink()
    (teacher / "lesson-one.toml").symlink_to(teacher.parent / "private" / "secret.toml")
    with pytest.raises(ScenarioError, match="has changed on the server"):
        catalogue.open("lesson-one")


def test_catalogue_survives_the_trip_through_the_environment(teacher):
    catalogue, _ = Catalogue.build(teacher, SCENARIOS / "xor.toml")
    again = Catalogue.from_environment({ENVIRONMENT_VARIABLE: catalogue.to_environment()})
    assert again == catalogue
    assert Catalogue.from_environment({}) is None
    with pytest.raises(ScenarioError):
        Catalogue.from_environment({ENVIRONMENT_VARIABLE: "not json"})
    with pytest.raises(ScenarioError, match="relative"):
        Catalogue.from_environment({ENVIRONMENT_VARIABLE: '[["a", "a.toml", "t", "s", "class"]]'})


def test_a_session_process_checks_its_own_scenario_against_the_catalogue(teacher):
    """Never trust what reached the server: the app process refuses a path outside the list,
    whatever started it, before any Textual code runs."""
    catalogue, _ = Catalogue.build(teacher)
    env = os.environ | {ENVIRONMENT_VARIABLE: catalogue.to_environment()}
    env.pop("ANNLAB_SERVE_PARENT", None)
    for attempt in ("/etc/passwd", str(teacher / "escape.toml"), "../private/secret.toml"):
        result = annlab(attempt, env=env)
        assert result.returncode == 2, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "is not one of this class's scenarios" in lines[0], result.stderr
        assert "Traceback" not in result.stderr


# --- the command's refusals -------------------------------------------------------------


def test_serve_refuses_a_bad_scenario_in_one_line_before_starting(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[scenario]\ntitle = 'x'\nkind = 'training'\n[data]\ninputs = [[1]]\n")
    for args in (["no-such-scenario"], [str(bad)], ["feed-forward", "--scenarios", str(tmp_path / "missing")],
                 ["feed-forward", "--scenarios", str(bad)]):
        result = annlab("serve", *args, "--port", "0")
        assert result.returncode == 2, (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert "Traceback" not in result.stderr and "serving" not in result.stderr
    assert "missing" in annlab("serve", "--scenarios", str(tmp_path / "missing"), "--port", "0").stderr


def test_serve_never_passes_a_name_to_a_shell(tmp_path):
    sentinel = tmp_path / "sentinel"
    for name in HOSTILE:
        result = annlab("serve", name.format(s=sentinel), "--port", "0", "--scenarios", str(tmp_path))
        assert result.returncode == 2 and "no such file" in result.stderr, result.stderr
    assert not sentinel.exists()


def test_a_port_in_use_and_an_address_not_here_are_one_line_each():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = annlab("serve", "feed-forward", "--port", str(port))
    assert result.returncode == 2
    assert result.stderr.strip() == f"annlab serve: port {port} on 127.0.0.1 is in use; choose another with --port"
    # 192.0.2.1 is reserved for documentation: no machine has it, so nothing is ever opened.
    result = annlab("serve", "feed-forward", "--host", "192.0.2.1", "--port", "8000")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert "warning: listening on 192.0.2.1: anyone who can reach port 8000 can use the lab" in lines[0]
    assert lines[1] == "annlab serve: cannot listen on 192.0.2.1: not an address of this machine"


def test_loopback_addresses_are_told_apart():
    assert all(map(is_loopback, ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"]))
    assert not any(map(is_loopback, ["0.0.0.0", "::", "192.168.1.10", "example.org", ""]))


# --- a running class --------------------------------------------------------------------


def _session_lines(log: str) -> list[str]:
    return [line for line in log.splitlines() if " session " in line and "started" in line]


def test_a_class_of_two_sessions_the_full_class_page_and_a_clean_sigterm(tmp_path):
    async def scenario(lab: ServedLab) -> None:
        first = await Learner.connect(lab.ws_url)
        second = await Learner.connect(lab.ws_url, columns=80, rows=24)
        assert await first.wait_for(FEED_FORWARD_TITLE), screen_of(first)
        assert await second.wait_for(FEED_FORWARD_TITLE)
        apps = lab.app_pids()
        assert len(apps) == 2
        # Independent sessions: keys in one tab move only that tab's app.
        before = len(second.received)
        await first.press("n")
        assert await first.wait_for("pre-activations")
        await asyncio.sleep(0.5)
        assert len(second.received) == before
        # A third learner: the page says the class is full, and so does a websocket opened anyway.
        async with aiohttp.ClientSession() as http:
            async with http.get(lab.url) as response:
                page = await response.text()
                assert response.status == 503
                assert "The class is full" in page and "2 learners" in page
        third = await Learner.connect(lab.ws_url)
        assert await third.wait_for("The class is full")
        assert await third.wait_closed(5)
        await third.close()
        assert len(lab.app_pids()) == 2
        assert "turned away: the class is full" in lab.log()
        # A closed tab ends its app, and its session's one line is logged.
        await first.close()
        assert await asyncio.to_thread(wait_until, lambda: len(lab.app_pids()) == 1, SHUTDOWN_DEADLINE_S)
        assert set(lab.app_pids()) < set(apps)
        assert wait_until(lambda: len(_session_lines(lab.log())) == 1, SHUTDOWN_DEADLINE_S)
        async with aiohttp.ClientSession() as http:
            async with http.get(lab.url) as response:
                assert response.status == 200  # a seat is free again
        # SIGTERM: the last session is ended, its tab told, the server gone, nothing left.
        seconds = await asyncio.to_thread(lab.stop, signal.SIGTERM)
        assert seconds < SHUTDOWN_DEADLINE_S, lab.log()
        assert await second.wait_closed(1)
        await second.close()

    with ServedLab("feed-forward", "--max-sessions", "2", log_path=tmp_path / "serve.log") as lab:
        asyncio.run(scenario(lab))
        assert lab.process.returncode == 0
        assert group_members(lab.pgid) == []
        log = lab.log()
    lines = _session_lines(log)
    assert len(lines) == 2, log
    for number, line in zip((1, 2), lines):
        # "HH:MM:SS session N: started HH:MM:SS, ended HH:MM:SS, 3.2 s, pid P; K of 2 open"
        assert f"session {number}: started " in line and ", ended " in line and " s, pid " in line, line
    assert log.strip().endswith("stopped")


def screen_of(learner: Learner) -> str:
    from tests.serving import screen_text

    return screen_text(bytes(learner.received))[-2000:]


@pytest.mark.parametrize("how", ["SIGINT", "SIGKILL"])
def test_sigint_ends_everything_and_sigkill_leaves_no_orphan(tmp_path, how):
    """SIGINT is Ctrl+C. SIGKILL cannot be caught: the sessions' apps end by themselves, because
    each watches for its server's death."""

    async def scenario(lab: ServedLab) -> None:
        learner = await Learner.connect(lab.ws_url)
        assert await learner.wait_for(FEED_FORWARD_TITLE)
        apps = lab.app_pids()
        assert len(apps) == 1
        started = time.monotonic()
        lab.process.send_signal(getattr(signal, how))
        await asyncio.to_thread(lab.process.wait, 10)
        # After SIGKILL the apps are no longer the server's children: their remains (zombies,
        # dead and holding nothing) are reaped by the machine's init when it gets to them.
        living_only = how == "SIGKILL"
        gone = await asyncio.to_thread(wait_until, lambda: not group_members(lab.pgid, living_only), 10)
        assert gone and time.monotonic() - started < SHUTDOWN_DEADLINE_S, group_members(lab.pgid)
        await learner.close()

    with ServedLab("feed-forward", log_path=tmp_path / "serve.log") as lab:
        asyncio.run(scenario(lab))


def test_a_scenario_file_named_like_shell_code_is_served_without_a_shell(tmp_path):
    """The file names below are run by nothing: the server starts the app with exec, and the
    name reaches it as one argument."""
    sentinel = tmp_path / "sentinel"  # the names touch it relative to the server's folder
    folder = tmp_path / "class"
    folder.mkdir()
    text = (SCENARIOS / "feed-forward.toml").read_text()
    names = [name.format(s="sentinel") + ".toml" for name in HOSTILE]
    for name in names:
        (folder / name).write_text(text)
    # The payloads are live: through a shell, each of them creates the sentinel.
    for name, (_, quoting) in zip(names, HOSTILE_QUOTED):
        subprocess.run("true " + quoting.format(name), shell=True, cwd=tmp_path, capture_output=True)
        assert sentinel.exists(), name
        sentinel.unlink()

    async def scenario(lab: ServedLab) -> None:
        learner = await Learner.connect(lab.ws_url)
        assert await learner.wait_for(FEED_FORWARD_TITLE)
        await learner.close()

    with ServedLab(str(folder / names[0]), "--scenarios", str(folder), log_path=tmp_path / "serve.log", cwd=tmp_path) as lab:
        asyncio.run(scenario(lab))
        lab.stop()
    assert not sentinel.exists()
    assert "warning" not in lab.log()  # every file was listed, none left out


def test_the_palettes_screenshot_downloads_to_the_learners_browser(tmp_path):
    """Textual's "Save screenshot" in a browser session hands the SVG to the page, which
    fetches it from the server: nothing is written on the server."""
    import json

    async def scenario(lab: ServedLab) -> None:
        learner = await Learner.connect(lab.ws_url)
        assert await learner.wait_for(FEED_FORWARD_TITLE)
        await learner.press("\x10")  # ctrl+p: the command palette
        assert await learner.wait_for("Search for commands")
        await learner.press("screenshot")
        await asyncio.sleep(1.0)  # the palette's search runs in a worker
        await learner.press("\r")
        key = None
        deadline = time.monotonic() + 30
        while key is None and time.monotonic() < deadline:
            message = await learner.websocket.receive(timeout=deadline - time.monotonic())
            if message.type == aiohttp.WSMsgType.TEXT and json.loads(message.data)[0] == "deliver_file_start":
                key = json.loads(message.data)[1]
        assert key is not None
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{lab.url}download/{key}") as response:
                assert response.status == 200
                assert response.content_type == "image/svg+xml"
                body = await response.text()
            async with http.get(f"{lab.url}download/not-a-key") as response:
                assert response.status == 404
        assert body.startswith("<svg") and "Feed-forward" in body
        await learner.close()

    with ServedLab("feed-forward", log_path=tmp_path / "serve.log", cwd=tmp_path) as lab:
        asyncio.run(scenario(lab))
    assert [path.name for path in tmp_path.iterdir()] == ["serve.log"]


def test_names_stay_unique_when_the_teachers_files_share_stems(tmp_path):
    folder, elsewhere = tmp_path / "class", tmp_path / "elsewhere"
    folder.mkdir()
    elsewhere.mkdir()
    shutil.copy(SCENARIOS / "feed-forward.toml", folder / "xor.toml")  # named like a bundled one
    shutil.copy(SCENARIOS / "feed-forward.toml", elsewhere / "xor.toml")  # the initial one, a third xor
    catalogue, _ = Catalogue.build(folder, elsewhere / "xor.toml")
    by_name = {entry.name: entry.path for entry in catalogue.entries}
    assert by_name["xor"] == (SCENARIOS / "xor.toml").resolve()
    assert by_name["class:xor"] == (folder / "xor.toml").resolve()
    assert by_name["class:xor-2"] == (elsewhere / "xor.toml").resolve()
    assert catalogue.open(str((elsewhere / "xor.toml").resolve())) == (elsewhere / "xor.toml").resolve()
