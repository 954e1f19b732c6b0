"""Shared fixtures. GPU tests (marked ``gpu``) run only where CuPy can allocate on a device."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"


def _gpu_usable() -> tuple[bool, str]:
    from annlab.engine.backend import probe_cupy
    from annlab.playback.words import say

    cupy, why = probe_cupy()
    return cupy is not None, say(why)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not any(item.get_closest_marker("gpu") for item in items):
        return
    usable, why = _gpu_usable()
    if usable:
        return
    skip = pytest.mark.skip(reason=f"needs a usable GPU: {why}")
    for item in items:
        if item.get_closest_marker("gpu"):
            item.add_marker(skip)


@pytest.fixture
def scenario_path():
    def path(name: str) -> Path:
        return SCENARIOS / f"{name}.toml"

    return path
