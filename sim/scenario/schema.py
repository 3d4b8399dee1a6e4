"""The scenario schema: :class:`ScenarioConfig`, one fully resolved variant, and its cross-checks.

These pydantic models are the scenario keys of ``docs/reference.md``: every key a scenario file may
use, its type, bounds, default and unit. Unknown keys are rejected (``extra="forbid"``), values are
checked strictly (a string is not silently turned into a number) and the validated object is
frozen, so a resolved scenario cannot change under a running model. The sections live in
:mod:`sim.scenario.schema_sections`, events and sweeps in :mod:`sim.scenario.schema_events`; this
module re-exports them, so every schema class can be imported from here.

Loading YAML, ``extends``, variants and ``--set`` overrides live in :mod:`sim.scenario.loader`;
this module only says what a valid scenario is.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field, field_validator, model_validator

from sim.scenario.names import MAX_NAME_LENGTH, NAME_PATTERN, name_problem
from sim.scenario.schema_events import (
    EVENT_SECTIONS,
    EventConfig,
    SweepConfig,
    SweepMethod,
    tier_path,
)
from sim.scenario.schema_partners import CapacityConfig, PartnersConfig
from sim.scenario.schema_sections import (
    MAX_RECRUIT_PER_MONTH,
    MAX_TIERS,
    TIER_FIELDS,
    BehaviourChoice,
    DealSize,
    Fraction,
    MarketConfig,
    NonNegative,
    ProgramConfig,
    StrictModel,
    TierConfig,
    TimeConfig,
)
from sim.scenario.schema_vendor import CompPlanConfig, EngagementConfig, VendorConfig

__all__ = [
    "BehaviourChoice",
    "CapacityConfig",
    "CompPlanConfig",
    "DealSize",
    "EVENT_SECTIONS",
    "EngagementConfig",
    "EventConfig",
    "Fraction",
    "MAX_RECRUIT_PER_MONTH",
    "MAX_TIERS",
    "MarketConfig",
    "NonNegative",
    "PartnersConfig",
    "ProgramConfig",
    "ScenarioConfig",
    "StrictModel",
    "SweepConfig",
    "SweepMethod",
    "TIER_FIELDS",
    "TierConfig",
    "TimeConfig",
    "VendorConfig",
    "split_vendor_path",
    "tier_index",
]


class ScenarioConfig(StrictModel):
    """A fully resolved scenario: one variant, all defaults filled in, frozen."""

    name: str = Field(pattern=NAME_PATTERN, max_length=MAX_NAME_LENGTH)
    description: str = ""
    focus: str | None = Field(
        None,
        description="The vendor the reports are about (headline, summary, best variant); default "
        "the first vendor.",
    )
    seed: int = Field(0, ge=0, le=2**63 - 1)
    replicates: int = Field(10, ge=1, le=100_000)
    time: TimeConfig = Field(default_factory=TimeConfig)
    market: MarketConfig = Field(default_factory=MarketConfig)
    vendors: list[VendorConfig] = Field(min_length=1, max_length=10_000)
    partners: PartnersConfig = Field(default_factory=PartnersConfig)
    behaviours: dict[str, BehaviourChoice] = Field(default_factory=dict)
    events: list[EventConfig] = Field(default_factory=list)
    sweep: SweepConfig | None = None

    @field_validator("name")
    @classmethod
    def _folder_name(cls, value: str) -> str:
        # the pattern and length are checked by the field; this adds reserved device names
        problem = name_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @model_validator(mode="before")
    @classmethod
    def _focus_default(cls, data: Any) -> Any:
        # `focus` left out is the first vendor, written out so the resolved file names it
        if isinstance(data, dict) and data.get("focus") is None:
            vendors = data.get("vendors")
            first = vendors[0] if isinstance(vendors, list) and vendors else None
            if isinstance(first, dict) and isinstance(first.get("name"), str):
                data = {**data, "focus": first["name"]}
        return data

    @model_validator(mode="after")
    def _cross_checks(self) -> ScenarioConfig:
        names = [v.name for v in self.vendors]
        seen: set[str] = set()
        for i, name in enumerate(names):
            if name in seen:
                raise ValueError(f"vendors[{i}].name: duplicate vendor name {name!r}")
            seen.add(name)
        if self.partners.vendors_per_partner > len(self.vendors):
            raise ValueError(
                f"partners.vendors_per_partner: a portfolio of {self.partners.vendors_per_partner} "
                f"vendors needs at least that many vendors, but the scenario has {len(self.vendors)}"
            )
        if self.focus is not None and self.focus not in seen:
            raise ValueError(
                f"focus: unknown vendor {self.focus!r}; vendors are " + ", ".join(names)
            )
        for i, event in enumerate(self.events):
            if event.vendor not in seen:
                raise ValueError(
                    f"events[{i}].vendor: unknown vendor {event.vendor!r}; vendors are "
                    + ", ".join(names)
                )
            tiers = self.vendors[names.index(event.vendor)].program.tiers
            for path in event.set:
                parts = tier_path(path)
                if parts is not None and tier_index(tiers, parts[0]) is None:
                    known = ", ".join(t.name for t in tiers) or "none"
                    raise ValueError(
                        f"events[{i}].set: {path}: {event.vendor} has no tier {parts[0]!r}; its "
                        f"tiers are {known} (by name, or by position from 0)"
                    )
        self._no_overlapping_events()
        return self

    def _no_overlapping_events(self) -> None:
        """Two changes of one vendor's key may not overlap: the second starts after the first ends."""
        by_key: dict[tuple[str, str], list[tuple[int, EventConfig]]] = {}
        for i, event in enumerate(self.events):
            for path in event.set:
                by_key.setdefault((event.vendor, path), []).append((i, event))
        for (vendor, path), items in by_key.items():
            items.sort(key=lambda item: item[1].at_month)
            for (i, first), (j, second) in zip(items, items[1:], strict=False):
                end = first.at_month + first.ramp_months
                if second.at_month < end or second.at_month == first.at_month:
                    raise ValueError(
                        f"events[{j}].at_month: changes {vendor}.{path} at month "
                        f"{second.at_month:g} while events[{i}] is still moving it until month "
                        f"{end:g}; start it at month {end:g} or later, or merge the two events"
                    )

    def vendor_index(self, name: str) -> int:
        """Position of the vendor called ``name``."""
        for i, vendor in enumerate(self.vendors):
            if vendor.name == name:
                return i
        raise KeyError(name)


def tier_index(tiers: list[TierConfig], tier: str) -> int | None:
    """Position of the tier named ``tier`` (or written as its position) in ``tiers``; None if none."""
    for i, each in enumerate(tiers):
        if each.name == tier:
            return i
    if tier.isdigit() and int(tier) < len(tiers):
        return int(tier)
    return None


_VENDOR_PATH = re.compile(r"^vendors\.([^.\[\]]+)\.(.+)$")


def split_vendor_path(path: str) -> tuple[str, str] | None:
    """Split ``vendors.acme.program.margin`` into ``("acme", "program.margin")``; None otherwise."""
    match = _VENDOR_PATH.match(path)
    return (match.group(1), match.group(2)) if match else None
