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
from annlab.argparse_words import HelpFormatter
from annlab.errors import ScenarioError
from annlab.language import _

EXIT_OK, EXIT_USAGE = 0, 2
DEFAULT_MAX_SESSIONS = 30  # what a 2-core machine holds with keys still answered in < 150 ms (docs/benchmarks.md)


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("found {value!r}; expected a port number").format(value=text)) from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(_("found {value}; expected 1 to 65535 (0: any free port)").format(value=value))
    return value


def _max_sessions(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("found {value!r}; expected a whole number of learners").format(value=text)) from None
    if not 1 <= value <= 1000:
        raise argparse.ArgumentTypeError(_("found {value}; expected {low} to {high}").format(value=value, low=1, high="1,000"))
    return value


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="annlab serve",
        description=_("Serve the lab to web browsers: each tab gets its own session of the app."),
        formatter_class=HelpFormatter,
    )
    parser.add_argument("scenario", nargs="?", help=_("the scenario each tab opens on: a file or bundled name (default: the toy network)"))
    parser.add_argument("--host", default="127.0.0.1", help=_("the address to listen on (default 127.0.0.1: this machine only; 0.0.0.0 for a class)"))
    parser.add_argument("--port", type=_port, default=8000, help=_("the port (default 8000; 0 picks a free one)"))
    parser.add_argument("--max-sessions", type=_max_sessions, default=DEFAULT_MAX_SESSIONS, metavar="N",
                        help=_("learners at once; the next tab is told the class is full (default {count})").format(count=DEFAULT_MAX_SESSIONS))
    parser.add_argument("--scenarios", type=Path, metavar="DIR",
                        help=_("a folder of the teacher's scenario files (*.toml) that learners may open besides the bundled ones"))
    # Taken out of the arguments by annlab.cli.take_language; declared here for --help.
    parser.add_argument("--lang", choices=language.LANGUAGES, help=_("the learners' interface language (default: ANNLAB_LANG, then the locale)"))
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
        if folder.exists():
            raise ScenarioError(str(folder), _("{option}: is a file, not a folder; expected a folder of scenario files").format(option="--scenarios"))
        raise ScenarioError(str(folder), _("{option}: does not exist; expected a folder of scenario files").format(option="--scenarios"))
    try:
        from annlab.serve.server import ClassServer
    except ImportError as exc:
        print("annlab serve: " + _("needs textual-serve ({module} is missing): {command}").format(module=exc.name, command="pip install 'annlab[serve]'"), file=sys.stderr)
        return EXIT_USAGE

    catalogue, skipped = Catalogue.build(folder, path)
    for line in skipped:
        log(_("warning: {problem}").format(problem=line))
    if not is_loopback(args.host):
        log(_("warning: listening on {host}: anyone who can reach port {port} can use the lab on this machine").format(host=args.host, port=args.port))

    def ready(url: str) -> None:
        log(_("serving {title!r} at {url} to at most {count} learners; Ctrl+C stops").format(title=scenario.title, url=url, count=args.max_sessions))

    server = ClassServer(path, catalogue, scenario.title, args.host, args.port, args.max_sessions, log)
    try:
        asyncio.run(server.run(ready))
    except OSError as exc:
        print(f"annlab serve: {_bind_error(exc, args.host, args.port)}", file=sys.stderr)
        return EXIT_USAGE
    log(_("stopped"))
    # Everything is closed and every session has ended. The interpreter's own teardown (module
    # clean-up: a few tenths of a second on a busy machine) would only delay the teacher's
    # prompt past the 2 s that stopping a class may take.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(EXIT_OK)


def _bind_error(exc: OSError, host: str, port: int) -> str:
    if exc.errno == errno.EADDRINUSE:
        return _("port {port} on {host} is in use; choose another with {option}").format(port=port, host=host, option="--port")
    if exc.errno == errno.EACCES:
        return _("not allowed to listen on port {port} (ports below 1024 need root); choose another with {option}").format(port=port, option="--port")
    if exc.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT) or isinstance(exc, OSError) and "getaddrinfo" in str(exc).lower():
        return _("cannot listen on {host}: not an address of this machine").format(host=host)
    return _("cannot listen on {address}: {reason}").format(address=f"{host}:{port}", reason=exc.strerror or exc)
