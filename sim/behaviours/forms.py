"""The two forms of a behaviour rule, and the glue that derives one from the other.

A rule decides either for the whole population at once (the *population* form: arrays in, arrays
out, e.g. ``allocate(x: AttentionInputs) -> (P, K + 1)``) or for one agent at a time (the
*per-agent* form: one partner's, link's, rep's or deal's inputs as plain floats and small arrays,
e.g. ``allocate_one(x: OnePartnerAttention) -> (K + 1,)``). A rule may write either form or both.

Each slot module defines an adapter class with both forms written in terms of the other; the
registry gives a rule the methods it lacks from there
(:attr:`sim.behaviours.registry.RuleSpec.runnable`):

- a per-agent rule runs in the population engine by looping over the rows (slow but correct);
- a population rule runs in the per-agent engine on arrays of one row.

This module holds the slot-independent pieces: taking one agent's inputs out of population inputs,
making population inputs of one agent, and looping a per-agent function over arrays.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import fields
from functools import cache
from typing import Any

import numpy as np

POPULATION = "population"
PER_AGENT = "per-agent"
FORMS = (POPULATION, PER_AGENT)


def plain(value: Any) -> Any:
    """A NumPy scalar as a Python ``bool`` or ``float``; arrays are copied, other values kept."""
    if isinstance(value, np.ndarray) and value.ndim > 0:
        return value.copy()
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, np.generic | np.ndarray | int | float):
        item = np.asarray(value)
        return bool(item) if item.dtype == bool else float(item)
    return value


def one_of[T](batch: Any, index: int | tuple[int, ...], one_cls: type[T]) -> T:
    """One agent's inputs from population inputs: each array field indexed by ``index``.

    Args:
        batch: population inputs, a dataclass of arrays (``AttentionInputs``, ``TrustSignals``...).
        index: the agent's position: a partner row ``i``, a link ``(i, k)``, a deal ``j``.
        one_cls: the per-agent dataclass; its fields are taken by name from ``batch``. Fields that
            are scalars in ``batch`` (shared by every agent, e.g. ``dt``) are passed as they are.
    """
    values = {}
    for name in _field_names(one_cls):
        value = getattr(batch, name)
        if isinstance(value, np.ndarray) and value.ndim > 0:
            item = value[index]
            values[name] = item.copy() if isinstance(item, np.ndarray) else item.item()
        else:
            values[name] = plain(value)
    return one_cls(**values)


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))  # type: ignore[arg-type]


def batch_of[T](one: Any, batch_cls: type[T], shared: Iterable[str] = ("dt",)) -> T:
    """Population inputs holding the one agent ``one``: each field gets a leading axis of length 1,
    except the ``shared`` fields, which are scalars in the population form too."""
    shared = set(shared)
    values = {}
    for f in fields(batch_cls):  # type: ignore[arg-type]
        value = getattr(one, f.name)
        values[f.name] = value if f.name in shared else np.asarray(value)[None, ...]
    return batch_cls(**values)


def elementwise(function: Callable[..., Any], *arrays: Any) -> np.ndarray:
    """Call the per-agent ``function`` on each element of the broadcast ``arrays`` (as plain floats
    and bools) and return the results as an array of the broadcast shape."""
    broadcast = np.broadcast_arrays(*[np.asarray(a) for a in arrays])
    shape = broadcast[0].shape if broadcast else ()
    out = np.empty(shape, dtype=float)
    for index in np.ndindex(shape):
        out[index] = function(*(plain(a[index]) for a in broadcast))
    return out


def first(values: Any) -> float:
    """The only element of a one-element result, as a float."""
    return float(np.asarray(values).reshape(-1)[0])


__all__ = [
    "FORMS",
    "PER_AGENT",
    "POPULATION",
    "batch_of",
    "elementwise",
    "first",
    "one_of",
    "plain",
]
