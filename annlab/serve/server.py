"""The class's web server: one annlab app process per browser tab.

textual-serve gives the protocol (``AppService``: an app process speaking Textual's web driver
over pipes, relayed to xterm.js over a websocket) and the page's assets (xterm.js with its
addons in ``textual.js``, ``xterm.css``, the Roboto Mono font). What annlab does differently,
and why:

- The app is started with ``exec`` from an argument list, never through ``/bin/sh`` (textual-
  serve runs a command string through the shell).
- The page is annlab's own: every asset, the font included, comes from this server (textual-
  serve's page links a web font from the internet), its addresses are relative (textual-serve
  writes ``ws://HOST:PORT`` from the bind address, which is ``0.0.0.0`` for a class and wrong
  behind a proxy), and a Content-Security-Policy tells the browser to load nothing from
  elsewhere.
- Sessions are counted: past ``max_sessions`` a tab gets a page saying the class is full.
- Each session ends with one log line: its start, its end, its duration.
- SIGTERM and SIGINT end every session and the server within two seconds; a session's process
  also ends if the server is killed outright (see annlab.serve.session).
"""

from __future__ import annotations

import asyncio
import html
import json
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

import textual_serve
from aiohttp import WSMsgType, web
from textual_serve.app_service import AppService
from textual_serve.download_manager import DownloadManager

from annlab import language
from annlab.language import _
from annlab.serve.catalogue import ENVIRONMENT_VARIABLE, Catalogue
from annlab.serve.session import SERVER_PID_VARIABLE

HERE = Path(__file__).resolve().parent
TEXTUAL_SERVE_STATIC = Path(textual_serve.__file__).resolve().parent / "static"

# How long a session's app may take to quit when asked before it is killed (it holds nothing
# to save): after its tab closed, and when the server stops. A teacher's Ctrl+C must end the
# whole class within 2 s even on a busy machine, where thirty apps winding down at once take
# longer than that.
QUIT_GRACE_S = 1.0
SHUTDOWN_GRACE_S = 0.2
# A browser that asks for a 100,000-column terminal would make its app allocate for it.
MAX_COLUMNS, MAX_ROWS = 500, 200
FONT_SIZES = range(8, 49)
# The page's rules for the browser: everything from this server; nothing else, ever.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; connect-src 'self'; img-src 'self' data:; font-src 'self'; "
    "style-src 'self' 'unsafe-inline'; script-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'self'"
)


def _clamp(value: object, low: int, high: int, default: int) -> int:
    try:
        number = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return default
    return min(max(number, low), high)


class AppProcess(AppService):
    """textual-serve's app service, starting the app from an argument list with no shell."""

    def __init__(self, argv: list[str], environment: dict[str, str], **kwargs):
        super().__init__(" ".join(argv), **kwargs)
        self.argv, self.extra_environment = argv, environment

    async def _open_app_process(self, width: int = 80, height: int = 24):
        environment = self._build_environment(width=width, height=height) | self.extra_environment
        self._process = process = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=environment,
        )
        self._stdin = process.stdin
        return process

    @property
    def process(self):
        return self._process


@dataclass
class Session:
    number: int
    started_wall: datetime
    started: float  # time.monotonic()
    websocket: web.WebSocketResponse
    app: AppProcess | None = None
    ending: bool = False
    ended: asyncio.Event = field(default_factory=asyncio.Event)


class ClassServer:
    """``annlab serve``'s server. ``run()`` serves until SIGTERM or SIGINT."""

    def __init__(self, scenario: Path, catalogue: Catalogue, title: str, host: str, port: int, max_sessions: int,
                 log: Callable[[str], None]):
        self.scenario, self.catalogue, self.title = scenario, catalogue, title
        self.host, self.port, self.max_sessions = host, port, max_sessions
        self.log = log
        self.sessions: dict[int, Session] = {}
        self._numbers = 0
        self._stopping = asyncio.Event()
        self._downloads = DownloadManager()
        self._page = (HERE / "page.html").read_text("utf-8")
        self._full_page = (HERE / "full.html").read_text("utf-8")

    # --- the web application ------------------------------------------------------------

    def application(self) -> web.Application:
        app = web.Application(middlewares=[self._security_headers])
        app.add_routes([
            web.get("/", self.index),
            web.get("/ws", self.websocket),
            web.get("/download/{key}", self.download),
            web.static("/static/annlab", HERE / "static"),
            web.static("/static", TEXTUAL_SERVE_STATIC),
        ])
        return app

    @web.middleware
    async def _security_headers(self, request: web.Request, handler):
        response = await handler(request)
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    def _full(self) -> bool:
        return len(self.sessions) >= self.max_sessions

    async def index(self, request: web.Request) -> web.Response:
        if self._full():
            text = _fill(self._full_page, {
                "lang": language.current(),
                "full": _("The class is full"),
                "taken": _("{count} learners are using the lab on this server, as many as it takes.").format(count=self.max_sessions),
                "later": _("Try again when someone leaves, or ask your teacher for another address."),
                "again": _("Try again"),
            })
            return web.Response(text=text, content_type="text/html", status=503, headers={"Retry-After": "30"})
        font_size = _clamp(request.query.get("fontsize", 16), FONT_SIZES.start, FONT_SIZES.stop - 1, 16)
        text = _fill(self._page, {
            "lang": language.current(),
            "title": self.title,
            "starting": _("Starting the lab: {title}…").format(title=self.title),
            "ended": _("This session has ended."),
            "restart": _("Start again"),
            "font_size": str(font_size),
        })
        return web.Response(text=text, content_type="text/html", headers={"Cache-Control": "no-store"})

    async def download(self, request: web.Request) -> web.StreamResponse:
        """A file an app hands to its learner (the palette's "Save screenshot")."""
        key = request.match_info["key"]
        try:
            meta = await self._downloads.get_download_metadata(key)
        except KeyError:
            raise web.HTTPNotFound(text=_("no such download")) from None
        response = web.StreamResponse()
        response.content_type = meta.mime_type
        if meta.encoding:
            response.charset = meta.encoding
        disposition = "inline" if meta.open_method == "browser" else "attachment"
        name = "".join(c for c in meta.file_name if c.isalnum() or c in "._- ") or "download"
        response.headers["Content-Disposition"] = f'{disposition}; filename="{name}"'
        await response.prepare(request)
        async for chunk in self._downloads.download(key):
            await response.write(chunk)
        await response.write_eof()
        return response

    # --- sessions -----------------------------------------------------------------------

    def _argv(self) -> list[str]:
        # The scenario goes in as one argument; no shell ever sees it.
        return [sys.executable, "-m", "annlab", str(self.scenario)]

    def _environment(self) -> dict[str, str]:
        return {ENVIRONMENT_VARIABLE: self.catalogue.to_environment(), SERVER_PID_VARIABLE: str(os.getpid())}

    async def websocket(self, request: web.Request) -> web.WebSocketResponse:
        # timeout: how long closing waits for the browser's reply; a tab whose laptop has gone to
        # sleep never replies, and must not hold up a stopping server for aiohttp's default 10 s.
        websocket = web.WebSocketResponse(heartbeat=15, max_msg_size=1 << 16, timeout=0.5)
        await websocket.prepare(request)
        if self._stopping.is_set() or self._full():
            # A tab opened before the class filled up: say so in its terminal, then close.
            message = _("The class is full: {count} learners are using the lab. Try again when someone leaves.").format(count=self.max_sessions)
            await websocket.send_bytes(f"\x1b[2J\x1b[H\r\n  {message}\r\n".encode())
            self.log(_("a learner was turned away: the class is full ({open} of {most})").format(open=len(self.sessions), most=self.max_sessions))
            await websocket.close(code=1013, message=b"the class is full")
            return websocket
        self._numbers += 1
        session = Session(self._numbers, datetime.now(), time.monotonic(), websocket)
        self.sessions[session.number] = session
        columns = _clamp(request.query.get("width", 80), 10, MAX_COLUMNS, 80)
        rows = _clamp(request.query.get("height", 24), 5, MAX_ROWS, 24)
        try:
            session.app = AppProcess(
                self._argv(), self._environment(),
                write_bytes=websocket.send_bytes, write_str=websocket.send_str, close=websocket.close,
                download_manager=self._downloads,
            )
            await session.app.start(columns, rows)
            await self._relay(websocket, session.app)
        except (asyncio.CancelledError, ConnectionResetError):
            pass
        except Exception as error:  # a bug here must not take the class down with it
            self.log(f"session {session.number}: {type(error).__name__}: {error}")
        finally:
            await asyncio.shield(self._end(session))
        return websocket

    async def _relay(self, websocket: web.WebSocketResponse, app: AppProcess) -> None:
        """The browser's messages to the app. Anything malformed is ignored."""
        async for message in websocket:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                kind, *rest = json.loads(message.data)
            except (ValueError, TypeError):
                continue
            if kind == "stdin" and rest and isinstance(rest[0], str):
                await app.send_bytes(rest[0].encode("utf-8"))
            elif kind == "resize" and rest and isinstance(rest[0], dict):
                size = rest[0]
                await app.set_terminal_size(_clamp(size.get("width"), 10, MAX_COLUMNS, 80), _clamp(size.get("height"), 5, MAX_ROWS, 24))
            elif kind == "ping" and rest:
                await websocket.send_json(["pong", str(rest[0])[:64]])
            elif kind == "blur":
                await app.blur()
            elif kind == "focus":
                await app.focus()

    async def _end(self, session: Session, grace: float = QUIT_GRACE_S) -> None:
        """Stop a session's app (asked to quit; killed if it has not within ``grace``
        seconds), close its tab's websocket, and log its one line."""
        if session.ending:  # the tab closed while the server stops, or the other way round
            await session.ended.wait()
            return
        session.ending = True
        app = session.app
        process = app.process if app is not None else None
        deadline = time.monotonic() + grace
        if app is not None:
            try:
                await asyncio.wait_for(app.stop(), grace)
            except (asyncio.TimeoutError, ConnectionError, RuntimeError):
                pass
        if process is not None:
            try:  # its output has ended: it is exiting
                await asyncio.wait_for(process.wait(), max(deadline - time.monotonic(), 0.05))
            except asyncio.TimeoutError:
                process.kill()
                await process.wait()
        if not session.websocket.closed:
            await session.websocket.close(code=1001, message=b"the lab has stopped")
        self.sessions.pop(session.number, None)
        session.ended.set()
        duration = time.monotonic() - session.started
        pid = _(", pid {pid}").format(pid=process.pid) if process is not None else ""
        self.log(_("session {number}: started {start}, ended {end}, {duration}{pid}; {open} of {most} open").format(
            number=session.number, start=f"{session.started_wall:%H:%M:%S}", end=f"{datetime.now():%H:%M:%S}",
            duration=_duration(duration), pid=pid, open=len(self.sessions), most=self.max_sessions))

    # --- lifecycle ----------------------------------------------------------------------

    async def run(self, on_ready: Callable[[str], None]) -> None:
        loop = asyncio.get_running_loop()
        for number in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(number, self._stopping.set)
        runner = web.AppRunner(self.application(), handle_signals=False, shutdown_timeout=0.3, access_log=None)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self.port, shutdown_timeout=0.3)
            await site.start()
            sockets = site._server.sockets if site._server is not None else []  # type: ignore[union-attr]
            port = sockets[0].getsockname()[1] if sockets else self.port
            on_ready(_url(self.host, port))
            await self._stopping.wait()
            self.log(_("stopping: ending {count} session(s)").format(count=len(self.sessions)))
            await asyncio.gather(*(self._end(session, SHUTDOWN_GRACE_S) for session in list(self.sessions.values())))
        finally:
            await runner.cleanup()


def _url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else ("[::1]" if host == "::" else host)
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


def _fill(page: str, values: dict[str, str]) -> str:
    """The page with each ``{{name}}`` replaced by its value, HTML-escaped."""
    for name, value in values.items():
        page = page.replace("{{" + name + "}}", html.escape(value))
    return page


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, seconds = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min {seconds:02d} s"
