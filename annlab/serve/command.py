"""``annlab serve [SCENARIO] [--host H] [--port P] [--max-sessions N] [--scenarios DIR]``

Everything is checked before the server starts; a refusal is one line and exit code 2.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import ipaddress
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Sequence

from annlab import language
from annlab.errors import ScenarioError

EXIT_OK, EXIT_USAGE = 0, 2
DEFAULT_MAX_SESSIONS = 30  # what a 2-core machine holds with keys still answered in < 150 ms (docs/benchmarks.md)


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"found {text!r}; expected a port number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"found {value}; expected 1 to 65535 (0: any free port)")
    return value


def _max_sessions(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"found {text!r}; expected a whole number of learners") from None
    if not 1 <= value <= 1000:
        raise argparse.ArgumentTypeError(f"found {value}; expected 1 to 1,000")
    return value


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="annlab serve",
        description="Serve the lab to web browsers: each tab gets its own session of the app.",
    )
    parser.add_argument("scenario", nargs="?", help="the scenario each tab opens on: a file or bundled name (default: the toy network)")
    parser.add_argument("--host", default="127.0.0.1", help="the address to listen on (default 127.0.0.1: this machine only; 0.0.0.0 for a class)")
    parser.add_argument("--port", type=_port, default=8000, help="the port (default 8000; 0 picks a free one)")
    parser.add_argument("--max-sessions", type=_max_sessions, default=DEFAULT_MAX_SESSIONS, metavar="N",
                        help=f"learners at once; the next tab is told the class is full (default {DEFAULT_MAX_SESSIONS})")
    parser.add_argument("--scenarios", type=Path, metavar="DIR",
                        help="a folder of the teacher's scenario files (*.toml) that learners may open besides the bundled ones")
    # Taken out of the arguments by annlab.cli.take_language; declared here for --help.
    parser.add_argument("--lang", choices=language.LANGUAGES, help="the learners' interface language (default: ANNLAB_LANG, then the locale)")
    return parser


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def log(line: str) -> None:
    print(f"{datetime.now():%H:%M:%S} {line}", file=sys.stderr, flush=True)


def serve(argv: Sequence[str]) -> int:
    args = parser().parse_args(argv)
    from annlab.scenario.bundled import DEFAULT_SCENARIO, resolve
    from annlab.scenario.loader import load_scenario
    from annlab.serve.catalogue import Catalogue

    # Each learner's session is a child process: it inherits the class's language this way.
    os.environ["ANNLAB_LANG"] = language.current()
    name = args.scenario or DEFAULT_SCENARIO
    scenario = load_scenario(resolve(name))  # ScenarioError: one line, exit 2 (annlab.cli.main)
    path = resolve(name).resolve()
    folder = args.scenarios
    if folder is not None and not folder.is_dir():
        what = "is a file, not a folder" if folder.exists() else "does not exist"
        raise ScenarioError(str(folder), f"--scenarios: {what}; expected a folder of scenario files")
    try:
        from annlab.serve.server import ClassServer
    except ImportError as exc:
        print(f"annlab serve: needs textual-serve ({exc.name} is missing): pip install 'annlab[serve]'", file=sys.stderr)
        return EXIT_USAGE

    catalogue, skipped = Catalogue.build(folder, path)
    for line in skipped:
        log(f"warning: {line}")
    if not is_loopback(args.host):
        log(f"warning: listening on {args.host}: anyone who can reach port {args.port} can use the lab on this machine")

    def ready(url: str) -> None:
        log(f"serving {scenario.title!r} at {url} to at most {args.max_sessions} learners; Ctrl+C stops")

    server = ClassServer(path, catalogue, scenario.title, args.host, args.port, args.max_sessions, log)
    try:
        asyncio.run(server.run(ready))
    except OSError as exc:
        print(f"annlab serve: {_bind_error(exc, args.host, args.port)}", file=sys.stderr)
        return EXIT_USAGE
    log("stopped")
    # Everything is closed and every session has ended. The interpreter's own teardown (module
    # clean-up: a few tenths of a second on a busy machine) would only delay the teacher's
    # prompt past the 2 s that stopping a class may take.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(EXIT_OK)


def _bind_error(exc: OSError, host: str, port: int) -> str:
    if exc.errno == errno.EADDRINUSE:
        return f"port {port} on {host} is in use; choose another with --port"
    if exc.errno == errno.EACCES:
        return f"not allowed to listen on port {port} (ports below 1024 need root); choose another with --port"
    if exc.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT) or isinstance(exc, OSError) and "getaddrinfo" in str(exc).lower():
        return f"cannot listen on {host}: not an address of this machine"
    return f"cannot listen on {host}:{port}: {exc.strerror or exc}"
