"""``annlab play``: a scenario's Trace as narrated text (``text``) or strict JSON."""

from __future__ import annotations

from annlab.scenario.model import Scenario
from annlab.trace import Trace


def render(scenario: Scenario, trace: Trace, fmt: str = "text") -> str:
    if fmt == "json":
        import json  # not on the text path: start-up

        from annlab.playback.trace_json import trace_to_json

        return json.dumps(trace_to_json(scenario, trace), allow_nan=False, ensure_ascii=False) + "\n"
    from annlab.playback.text import narrate

    return narrate(scenario, trace)
