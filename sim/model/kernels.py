"""Compiled loops for passes over every link of a large population.

At tens of thousands of links and more, a numpy expression over the link arrays is memory
traffic: each operation reads and writes a whole temporary, so an expression of a dozen
operations crosses memory a dozen times. The functions here make such a pass once, in a loop
compiled by numba (docs/performance.md, "Compiled passes").

Each pass is defined by its numpy form where the model uses it (small populations run that form);
the compiled form here gives the same numbers bit for bit: the same IEEE operations (+, -, *, /
and comparisons only, no exp, log or power, whose compiled and numpy versions may differ in the
last bit) in the same order, and sums accumulated in the same sequence. ``tests/test_kernels.py``
checks each pair.

numba is imported on the first compiled call only (it takes about 0.4 s to import), so a process
that never sees a large population never pays for it; compiled code is cached next to this file.
Set ``SIM_KERNELS=numpy`` to run every pass in its numpy form (to compare, or to debug).
"""

from __future__ import annotations

import functools
import importlib.util
import os
from collections.abc import Callable
from typing import Any

import numpy as np

COMPILED_FROM = 100_000
"""Items (links) from which a pass runs compiled. Below it numpy's per-call cost is what a pass
costs and the arrays fit in cache, so the compiled form gains little and is not worth importing
numba for (docs/performance.md)."""


def compiled_for(items: int) -> bool:
    """Whether a pass over ``items`` runs compiled (never without numba: then numpy's form)."""
    return (
        items >= COMPILED_FROM
        and os.environ.get("SIM_KERNELS", "") != "numpy"
        and _numba_installed()
    )


@functools.cache
def _numba_installed() -> bool:
    return importlib.util.find_spec("numba") is not None  # finds it without importing it


class _Lazy:
    """A function compiled by numba on its first call."""

    def __init__(self, python: Callable[..., Any]) -> None:
        self.python = python
        self._compiled: Callable[..., Any] | None = None
        self.__doc__ = python.__doc__

    def __call__(self, *args: Any) -> Any:
        if self._compiled is None:
            import numba

            try:
                self._compiled = numba.njit(cache=True, nogil=True)(self.python)
            except RuntimeError:  # nowhere to cache (a read-only install): compile every process
                self._compiled = numba.njit(nogil=True)(self.python)
        return self._compiled(*args)


def compiled(python: Callable[..., Any]) -> Callable[..., Any]:
    """``python`` compiled by numba on its first call and cached next to its module (for compiled
    loops outside the model, e.g. :mod:`analysis.delta_index`)."""
    return _Lazy(python)


# ----------------------------------------------------------------------------- the passes
@_Lazy
def vendor_cumulative(vendor, weights, vendors):  # pragma: no cover - compiled
    """:func:`sim.model.sampling.weighted_members`' grouped cumulative sum: the items of positive
    weight grouped by vendor (ascending within each), each vendor's count, and the running sum of
    each weight over its vendor's total, in that order."""
    # Each vendor's total, summed in ascending item order (as bincount over the grouped items).
    total = np.zeros(vendors)
    counts = np.zeros(vendors, dtype=np.int64)
    for j in range(len(weights)):
        if weights[j] > 0:
            total[vendor[j]] += weights[j]
            counts[vendor[j]] += 1
    # The normalised weights scattered to their grouped position: one write stream per vendor,
    # where gathering them in grouped order would read the whole array once per vendor.
    following = np.empty(vendors, dtype=np.int64)
    size = 0
    for v in range(vendors):
        following[v] = size
        size += counts[v]
    order = np.empty(size, dtype=np.int64)
    cumulative = np.empty(size)
    for j in range(len(weights)):
        if weights[j] > 0:
            v = vendor[j]
            k = following[v]
            order[k] = j
            cumulative[k] = weights[j] / total[v]
            following[v] = k + 1
    running = 0.0
    for k in range(size):
        running += cumulative[k]
        cumulative[k] = running
    return order, counts, cumulative


@_Lazy
def link_weights(
    capacity, shares, capability, joined, first_win, active, floor, month, months, boost
):  # pragma: no cover - compiled
    """:func:`sim.model.market.link_weights` in one pass over the links."""
    rows, slots = active.shape
    out = np.zeros((rows, slots))
    for p in range(rows):
        for s in range(slots):
            if active[p, s]:
                reach = floor + (1.0 - floor) * capability[p, s]
                if month - joined[p, s] < months and np.isnan(first_win[p, s]):
                    reach = reach * boost
                out[p, s] = capacity[p] * shares[p, s] * reach
    return out


@_Lazy
def link_demand(link_w, vendor, coverage, demand):  # pragma: no cover - compiled
    """:func:`sim.model.market.source_opportunities`' expected opportunities of each link (flat):
    its share of its vendor's coverage (0 where the vendor has none) times the vendor's demand."""
    rows, slots = link_w.shape
    out = np.zeros(rows * slots)
    for p in range(rows):
        for s in range(slots):
            v = vendor[p, s]
            share = link_w[p, s] / coverage[v] if coverage[v] > 0 else 0.0
            out[p * slots + s] = share * demand[v]
    return out


@_Lazy
def line_profit(
    rows,
    vendor,
    shares,
    capacity,
    win_rate,
    mdf,
    ease,
    margin,
    rebate,
    spiff,
    services,
    effort,
    mean_deal,
    full_exposure,
):  # pragma: no cover - compiled
    """:func:`sim.model.outlook.attention_inputs`' expected profit per deal of the lines of
    partners ``rows`` under the plain programme (no kinds, tiers, back-end rebates, subscriptions
    or campaigns): margin, rebate, services and spiff at the learned win rate, scaled by how
    easily the vendor sells, less the effort, plus the MDF the line can claim."""
    slots = vendor.shape[1]
    out = np.empty((len(rows), slots))
    for i in range(len(rows)):
        p = rows[i]
        for s in range(slots):
            v = vendor[p, s]
            claimable = shares[p, s] / full_exposure
            if claimable > 1.0:
                claimable = 1.0
            mdf_per_deal = mdf[v] * claimable / capacity[p] / mean_deal
            per_value = margin[v] + rebate[v] + services
            win = win_rate[p, s]
            out[i, s] = (
                ease[v] * (win * per_value + win * spiff[v] / mean_deal - effort) + mdf_per_deal
            )
    return out


@_Lazy
def trailing_rate(rate, amount, joined, month, dt, settled):  # pragma: no cover - compiled
    """:func:`sim.model.partnerships.learn_profit`'s trailing average, in place: ``rate`` moves
    toward ``amount / dt`` by ``min(fmax(settled, dt / (age + dt)), 1)``."""
    rows, slots = rate.shape
    for p in range(rows):
        for s in range(slots):
            young = dt / ((month - joined[p, s]) + dt)
            memory = settled if np.isnan(young) or young < settled else young
            if memory > 1.0:
                memory = 1.0
            rate[p, s] = rate[p, s] + memory * (amount[p, s] / dt - rate[p, s])


@_Lazy
def make_room(shares, rows, slots, share):  # pragma: no cover - compiled
    """:func:`sim.model.partnerships.sign_lines`' last step, in place: rows ``rows`` of ``shares``
    scaled by ``1 - share`` and ``share`` put in ``slots``."""
    for i in range(len(rows)):
        keep = 1.0 - share[i]
        for j in range(shares.shape[1]):
            shares[rows[i], j] = shares[rows[i], j] * keep
        shares[rows[i], slots[i]] = share[i]


@_Lazy
def vendor_totals(
    vendor, active, capacity, shares, trust, capability, months_since_win, recent_months, vendors
):  # pragma: no cover - compiled
    """:func:`sim.model.metrics.record_step`'s sums by vendor, in one pass in link order (the
    order bincount adds in): capacity x attention over every link; over active links their
    count, trust and capability; and the active links with a win in the last ``recent_months``
    (a comparison with ``<``)."""
    effort = np.zeros(vendors)
    links = np.zeros(vendors, dtype=np.int64)
    trust_sum = np.zeros(vendors)
    capability_sum = np.zeros(vendors)
    recent = np.zeros(vendors, dtype=np.int64)
    rows, slots = active.shape
    for p in range(rows):
        for s in range(slots):
            v = vendor[p, s]
            effort[v] += capacity[p] * shares[p, s]
            if active[p, s]:
                links[v] += 1
                trust_sum[v] += trust[p, s]
                capability_sum[v] += capability[p, s]
                if months_since_win[p, s] < recent_months:
                    recent[v] += 1
    return effort, links, trust_sum, capability_sum, recent


__all__ = [
    "COMPILED_FROM",
    "compiled",
    "compiled_for",
    "link_demand",
    "line_profit",
    "link_weights",
    "make_room",
    "trailing_rate",
    "vendor_cumulative",
    "vendor_totals",
]
