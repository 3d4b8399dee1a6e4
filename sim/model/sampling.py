"""Draws of items grouped by vendor, made for all vendors in one call each.

A step picks, for every new deal, a rep or a partner link of the deal's vendor; for every vendor
that recruits, firms to court. Drawn vendor by vendor, each pick is a handful of numpy calls on a
few items, so a step with many vendors is bound by call overhead, not arithmetic. These functions
make each kind of pick in a fixed number of calls whatever the number of vendors, from the run's
generator, with the same law as the vendor-by-vendor draws they replace.
"""

from __future__ import annotations

import numpy as np

from sim.model.state import VendorGroups


def uniform_members(
    rng: np.random.Generator, groups: VendorGroups, wanted: np.ndarray
) -> np.ndarray:
    """For each entry of ``wanted`` (a vendor), one of that vendor's items uniformly at random,
    with replacement; -1 where the vendor has none."""
    out = np.full(len(wanted), -1, dtype=np.int64)
    counts = groups.counts[wanted]
    has = counts > 0
    if has.any():
        picks = rng.integers(counts[has])  # one uniform draw per entry, each below its own count
        out[has] = groups.order[groups.bounds[wanted[has]] + picks]
    return out


def weighted_members(
    rng: np.random.Generator, groups: VendorGroups, weights: np.ndarray, wanted: np.ndarray
) -> np.ndarray:
    """For each entry of ``wanted`` (a vendor), one of that vendor's items with probability in
    proportion to ``weights`` (per item), with replacement; -1 where none has a positive weight.

    Weights are normalised within each vendor before one cumulative sum over all vendors, so each
    vendor spans a unit interval of it and a vendor whose weights are tiny next to another's keeps
    its full precision; a pick is clamped into its vendor's items against rounding at the edges.
    """
    out = np.full(len(wanted), -1, dtype=np.int64)
    if len(wanted) == 0:
        return out
    positive = weights[groups.order] > 0
    order, owner = groups.order[positive], groups.owner[positive]
    counts = np.bincount(owner, minlength=groups.vendors)
    bounds = np.concatenate([[0], np.cumsum(counts)])
    total = np.bincount(owner, weights[order], minlength=groups.vendors)
    cumulative = np.cumsum(weights[order] / total[owner])
    base = np.concatenate([[0.0], cumulative])[bounds[:-1]]
    has = counts[wanted] > 0
    v = wanted[has]
    draws = base[v] + rng.random(len(v)) * (cumulative[bounds[v + 1] - 1] - base[v])
    position = np.searchsorted(cumulative, draws, side="right")
    out[has] = order[np.clip(position, bounds[v], bounds[v + 1] - 1)]
    return out


def shuffled_within(
    rng: np.random.Generator, items: np.ndarray, group: np.ndarray, groups: int
) -> tuple[np.ndarray, np.ndarray]:
    """``items`` (sorted by ``group``) in a uniformly random order within each group, and each
    group's bounds in the result: taking the first ``n`` of a group is drawing ``n`` of its items
    without replacement."""
    keys = rng.random(len(items))
    order = np.lexsort((keys, group))
    bounds = np.concatenate([[0], np.cumsum(np.bincount(group, minlength=groups))])
    return items[order], bounds


def weighted_sample(rng: np.random.Generator, weights: np.ndarray, size: int) -> np.ndarray:
    """``size`` distinct positions drawn without replacement in proportion to ``weights``: the
    smallest keys ``E / w`` with ``E`` exponential (Efraimidis and Spirakis 2006), the law of
    ``rng.choice(..., replace=False, p=w / w.sum())``, in order of their keys (the order in which
    successive draws would pick them)."""
    keys = -np.log1p(-rng.random(len(weights))) / weights
    first = smallest(keys, size)
    return first[np.argsort(keys[first], kind="stable")]


SCREEN_STRIDE = 16
"""One key in this many is looked at to bound the ``size`` smallest before selecting them."""


def smallest(keys: np.ndarray, size: int) -> np.ndarray:
    """Positions of the ``size`` smallest of ``keys``, in no particular order.

    When few are wanted from many, a bound is read off every ``SCREEN_STRIDE``-th key (a rank
    with room to spare) and the selection runs on the keys under it alone; if fewer than ``size``
    keys are under the bound, on all of them. Either way the same positions (for distinct keys).
    """
    if size >= len(keys):
        return np.arange(len(keys))
    if size * 4 * SCREEN_STRIDE < len(keys):
        sample = keys[::SCREEN_STRIDE]
        rank = min(2 * size // SCREEN_STRIDE + 8, len(sample) - 1)
        under = np.flatnonzero(keys <= np.partition(sample, rank)[rank])
        if len(under) >= size:
            return under[np.argpartition(keys[under], size - 1)[:size]]
    return np.argpartition(keys, size - 1)[:size]


__all__ = [
    "shuffled_within",
    "smallest",
    "uniform_members",
    "weighted_members",
    "weighted_sample",
]
