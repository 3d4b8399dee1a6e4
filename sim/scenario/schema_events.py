"""The scenario keys that change values: scheduled program events (``events:``) and the parameter
sweep (``sweep:``). An event may change any numeric or boolean key of a vendor's program, comp plan
or engagement, to a value that key accepts.
"""

from __future__ import annotations

import difflib
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from sim.behaviours.params import int_as_float
from sim.scenario.errors import translate
from sim.scenario.schema_sections import (
    TIER_FIELDS,
    ProgramConfig,
    StrictModel,
    TierConfig,
)
from sim.scenario.schema_vendor import CompPlanConfig, EngagementConfig

EVENT_SECTIONS = ("program", "comp_plan", "engagement")
TIER_KEY = "tiers.<tier>.<key>"
"""How an event names one key of one partner tier (the tier by name or position from 0)."""


class EventConfig(StrictModel):
    """A scheduled change to a vendor's program, comp plan or engagement policy."""

    at_month: float = Field(ge=0, description="Month the change starts.")
    vendor: str
    set: dict[str, float | bool] = Field(min_length=1)
    ramp_months: float = Field(
        0.0, ge=0, description="Months to move linearly to the new value; 0 = abrupt."
    )
    notice_months: float = Field(0.0, ge=0, description="Months of announcement before at_month.")
    announced: bool = Field(
        False,
        description="The vendor tells its partners about a comp-plan or engagement change, so it "
        "reaches them as a programme change does (a trust surprise, softened by notice); unannounced, "
        "such a change reaches partners only through what reps do. Programme changes are always "
        "seen.",
    )

    @model_validator(mode="before")
    @classmethod
    def _set_values_not_coerced(cls, data: Any) -> Any:
        # `set` values stay as written: ints become floats, bools stay bools.
        if isinstance(data, dict) and isinstance(data.get("set"), dict):
            data = dict(data)
            data["set"] = {k: int_as_float(v) for k, v in data["set"].items()}
        return data

    @field_validator("set")
    @classmethod
    def _paths(cls, value: dict[str, float | bool]) -> dict[str, float | bool]:
        for path in value:
            section, _, key = path.partition(".")
            if section == "program" and (key == "tiers" or key.startswith("tiers.")):
                _check_tier_path(path, value[path])
                continue
            if section not in EVENT_SECTIONS or not key:
                raise ValueError(
                    f"{path}: an event key must be <section>.<key> with section one of "
                    f"{', '.join(EVENT_SECTIONS)}"
                )
            model = {
                "program": ProgramConfig,
                "comp_plan": CompPlanConfig,
                "engagement": EngagementConfig,
            }[section]
            if key not in model.model_fields:
                allowed = [TIER_KEY if k == "tiers" else k for k in model.model_fields]
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ";"
                raise ValueError(
                    f"{path}: unknown key {key!r}{hint} allowed keys: " + ", ".join(allowed)
                )
            _check_event_value(model, path, key, value[path])
        return value


def tier_path(path: str) -> tuple[str, str] | None:
    """``program.tiers.gold.margin_uplift`` -> ``("gold", "margin_uplift")`` (a tier by name or
    position); None for any other path."""
    parts = path.split(".")
    if len(parts) == 4 and parts[:2] == ["program", "tiers"]:
        return parts[2], parts[3]
    return None


def _check_tier_path(path: str, value: float | bool) -> None:
    """An event on a tier changes one numeric key of one tier (the tier is checked against the
    vendor's programme when the scenario is assembled)."""
    parts = tier_path(path)
    if parts is None:
        raise ValueError(
            f"{path}: a tier key is program.tiers.<tier>.<key>, e.g. "
            "program.tiers.gold.margin_uplift"
        )
    tier, key = parts
    if key not in TIER_FIELDS:
        close = difflib.get_close_matches(key, TIER_FIELDS, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ";"
        raise ValueError(
            f"{path}: unknown tier key {key!r}{hint} allowed: " + ", ".join(TIER_FIELDS)
        )
    data = {"name": "x", "min_revenue": 0.0, key: value}
    try:
        TierConfig.model_validate(data)
    except ValidationError as exc:
        messages = [message for _, message in translate(exc, TierConfig, data)]
        raise ValueError(f"{path}: {messages[0]}") from None


def _check_event_value(model: type[StrictModel], path: str, key: str, value: float | bool) -> None:
    """An event's new value must be a valid value of the key it changes (type and range)."""
    data = {key: value}
    try:
        model.model_validate(data)
    except ValidationError as exc:
        messages = [message for _, message in translate(exc, model, data)]
        raise ValueError(f"{path}: {messages[0]}") from None


SweepMethod = Literal["grid", "random", "lhs", "sobol", "morris"]


class SweepConfig(StrictModel):
    """Parameter sweep used by ``sim sweep``: each parameter path maps to ``[low, high]``."""

    method: SweepMethod = "lhs"
    samples: int = Field(64, ge=1, le=1_000_000)
    parameters: dict[str, tuple[float, float]] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _bounds_as_floats(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("parameters"), dict):
            data = dict(data)
            data["parameters"] = {
                k: (tuple(int_as_float(x) for x in v) if isinstance(v, list) else v)
                for k, v in data["parameters"].items()
            }
        return data

    @field_validator("parameters")
    @classmethod
    def _ordered(cls, value: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
        for path, (low, high) in value.items():
            if not low < high:
                raise ValueError(f"{path}: low must be below high, got [{low:g}, {high:g}]")
        return value
