"""The dashboard's controls, read from the scenario schema: every key an event may change (a vendor's
program, comp plan and engagement) and the timing of a change (month, ramp, notice), each with its
type, bounds, default and description. A key added to the schema becomes a control with no UI code.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Literal, get_args, get_origin

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from sim.scenario.schema import (
    EVENT_SECTIONS,
    CompPlanConfig,
    EngagementConfig,
    EventConfig,
    ProgramConfig,
)

SECTION_MODELS: dict[str, type[BaseModel]] = {
    "program": ProgramConfig,
    "comp_plan": CompPlanConfig,
    "engagement": EngagementConfig,
}
assert tuple(SECTION_MODELS) == EVENT_SECTIONS, "every section an event may change has controls"
SECTION_TITLES = {
    "program": "Partner program",
    "comp_plan": "Rep comp plan",
    "engagement": "Engagement",
}
TIMING_KEYS = ("at_month", "ramp_months", "notice_months")
"""The keys of an event that say when a change happens (:class:`EventConfig`)."""
ACRONYMS = {"mdf": "MDF", "spiff": "SPIFF"}
"""Words of key names written in capitals in labels (``mdf_per_partner_month``: MDF per ...)."""
SLIDER_SPAN = 10.0
"""A bounded number whose range is at most this wide gets a slider; wider or unbounded ones a box."""


@dataclass(frozen=True)
class Lever:
    """One control: a schema key with what the page needs to draw and check it.

    Attributes:
        key: ``section.key`` as in an event's ``set`` (``program.margin``), or a timing key.
        label: the key in words (``Margin``).
        description: the schema's description of the key.
        kind: ``number`` or ``switch`` (true/false).
        low: smallest value allowed (None: unbounded).
        high: largest value allowed (None: unbounded).
        default: the schema default.
        open_low: ``low`` itself is not allowed (``> 0``).
        open_high: ``high`` itself is not allowed (``< 1``).
        slider: drawn as a slider (both bounds and a range of at most :data:`SLIDER_SPAN`, or a
            month); otherwise as a number box.
        step: the slider's step.
    """

    key: str
    label: str
    description: str
    kind: Literal["number", "switch", "choice"]
    low: float | None
    high: float | None
    default: Any
    open_low: bool = False
    open_high: bool = False
    slider: bool = False
    step: float = 0.01
    choices: tuple[Any, ...] = ()

    def bounds_text(self) -> str:
        """``0 to 1``, ``at least 0``, ``above 0``: what the schema allows, for the help text."""
        low = _bound(self.low, "above" if self.open_low else "at least")
        high = _bound(self.high, "below" if self.open_high else "at most")
        if self.low is not None and self.high is not None and not (self.open_low or self.open_high):
            return f"{self.low:g} to {self.high:g}"
        return ", ".join(part for part in (low, high) if part)

    def problem(self, value: Any) -> str | None:
        """Why ``value`` is not allowed, in the schema's terms; None when it is."""
        if self.kind == "switch":
            return None if isinstance(value, bool) else "must be on or off"
        if self.kind == "choice":
            shown = ", ".join(f"{c:g}" if isinstance(c, float) else str(c) for c in self.choices)
            return None if value in self.choices else f"must be one of {shown}"
        if not isinstance(value, int | float) or isinstance(value, bool):
            return "must be a number"
        if not math.isfinite(value):
            return "must be a finite number"
        low_bad = self.low is not None and (
            value <= self.low if self.open_low else value < self.low
        )
        high_bad = self.high is not None and (
            value >= self.high if self.open_high else value > self.high
        )
        return f"must be {self.bounds_text()}, got {value:g}" if low_bad or high_bad else None


def _bound(value: float | None, word: str) -> str:
    return f"{word} {value:g}" if value is not None else ""


def _words(name: str) -> str:
    """``mdf_per_partner_month`` -> ``MDF per partner month``."""
    words = [ACRONYMS.get(word, word) for word in name.split("_")]
    return " ".join([words[0][:1].upper() + words[0][1:], *words[1:]])


def _lever(key: str, name: str, field: FieldInfo) -> Lever | None:
    """The control of one schema field; None for fields that are not numbers or switches."""
    if get_origin(field.annotation) is Literal:  # a few allowed values: 3 | 6 | 12 months
        return Lever(
            key=key,
            label=_words(name),
            description=field.description or "",
            kind="choice",
            low=None,
            high=None,
            default=field.default,
            choices=get_args(field.annotation),
        )
    kind = {bool: "switch", float: "number", int: "number"}.get(field.annotation)
    if kind is None:
        return None
    low = high = None
    open_low = open_high = False
    for item in field.metadata:
        if isinstance(item, Ge):
            low = float(item.ge)
        elif isinstance(item, Gt):
            low, open_low = float(item.gt), True
        elif isinstance(item, Le):
            high = float(item.le)
        elif isinstance(item, Lt):
            high, open_high = float(item.lt), True
    bounded = low is not None and high is not None
    return Lever(
        key=key,
        label=_words(name),
        description=field.description or "",
        kind=kind,  # type: ignore[arg-type]
        low=low,
        high=high,
        default=None if field.default is PydanticUndefined else field.default,
        open_low=open_low,
        open_high=open_high,
        slider=kind == "number" and bounded and high - low <= SLIDER_SPAN,
        step=0.01 if bounded and high - low <= 1 else 0.05,
    )


def term_levers() -> dict[str, list[Lever]]:
    """Per section (``program``, ``comp_plan``, ``engagement``), a control for every key an event
    may change, in schema order."""
    out: dict[str, list[Lever]] = {}
    for section, model in SECTION_MODELS.items():
        found = (_lever(f"{section}.{name}", name, f) for name, f in model.model_fields.items())
        out[section] = [lever for lever in found if lever is not None]
    return out


def timing_levers(horizon_months: float) -> list[Lever]:
    """Month, ramp and notice of a change, bounded above by the run's horizon (a change after it
    never happens)."""
    out = []
    for key in TIMING_KEYS:
        lever = _lever(key, key, EventConfig.model_fields[key])
        assert lever is not None
        timing = {"high": float(horizon_months), "slider": True, "step": 1.0}
        out.append(replace(lever, default=lever.default or 0.0, **timing))
    return out


__all__ = ["Lever", "SECTION_TITLES", "TIMING_KEYS", "term_levers", "timing_levers"]
