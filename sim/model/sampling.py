"""Draws of items grouped by vendor, made for all vendors in one call each.

A step picks, for every new deal, a rep or a partner link of the deal's vendor; for every vendor
that recruits, firms to court. Drawn vendor by vendor, each pick is a handful of numpy calls on a
few items, so a step with many vendors is bound by call overhead, not arithmetic. These functions
make each kind of pick in a fixed number of calls whatever the number of vendors, from the run's
generator, with the same law as the vendor-by-vendor draws they replace.
"""

from __future__ import annotations

import numpy as np

from sim.model import kernels
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
    if kernels.compiled_for(len(weights)):
        order, counts, cumulative = kernels.vendor_cumulative(
            groups.vendor, weights, groups.vendors
        )
    else:
        positive = weights[groups.order] > 0
        order, owner = groups.order[positive], groups.owner[positive]
        counts = np.bincount(owner, minlength=groups.vendors)
        total = np.bincount(owner, weights[order], minlength=groups.vendors)
        cumulative = np.cumsum(weights[order] / total[owner])
    bounds = np.concatenate([[0], np.cumsum(counts)])
    has = counts[wanted] > 0
    v = wanted[has]
    start, end = bounds[v], bounds[v + 1]
    base = np.where(start > 0, cumulative[np.maximum(start - 1, 0)], 0.0)
    draws = base + rng.random(len(v)) * (cumulative[end - 1] - base)
    position = np.searchsorted(cumulative, draws, side="right")
    out[has] = order[np.clip(position, start, end - 1)]
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
    successive draws would pick them).

    When few are drawn from many (at least ``SCREEN_FROM``), a bound on the ``size`` smallest
    keys is read off every ``SCREEN_STRIDE``-th one (a rank with room to spare), and only the
    keys that can be under it are computed: ``E = -log(1 - u) >= u``, so ``E / w <= bound``
    needs ``u <= bound * w``, a test without a logarithm. If fewer than ``size`` keys are under
    the bound, all keys are computed. Either way the same positions (for distinct keys) from the
    same draws.
    """
    uniforms = rng.random(len(weights))
    first, keys = _smallest_keys(uniforms, weights, size)
    return first[np.argsort(keys, kind="stable")]


SCREEN_STRIDE = 16
"""One key in this many is computed first, to bound the ``size`` smallest (:func:`weighted_sample`)."""
SCREEN_FROM = 2048
"""Fewer keys than this are all computed: below it, the screen's dozen numpy calls cost more than
the logarithms they save (about 25 us against 11-19 us for 300-1,000 keys on this project's
2-core machine); the positions are the same either way."""


def _keys(uniforms: np.ndarray, weights: np.ndarray) -> np.ndarray:
    return -np.log1p(-uniforms) / weights


def _smallest_keys(
    uniforms: np.ndarray, weights: np.ndarray, size: int
) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the ``size`` smallest keys (in no particular order) and their keys."""
    n = len(uniforms)
    if n >= SCREEN_FROM and size * 4 * SCREEN_STRIDE < n:
        sample = _keys(uniforms[::SCREEN_STRIDE], weights[::SCREEN_STRIDE])
        rank = min(2 * size // SCREEN_STRIDE + 8, len(sample) - 1)
        bound = np.partition(sample, rank)[rank]
        # the margin keeps every key that rounds under the bound (the exact test follows)
        maybe = np.flatnonzero(uniforms <= (bound * (1.0 + 1e-9)) * weights)
        keys = _keys(uniforms[maybe], weights[maybe])
        inside = keys <= bound
        if np.count_nonzero(inside) >= size:
            under, keys = maybe[inside], keys[inside]
            first = np.argpartition(keys, size - 1)[:size]
            return under[first], keys[first]
    keys = _keys(uniforms, weights)
    first = np.argpartition(keys, size - 1)[:size] if size < n else np.arange(n)
    return first, keys[first]


__all__ = [
    "shuffled_within",
    "uniform_members",
    "weighted_members",
    "weighted_sample",
]
