"""The stall statistic: did a revenue series rise and then flatten, never take off, or keep growing?

An ecosystem *stalls* when it grows at first and then stops growing (the seed articles: partner
initiatives that "launch with enthusiasm and stall within 18 months"). A series that is flat from
the start has not stalled (it never took off, or it is a steady market), and one that keeps rising
is healthy. The statistic compares three windows of a monthly series ``x`` (month 1 first):

- ``start`` = mean of months 1-6, ``early`` = mean of months 13-24, ``late`` = mean of the last 12;
- ``rise`` = ``early / start - 1``: growth over the first year and a half (between the windows'
  centres, months 3.5 and 18.5);
- ``early_rate`` = ``(early - start) / 15`` and ``late_rate`` = ``(late - early) / gap`` per month,
  with ``gap`` the months between the centres of the early and late windows (``H - 24`` for a run
  of ``H`` months);
- ``late_growth_ratio`` = ``late_rate / early_rate`` (NaN unless ``early_rate > 0``).

Across many runs the ratios are poor estimates of the ecosystem's path: a run with no revenue in
months 1-6 has an infinite rise and one that did not grow early has no ratio at all (dropping it
selects the runs that grew). The validation therefore also keeps the two conditions in linear form,
finite for every run, whose means test the ratio of the mean series (a Fieller-type test of a ratio
of means against a threshold): ``rise_excess`` = ``early - (1 + RISE) start`` (mean >= 0: the mean
series rose by half) and ``pace_excess`` = ``late_rate - FLAT early_rate`` (mean <= 0: its late pace
is at most FLAT of its early pace). The second reads as a bound on the ratio only when the mean
early pace is positive, which the first implies; fact 7 needs both.

A run is **stalled** when it rose by half (``rise >= RISE``) and then its growth fell to at most ``FLAT``
of its early pace (``late_growth_ratio <= FLAT``); **growing** when it rose and kept at least that
pace, or took off late (``late >= (1 + RISE) * early``); **flat** otherwise. It needs at least
:data:`MIN_MONTHS` months.

The validation applies it to a vendor's partner-sourced revenue: the deals the ecosystem finds
itself, which is what grows or stalls when a channel is built (co-sold deals follow the direct
team's own deal flow).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

RISE = 0.5
"""Least growth from months 1-6 to months 13-24 for a series to count as having risen."""
FLAT = 1.0 / 3.0
"""Most late growth, as a share of the early pace, for a risen series to count as stalled."""
MIN_MONTHS = 36
"""Shortest series the statistic is defined for (the late window must lie after month 24)."""

StallClass = Literal["stalled", "growing", "flat"]


@dataclass(frozen=True)
class Stall:
    """The stall statistic of one series (see the module docstring)."""

    rise: float
    late_growth_ratio: float
    kind: StallClass
    rise_excess: float
    pace_excess: float

    @property
    def stalled(self) -> bool:
        return self.kind == "stalled"


def stall_statistic(x: np.ndarray) -> Stall | None:
    """The stall statistic of the monthly series ``x``; None if it is shorter than MIN_MONTHS."""
    x = np.asarray(x, dtype=float)
    months = len(x)
    if months < MIN_MONTHS:
        return None
    start, early, late = x[:6].mean(), x[12:24].mean(), x[-12:].mean()
    if start > 0:
        rise = early / start - 1.0
    else:
        rise = np.inf if early > 0 else 0.0
    early_rate = (early - start) / 15.0
    late_rate = (late - early) / (months - 24.0)
    ratio = late_rate / early_rate if early_rate > 0 else float("nan")
    if rise >= RISE:
        kind: StallClass = "stalled" if ratio <= FLAT else "growing"
    elif late >= (1.0 + RISE) * early and late > 0:
        kind = "growing"
    else:
        kind = "flat"
    return Stall(
        float(rise),
        float(ratio),
        kind,
        rise_excess=float(early - (1.0 + RISE) * start),
        pace_excess=float(late_rate - FLAT * early_rate),
    )


__all__ = ["FLAT", "MIN_MONTHS", "RISE", "Stall", "stall_statistic"]
