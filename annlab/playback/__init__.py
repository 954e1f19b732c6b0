"""``annlab play``: a scenario's Trace as narrated text (``text``) or strict JSON."""

from __future__ import annotations

import json

from annlab.scenario.model import Scenario
from annlab.trace import Trace, trace_to_json


def render(scenario: Scenario, trace: Trace, fmt: str = "text") -> str:
    if fmt == "json":
        return json.dumps(trace_to_json(trace), allow_nan=False, ensure_ascii=False) + "\n"
    from annlab.playback.text import narrate

    return narrate(scenario, trace)
