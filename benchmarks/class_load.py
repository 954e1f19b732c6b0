"""A class on one machine: N learners at once on one ``annlab serve``.

    python -m benchmarks.class_load                    # N = 1, 10, 30 (3 to 5 minutes on 2 cores)
    python -m benchmarks.class_load --sessions 5 --keys 4 --think 3-8 --json out.json

Each learner is a websocket client speaking textual-serve's protocol (what the page's
xterm.js sends and receives; no browser: Chromium, not the app, limits how many pages one
machine can drive). The whole class connects at once, as a class does when the teacher says
"open the page"; each session's *start* is the time from its websocket opening to its first
whole frame (the key bar drawn). When every session has settled (no output for a second),
each learner presses ``n`` a number of times, pausing 0.5–2 s between presses (seeded) as a
learner glancing at the numbers does (``--think 3-8``: one reading them). A key's *latency*
is from sending it to the first bytes of the screen's update (*first*) and to the update's
last bytes (*whole*: the last output before 0.2 s of quiet). *RSS* is each session's app
process, from /proc, after the keys; *PSS* shares the pages that the processes share
(NumPy's, Python's) between them: what the class really costs.

Every wait is bounded; the server runs in its own process group and is stopped (and, if
anything is left, killed) whatever happens.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

SCENARIO = "toy-backprop"  # `annlab serve`'s default; n steps through 100 epochs
FIRST_FRAME_TEXT = "q quit"
START_TIMEOUT_S = 180.0
KEY_TIMEOUT_S = 10.0
QUIET_S = 0.2
SETTLED_QUIET_S = 1.0
THINK_S = (0.5, 2.0)  # brisk: pressing on as soon as the screen has been glanced at
ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][0-9A-Za-z]|.)")


def _text(data: bytes) -> str:
    return ANSI.sub("", data.decode("utf-8", "replace"))


class Learner:
    def __init__(self, number: int, ws_url: str, keys: int, seed: int, think: tuple[float, float] = THINK_S):
        self.number, self.ws_url, self.keys, self.think = number, ws_url, keys, think
        self.random = random.Random(seed * 1000 + number)
        self.start_s: float | None = None
        self.first_ms: list[float] = []
        self.whole_ms: list[float] = []
        self.missed = 0

    async def _next(self, websocket, timeout: float):
        """The next binary message's arrival time, or None after ``timeout`` (or at close)."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                message = await websocket.receive(timeout=left)
            except asyncio.TimeoutError:
                return None
            if message.type == aiohttp.WSMsgType.BINARY:
                return time.monotonic(), message.data
            if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                raise ConnectionError(f"learner {self.number}: the server closed the session")
        return None

    async def _quiet(self, websocket, quiet: float, limit: float) -> float | None:
        """Read until ``quiet`` seconds pass without output; the last output's time."""
        last = None
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            got = await self._next(websocket, quiet)
            if got is None:
                return last
            last = got[0]
        return last

    async def start(self, http: aiohttp.ClientSession, columns: int, rows: int):
        opened = time.monotonic()
        websocket = await http.ws_connect(f"{self.ws_url}?width={columns}&height={rows}", max_msg_size=0)
        await websocket.send_str(json.dumps(["resize", {"width": columns, "height": rows}]))
        seen = b""
        deadline = opened + START_TIMEOUT_S
        while FIRST_FRAME_TEXT not in _text(seen[-20000:]):
            got = await self._next(websocket, deadline - time.monotonic())
            if got is None:
                raise TimeoutError(f"learner {self.number}: no first frame in {START_TIMEOUT_S:.0f} s")
            seen += got[1]
        self.start_s = time.monotonic() - opened
        await self._quiet(websocket, SETTLED_QUIET_S, START_TIMEOUT_S)
        return websocket

    async def press_keys(self, websocket) -> None:
        for _ in range(self.keys):
            await self._quiet(websocket, self.random.uniform(*self.think), 30)  # reading the screen
            sent = time.monotonic()
            await websocket.send_str(json.dumps(["stdin", "n"]))
            got = await self._next(websocket, KEY_TIMEOUT_S)
            if got is None:
                self.missed += 1
                continue
            self.first_ms.append((got[0] - sent) * 1000)
            last = await self._quiet(websocket, QUIET_S, KEY_TIMEOUT_S) or got[0]
            self.whole_ms.append((last - sent) * 1000)


def _children(pid: int) -> list[int]:
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


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _memory_kib(pid: int) -> tuple[int, int]:
    """(RSS, PSS) in KiB."""
    rss = pss = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1])
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


class Server:
    def __init__(self, sessions: int, log: Path):
        self.log_path = log
        self._log = open(log, "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "annlab", "serve", SCENARIO, "--port", "0", "--max-sessions", str(sessions)],
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            match = re.search(r"at http://(127\.0\.0\.1:\d+)/", log.read_text())
            if match:
                self.ws_url = f"ws://{match.group(1)}/ws"
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"annlab serve did not start:\n{log.read_text()}")

    def stop(self) -> float:
        started = time.monotonic()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)  # anything left of the group
        except ProcessLookupError:
            pass
        if self.process.poll() is None:
            self.process.wait()
        self._log.close()
        return time.monotonic() - started


async def _class(sessions: int, keys: int, seed: int, columns: int, rows: int, log: Path, think: tuple[float, float]) -> dict:
    server = Server(sessions, log)
    learners = [Learner(number, server.ws_url, keys, seed, think) for number in range(1, sessions + 1)]
    try:
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as http:
            websockets = await asyncio.gather(*(learner.start(http, columns, rows) for learner in learners))
            apps = _children(server.process.pid)
            # CPU time per key does not depend on what else the machine runs, unlike latency.
            cpu_before = {pid: _cpu_s(pid) for pid in [server.process.pid, *apps]}
            await asyncio.gather(*(learner.press_keys(ws) for learner, ws in zip(learners, websockets)))
            cpu_used = {pid: _cpu_s(pid) - before for pid, before in cpu_before.items()}
            memory = [_memory_kib(pid) for pid in apps]
            server_rss = _memory_kib(server.process.pid)[0]
            for websocket in websockets:
                await websocket.close()
    finally:
        stop_s = server.stop()
    first = [ms for learner in learners for ms in learner.first_ms]
    whole = [ms for learner in learners for ms in learner.whole_ms]
    starts = [learner.start_s for learner in learners]
    return {
        "sessions": sessions,
        "apps_seen": len(memory),
        "start_s": {"median": statistics.median(starts), "max": max(starts)},
        "key_first_ms": _summary(first),
        "key_whole_ms": _summary(whole),
        "keys_pressed": sessions * keys,
        "keys_unanswered": sum(learner.missed for learner in learners),
        "app_rss_mib": {"median": statistics.median(m[0] for m in memory) / 1024, "max": max(m[0] for m in memory) / 1024},
        "app_pss_mib": {"median": statistics.median(m[1] for m in memory) / 1024, "total": sum(m[1] for m in memory) / 1024},
        "server_rss_mib": server_rss / 1024,
        "app_cpu_ms_per_key": 1000 * sum(cpu_used[pid] for pid in apps) / max(1, sum(len(learner.first_ms) for learner in learners)),
        "server_cpu_ms_per_key": 1000 * cpu_used[server.process.pid] / max(1, sum(len(learner.first_ms) for learner in learners)),
        "stop_s": stop_s,
    }


def _summary(values: list[float]) -> dict:
    if not values:
        return {"median": float("nan"), "p90": float("nan"), "max": float("nan")}
    ordered = sorted(values)
    return {"median": statistics.median(ordered), "p90": ordered[int(0.9 * (len(ordered) - 1))], "max": ordered[-1]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.class_load", description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 10, 30])
    parser.add_argument("--keys", type=int, default=12, help="presses of n per learner (default 12)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--size", default="120x40", help="each learner's terminal (default 120x40)")
    parser.add_argument("--think", default=f"{THINK_S[0]}-{THINK_S[1]}", metavar="MIN-MAX",
                        help=f"seconds between a learner's presses, drawn uniformly (default {THINK_S[0]}-{THINK_S[1]})")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    columns, rows = (int(part) for part in args.size.split("x"))
    think = tuple(float(part) for part in args.think.split("-"))
    print(f"annlab serve {SCENARIO}: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start; "
          f"{args.keys} presses of n per learner, {think[0]}-{think[1]} s apart; terminals {columns}x{rows}")
    header = "| learners | start: median / max | key → first bytes: median / p90 / max | key → whole update: median / p90 / max | unanswered | CPU per key: app / server | app RSS: median | app PSS: median (all) | server RSS | SIGTERM → all gone |"
    print(header)
    print("|---" * (header.count("|") - 1) + "|")
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for sessions in args.sessions:
            result = asyncio.run(_class(sessions, args.keys, args.seed, columns, rows, Path(folder) / f"serve-{sessions}.log", think))
            results.append(result)
            f, w = result["key_first_ms"], result["key_whole_ms"]
            print(
                f"| {sessions} | {result['start_s']['median']:.1f} s / {result['start_s']['max']:.1f} s "
                f"| {f['median']:.0f} / {f['p90']:.0f} / {f['max']:.0f} ms | {w['median']:.0f} / {w['p90']:.0f} / {w['max']:.0f} ms "
                f"| {result['keys_unanswered']} of {result['keys_pressed']} "
                f"| {result['app_cpu_ms_per_key']:.0f} / {result['server_cpu_ms_per_key']:.1f} ms "
                f"| {result['app_rss_mib']['median']:.0f} MiB | {result['app_pss_mib']['median']:.0f} MiB ({result['app_pss_mib']['total']:.0f} MiB) "
                f"| {result['server_rss_mib']:.0f} MiB | {result['stop_s']:.2f} s |",
                flush=True,
            )
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
