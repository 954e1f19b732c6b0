"""Helpers for the tests of ``annlab serve``: start a real server in its own process group on
a free loopback port, speak textual-serve's websocket protocol to it, and list what is left of
its process group. Used by tests/test_serve.py and tests/browser/."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

# The server's process group may take this long to empty after SIGTERM or SIGINT (the issue's
# promise to a teacher), and a session's app to end after its tab closes.
SHUTDOWN_DEADLINE_S = 2.0
START_TIMEOUT_S = 30.0
FIRST_FRAME_TIMEOUT_S = 60.0  # a session's app imports NumPy and Textual: seconds on a busy 2-core CI


def group_members(pgid: int, living_only: bool = False) -> list[int]:
    """Every process (zombies included, unless ``living_only``) whose process group is ``pgid``."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) ": state ppid pgrp ...
        if int(fields[2]) == pgid and not (living_only and fields[0] == "Z"):
            members.append(int(entry))
    return members


def children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2:].split()[1]) == pid:
                found.append(int(entry))
    return found


def wait_until(condition, timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return bool(condition())


class ServedLab:
    """``annlab serve ARGS --port 0`` in its own process group; ``stop()`` or leaving the
    ``with`` block ends it (and, as a last resort, kills what is left of its group)."""

    def __init__(self, *args: str, log_path: Path, cwd: Path | None = None):
        self.log_path = log_path
        self._log = open(log_path, "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "annlab", "serve", *args, "--host", "127.0.0.1", "--port", "0"],
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True, cwd=cwd,
        )
        self.pgid = self.process.pid
        url = None

        def started() -> bool:
            nonlocal url
            match = re.search(r"at (http://127\.0\.0\.1:\d+/)", self.log())
            url = match.group(1) if match else None
            return url is not None or self.process.poll() is not None

        wait_until(started, START_TIMEOUT_S)
        if url is None:
            self.close()
            raise RuntimeError(f"annlab serve did not start:\n{self.log()}")
        self.url = url
        self.ws_url = "ws" + url[len("http"):] + "ws"

    def log(self) -> str:
        return self.log_path.read_text()

    def app_pids(self) -> list[int]:
        return children_of(self.process.pid)

    def stop(self, number: int = signal.SIGTERM) -> float:
        """Send the signal; return the seconds until the server and its whole group were gone."""
        started = time.monotonic()
        self.process.send_signal(number)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        wait_until(lambda: not group_members(self.pgid), 10)
        return time.monotonic() - started

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        for pid in group_members(self.pgid):  # never leave anything running, whatever failed
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._log.close()

    def __enter__(self) -> "ServedLab":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def screen_text(data: bytes) -> str:
    """The text in a stretch of terminal output, escape sequences removed (good enough to
    find a word; the browser tests read the real screen from xterm.js)."""
    text = data.decode("utf-8", "replace")
    return re.sub(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][0-9A-Za-z]|.)", "", text)


class Learner:
    """One browser tab, as textual-serve's page speaks to the server: a websocket carrying
    ``["stdin", keys]`` and ``["resize", {...}]``, and the app's terminal output back."""

    def __init__(self, http: aiohttp.ClientSession, websocket: aiohttp.ClientWebSocketResponse):
        self.http, self.websocket = http, websocket
        self.received = bytearray()
        self.closed = False

    @classmethod
    async def connect(cls, ws_url: str, columns: int = 120, rows: int = 40) -> "Learner":
        http = aiohttp.ClientSession()
        websocket = await http.ws_connect(f"{ws_url}?width={columns}&height={rows}")
        learner = cls(http, websocket)
        await websocket.send_str(json.dumps(["resize", {"width": columns, "height": rows}]))
        return learner

    async def _receive(self, timeout: float) -> bool:
        try:
            message = await self.websocket.receive(timeout=timeout)
        except asyncio.TimeoutError:
            return False
        if message.type == aiohttp.WSMsgType.BINARY:
            self.received += message.data
            return True
        if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.ERROR):
            self.closed = True
        return message.type == aiohttp.WSMsgType.TEXT

    async def wait_for(self, text: str, timeout: float = FIRST_FRAME_TIMEOUT_S) -> bool:
        deadline = time.monotonic() + timeout
        while text not in screen_text(bytes(self.received)):
            left = deadline - time.monotonic()
            if left <= 0 or self.closed:
                return False
            await self._receive(left)
        return True

    async def wait_closed(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not self.closed and time.monotonic() < deadline:
            await self._receive(deadline - time.monotonic())
        return self.closed

    async def press(self, keys: str) -> None:
        await self.websocket.send_str(json.dumps(["stdin", keys]))

    async def close(self) -> None:
        await self.websocket.close()
        await self.http.close()
