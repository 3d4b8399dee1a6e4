"""Ints written where floats are expected: YAML writes ``0`` for ``0.0``, and strict validation
would reject an int for a float field. Shared by rule parameter schemas
(:class:`sim.behaviours.registry.RuleParams`) and the scenario schema (:mod:`sim.scenario.schema`).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


def int_as_float(value: Any) -> Any:
    """An int written where a float is expected, as a float; anything else (or an int too large for a
    float, which validation then rejects) unchanged."""
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return float(value)
        except OverflowError:
            return value
    return value


def ints_as_floats(model: type[BaseModel], data: Any) -> Any:
    """``data`` with ints given for ``model``'s float fields as floats.

    YAML writes 0 for 0.0, and strict validation would reject an int for a float field.
    """
    if isinstance(data, dict):
        out = dict(data)
        for key, value in data.items():
            field = model.model_fields.get(key)
            if field is not None and field.annotation in (float, "float"):
                out[key] = int_as_float(value)
        return out
    return data
