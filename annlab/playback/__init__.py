"""``annlab play``: a scenario's Trace as narrated text (``text``) or strict JSON."""

from __future__ import annotations

from annlab.scenario.model import Scenario
from annlab.trace import Trace


def render(scenario: Scenario, trace: Trace, fmt: str = "text") -> str:
    if fmt == "json":
        # msgspec (already the loader's) writes JSON ten times faster than the standard
        # library: a mini-batch trace runs to a hundred megabytes. Non-finite numbers are
        # null already (trace_to_json), so the output is strict JSON.
        import msgspec

        from annlab.playback.trace_json import trace_to_json

        return msgspec.json.encode(trace_to_json(scenario, trace)).decode("utf-8") + "\n"
    from annlab.playback.text import narrate

    return narrate(scenario, trace)
