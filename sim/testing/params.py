"""A rule's numeric parameters: their valid ranges, the ends of those ranges and random draws
within them."""

from __future__ import annotations

import math
from typing import Any

import annotated_types
import numpy as np
from pydantic import ValidationError

from sim.behaviours.registry import RuleSpec

HUGE = 1e6
"""The 'large value' used for a parameter without an upper bound."""
TINY = 1e-6
"""Distance from an open bound (``gt``/``lt``) used as that end of the range."""


def bounds_of(field_info: Any) -> tuple[float, float]:
    """The smallest and largest valid value of a numeric parameter (``HUGE`` if unbounded)."""
    low, high = -HUGE, HUGE
    for item in field_info.metadata:
        if isinstance(item, annotated_types.Ge):
            low = float(item.ge)
        elif isinstance(item, annotated_types.Gt):
            low = float(item.gt) + TINY
        elif isinstance(item, annotated_types.Le):
            high = float(item.le)
        elif isinstance(item, annotated_types.Lt):
            high = float(item.lt) - TINY
    return low, high


def numeric_fields(spec: RuleSpec) -> dict[str, Any]:
    """The rule's parameters that are numbers."""
    return {
        name: info
        for name, info in spec.cls.Params.model_fields.items()
        if info.annotation in (float, int)
    }


def extreme_params(spec: RuleSpec, base: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Each numeric parameter at each end of its range, then all low and all high together, over
    ``base``; combinations the schema rejects (cross-field rules) are left out."""
    base = dict(base or {})
    ends = {name: bounds_of(info) for name, info in numeric_fields(spec).items()}
    whole = {n for n, info in numeric_fields(spec).items() if info.annotation is int}
    for name in whole:
        ends[name] = (math.ceil(ends[name][0]), math.floor(ends[name][1]))
    candidates = [{**base, name: end} for name, pair in ends.items() for end in pair]
    candidates += [{**base, **{name: pair[0] for name, pair in ends.items()}}]
    candidates += [{**base, **{name: pair[1] for name, pair in ends.items()}}]
    return [p for p in candidates if is_valid(spec, p)]


def random_params(
    spec: RuleSpec, rng: np.random.Generator, base: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Every numeric parameter drawn in its range: uniformly on short ranges, log-uniformly else."""
    out = dict(base or {})
    for name, info in numeric_fields(spec).items():
        low, high = bounds_of(info)
        if high - low <= 1.0:
            value = float(rng.uniform(low, high))
        else:
            value = float(np.exp(rng.uniform(np.log(max(low, TINY)), np.log(high))))
        out[name] = round(value) if info.annotation is int else value
    return out


def is_valid(spec: RuleSpec, params: dict[str, Any]) -> bool:
    try:
        spec.cls.Params.model_validate(params)
    except ValidationError:
        return False
    return True
