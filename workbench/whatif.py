"""What-if variants: a base scenario and variants that each schedule changes to the vendors' terms.

A variant is a name and a list of events, exactly as under ``variants:`` in a scenario file; the
dashboard edits one of them, the *change* of the focus vendor (its first event for that vendor):
when it starts, how it ramps, how long it is announced, and the new value of any key of the
vendor's program, comp plan or engagement. A key set back to the value the vendor has before the
change is dropped from it; a change with no key left is a draft that schedules nothing.

:func:`build_scenario` turns base and variants into a :class:`~sim.scenario.Scenario` validated by
the scenario schema, the one a file with these variants would load as; :func:`scenario_yaml` is
that file, which ``sim run`` reproduces exactly.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from analysis.levers import events_text
from sim.experiments.folder_layout import atomic_write_text
from sim.experiments.manifest import resolved_scenario_yaml
from sim.scenario import (
    Issue,
    Scenario,
    ScenarioConfig,
    ScenarioError,
    resolved_document,
    with_overrides,
)
from sim.scenario.names import name_problem

BASE = "base"
DEFAULT_CHANGE_MONTH = 12.0
"""Month of a new change when the variant has none yet."""


@dataclass(frozen=True)
class Variant:
    """A what-if: a name and its events (each a mapping as in a scenario file's ``events:``).

    ``base`` is the scenario as written; its events are not edited here.
    """

    name: str
    events: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    def change_index(self, vendor: str) -> int | None:
        """Position of the focus vendor's change (its first event), None when it has none."""
        return next((i for i, e in enumerate(self.events) if e.get("vendor") == vendor), None)

    def change(self, vendor: str) -> dict[str, Any]:
        """The vendor's change: its first event, or a draft at :data:`DEFAULT_CHANGE_MONTH`."""
        i = self.change_index(vendor)
        if i is None:
            return {"at_month": DEFAULT_CHANGE_MONTH, "vendor": vendor, "set": {}}
        return copy.deepcopy(self.events[i])

    def other_events(self, vendor: str) -> list[dict[str, Any]]:
        """Every event but the vendor's change (shown, not edited)."""
        i = self.change_index(vendor)
        return [copy.deepcopy(e) for j, e in enumerate(self.events) if j != i]

    def with_change(self, vendor: str, event: dict[str, Any]) -> Variant:
        """This variant with the vendor's change replaced by ``event``."""
        events = [copy.deepcopy(e) for e in self.events]
        i = self.change_index(vendor)
        if i is None:
            events.append(copy.deepcopy(event))
        else:
            events[i] = copy.deepcopy(event)
        return replace(self, events=tuple(events))

    def with_timing(self, vendor: str, key: str, value: float) -> Variant:
        """Set ``at_month``, ``ramp_months`` or ``notice_months`` of the vendor's change."""
        event = self.change(vendor)
        event[key] = float(value)
        return self.with_change(vendor, event)

    def with_value(self, vendor: str, key: str, value: Any, before: Any) -> Variant:
        """Set ``key`` (``program.margin``) of the vendor's change to ``value``; back to ``before``
        (the vendor's value before the change) drops the key from the change."""
        event = self.change(vendor)
        values = dict(event.get("set") or {})
        if value == before:
            values.pop(key, None)
        else:
            values[key] = value
        event["set"] = values
        return self.with_change(vendor, event)

    def scheduled(self) -> list[dict[str, Any]]:
        """The events that change something (drafts with no key left out)."""
        return [copy.deepcopy(e) for e in self.events if e.get("set")]


def variants_of(scenario: Scenario) -> list[Variant]:
    """The scenario's variants (``base`` first) as what-ifs: each one's resolved events."""
    return [
        Variant(name, tuple(e.model_dump(mode="python") for e in config.events))
        for name, config in scenario.variants.items()
    ]


def copy_name(variants: Sequence[Variant], stem: str) -> str:
    """A new variant name from ``stem``: ``stem-2``, ``stem-3``, ... the first one not taken."""
    taken = {v.name for v in variants}
    stem = stem if stem != BASE else "variant"
    for i in range(2, 1000):
        if f"{stem}-{i}" not in taken:
            return f"{stem}-{i}"
    raise ValueError("too many variants")


def term_value(config: ScenarioConfig, vendor: str, key: str) -> Any:
    """The vendor's starting value of ``section.key`` in ``config``."""
    section, _, name = key.partition(".")
    return getattr(getattr(config.vendors[config.vendor_index(vendor)], section), name)


def build_scenario(
    base: Scenario, variants: Sequence[Variant], *, seed: int, replicates: int
) -> Scenario:
    """A scenario of ``base`` (the scenario as written) and ``variants`` (``base`` first), with
    ``seed`` and ``replicates`` for every variant, each variant validated by the schema.

    Raises:
        ScenarioError: a bad name or a variant the schema rejects; each issue names the variant.
    """
    base_config = with_overrides(base.variants[BASE], {"seed": seed, "replicates": replicates})
    configs: dict[str, ScenarioConfig] = {}
    issues: list[Issue] = []
    for variant in variants:
        problem = name_problem(variant.name) if variant.name else "must not be empty"
        if problem or variant.name in configs:
            message = problem or "is used by another variant"
            issues.append(Issue("dashboard", None, variant.name, f"variant name {message}"))
            continue
        if variant.name == BASE:
            configs[BASE] = base_config
            continue
        try:
            configs[variant.name] = with_overrides(base_config, {"events": variant.scheduled()})
        except ScenarioError as exc:
            issues += [Issue(variant.name, None, i.path, i.message, i.column) for i in exc.issues]
    if issues:
        raise ScenarioError(issues)
    if BASE not in configs:
        raise ScenarioError([Issue("dashboard", None, BASE, "the base variant is missing")])
    ordered = {BASE: configs.pop(BASE), **configs}
    return replace(base, variants=ordered)


def scenario_yaml(scenario: Scenario) -> str:
    """The scenario as one re-runnable file (every default filled in; each variant as the keys
    where it differs from base), as in a result folder's ``scenario.resolved.yaml``."""
    return resolved_scenario_yaml(scenario)


def save_scenario(scenario: Scenario, path: Path | str) -> Path:
    """Write :func:`scenario_yaml` to ``path`` (a new ``.yaml`` file; never overwrites).

    Raises:
        FileExistsError: ``path`` exists.
        ValueError: ``path`` does not end in ``.yaml`` or ``.yml``.
    """
    path = Path(path)
    if path.suffix.lower() not in (".yaml", ".yml"):
        raise ValueError(f"{path}: a scenario file ends in .yaml or .yml")
    if path.exists():
        raise FileExistsError(f"{path}: exists; choose a new file name")
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, scenario_yaml(scenario))
    return path


__all__ = [
    "BASE",
    "Variant",
    "build_scenario",
    "copy_name",
    "describe",
    "focus_vendor",
    "save_scenario",
    "scenario_yaml",
    "term_value",
    "variants_of",
]


def focus_vendor(scenario: Scenario) -> str:
    """The vendor whose terms the variants change most often, else the first vendor."""
    base = scenario.variants[BASE]
    counts: dict[str, int] = {}
    for config in scenario.variants.values():
        for event in config.events:
            counts[event.vendor] = counts.get(event.vendor, 0) + 1
    names = [v.name for v in base.vendors]
    return max(names, key=lambda name: (counts.get(name, 0), -names.index(name)))


def describe(variant: Variant, base: ScenarioConfig) -> str:
    """What a variant changes, one phrase per event: ``month 12, acme: program.margin 0.2 → 0.12
    (over 9 months, 3 months' notice)``."""
    if variant.name == BASE:
        return "the scenario as written"
    doc = resolved_document(base)
    return "; ".join(events_text(variant.scheduled(), doc)) or "no change from base"
