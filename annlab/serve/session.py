"""What a learner's app process does first when ``annlab serve`` started it.

The server starts each session as ``python -m annlab PATH`` (no shell) with two environment
variables: the catalogue of scenarios the learner may open, and the server's process id. The
session checks PATH against the catalogue (never trusting what reached the server from a
browser) and asks Linux to end it when the server dies: a server killed with SIGKILL cannot
stop its sessions itself, and they would otherwise run on, orphaned.
"""

from __future__ import annotations

import os
import signal
import sys

from annlab.errors import ScenarioError
from annlab.serve.catalogue import Catalogue

SERVER_PID_VARIABLE = "ANNLAB_SERVE_PARENT"
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def start_session(scenario: str | None) -> tuple[Catalogue | None, str | None]:
    """Outside ``annlab serve``: (None, scenario) unchanged. Inside: the catalogue, and the
    checked path of the scenario to open (ScenarioError if it is not in the catalogue)."""
    catalogue = Catalogue.from_environment()
    if catalogue is None:
        return None, scenario
    _end_with_server()
    if scenario is None:
        raise ScenarioError("annlab serve", "a session needs the scenario the server was started on")
    return catalogue, str(catalogue.open(scenario))


def _end_with_server() -> None:
    expected = os.environ.get(SERVER_PID_VARIABLE)
    if sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        # SIGKILL: with the server gone there is no learner to talk to and nothing to save, and
        # a Textual app whose pipes are broken takes seconds to wind down from a SIGTERM.
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    # The server may have died before the line above: then our parent is already someone else.
    if expected is not None and str(os.getppid()) != expected:
        raise SystemExit(1)

