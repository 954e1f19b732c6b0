"""Helpers for the app's tests: build the app as the CLI does, and wait for training."""

from __future__ import annotations

from pathlib import Path

import pytest

from annlab.app import create_app, settle  # noqa: F401  (settle is used by the tests)
from annlab.cli import load

HERE = Path(__file__).resolve().parent
TEST_SCENARIOS = HERE / "scenarios"


@pytest.fixture
def make_app():
    def make(name: str, **kwargs):
        path = TEST_SCENARIOS / f"{name}.toml"
        return create_app(load(str(path) if path.exists() else name), **kwargs)

    return make


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    """Run ``async def`` tests (Textual's pilot is async) without an extra plugin."""
    import asyncio
    import inspect

    if inspect.iscoroutinefunction(pyfuncitem.obj):
        args = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
        asyncio.run(pyfuncitem.obj(**args))
        return True
    return None
