"""Scenario files: the TOML format (``schema``), its checks (``loader``), the validated model
(``model``) and the scenarios that ship with annlab (``bundled``)."""

from annlab.scenario.loader import load_scenario
from annlab.scenario.model import Scenario

__all__ = ["Scenario", "load_scenario"]
