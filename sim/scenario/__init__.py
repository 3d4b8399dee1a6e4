"""The scenario language: the schema, YAML with line numbers, ``extends``, variants, ``--set``
overrides, resolution to one frozen config per variant, error messages, names and the ``sim new``
starter. ``load_scenario(path)`` is the way in.
"""

from sim.scenario.errors import Issue, ScenarioError
from sim.scenario.loader import Scenario, load_scenario
from sim.scenario.resolution import (
    dump_yaml,
    resolved_behaviours,
    resolved_document,
    with_overrides,
)
from sim.scenario.schema import ScenarioConfig
from sim.scenario.starter import starter_scenario

__all__ = [
    "Issue",
    "Scenario",
    "ScenarioConfig",
    "ScenarioError",
    "dump_yaml",
    "load_scenario",
    "resolved_behaviours",
    "resolved_document",
    "starter_scenario",
    "with_overrides",
]
