"""The registry of scenario kinds: one entry per kind, naming everything a kind needs.

A kind's entry says which sections of the file it uses and where its four parts live: how the
loader builds it (``build``), how it is run (``run``, producing its Trace), how ``annlab play``
narrates it (``narrate``) and which screen the app shows (``screen``). The parts live in the
layers above this one (the runner, the playback, the app), so they are named here by dotted
path ("module:attribute") and imported when used; a test may register a kind with the
callables themselves. Every dispatch on the kind goes through this table: there is no
catch-all branch, and an unknown kind is refused by the loader.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable

Ref = str | Callable[..., Any]


@dataclass(frozen=True)
class Kind:
    name: str
    sections: frozenset[str]  # the file's sections this kind uses ([scenario] always)
    build: Ref  # (checker, parsed file, base fields) -> Scenario
    run: Ref  # (scenario, backend) -> Trace; training runs through annlab.training.runner instead
    narrate: Ref  # (writer, scenario, trace) -> None
    screen: Ref  # a Textual Screen class: (scenario, backend) -> Screen


def resolve(ref: Ref) -> Any:
    if callable(ref):
        return ref
    module, _, attribute = ref.partition(":")
    target: Any = importlib.import_module(module)
    for part in attribute.split("."):
        target = getattr(target, part)
    return target


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(
            "training",
            frozenset({"scenario", "data", "network", "training"}),
            "annlab.scenario.loader:build_training",
            "annlab.training.runner:run_scenario",
            "annlab.playback.text:narrate_training",
            "annlab.app.training:TrainingScreen",
        ),
        Kind(
            "softmax-table",
            frozenset({"scenario", "table"}),
            "annlab.scenario.loader:build_table",
            "annlab.training.tables:run_table",
            "annlab.playback.text:narrate_table",
            "annlab.app.gallery:TableScreen",
        ),
        Kind(
            "activations",
            frozenset({"scenario", "gallery"}),
            "annlab.scenario.loader:build_gallery",
            "annlab.training.tables:run_gallery",
            "annlab.playback.text:narrate_gallery",
            "annlab.app.gallery:GalleryScreen",
        ),
        Kind(
            "losses",
            frozenset({"scenario", "gallery"}),
            "annlab.scenario.loader:build_gallery",
            "annlab.training.tables:run_gallery",
            "annlab.playback.text:narrate_gallery",
            "annlab.app.gallery:GalleryScreen",
        ),
    )
}
