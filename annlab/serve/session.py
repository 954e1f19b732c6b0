"""What a learner's app process does first when ``annlab serve`` started it.

The server starts each session as ``python -m annlab PATH`` (no shell) with two environment
variables: the catalogue of scenarios the learner may open, and the server's process id. The
session checks PATH against the catalogue (never trusting what reached the server from a
browser) and ends itself when the server dies: a server killed with SIGKILL cannot stop its
sessions itself, and they would otherwise run on, orphaned.
"""

from __future__ import annotations

import os
import signal
import threading
import time

from annlab.errors import ScenarioError
from annlab.language import _
from annlab.serve.catalogue import Catalogue

SERVER_PID_VARIABLE = "ANNLAB_SERVE_PARENT"
PARENT_POLL_S = 0.2


def start_session(scenario: str | None) -> tuple[Catalogue | None, str | None]:
    """Outside ``annlab serve``: (None, scenario) unchanged. Inside: the catalogue, and the
    checked path of the scenario to open (ScenarioError if it is not in the catalogue)."""
    catalogue = Catalogue.from_environment()
    if catalogue is None:
        return None, scenario
    _end_with_server()
    if scenario is None:
        raise ScenarioError("annlab serve", _("a session needs the scenario the server was started on"))
    return catalogue, str(catalogue.open(scenario))


def _end_with_server() -> None:
    """A thread that ends this process within PARENT_POLL_S of the server's death.

    Linux's prctl(PR_SET_PDEATHSIG) would do it without a thread, but only through ctypes,
    which annlab's source never imports (tests/test_security.py). A look at the parent's pid
    five times a second costs nothing measurable."""
    expected = os.environ.get(SERVER_PID_VARIABLE)
    if expected is None:
        return
    server = int(expected)
    if os.getppid() != server:  # the server died before this process got here
        raise SystemExit(1)

    def watch() -> None:
        while True:
            time.sleep(PARENT_POLL_S)
            if os.getppid() != server:
                # No learner to talk to and nothing to save: end now, not through Textual's
                # shutdown, which takes seconds with its pipes broken.
                os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=watch, name="annlab-serve-watch", daemon=True).start()
