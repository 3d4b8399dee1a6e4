"""Direct estimates: scenario keys a deal history measures on its own, before any simulation.

Each is a closed-form estimator of a model parameter from the canonical frames
(:class:`sim.calibration.history.History`), documented in docs/calibration.md ("Direct estimates"):

- ``market.deal_size.median`` and ``.spread``: the model draws every deal's value from one
  lognormal, whatever its outcome or source (docs/model.md §7.3), so the maximum-likelihood fit of
  the closed deals' positive amounts estimates both (median ``exp(mean log a)``, spread the standard
  deviation of ``log a``).
- ``market.sales_cycle_months``: the mean months from creation to close of the closed deals created
  inside the *window*, from the first close date (so a deal created earlier is not there only
  because it ran long) to :data:`CENSOR_CYCLES` mean cycles before the last date (so few deals of
  that cohort are still open: the gamma time to close exceeds 3 means with probability 0.2%).
- ``market.sales_cycle_shape``: the gamma shape of the same cohort's months to close by moments,
  ``mean**2 / (variance - step**2 / 4)``: the model rounds close times to whole steps (variance
  ``step**2 / 12``) and a simulated log dates each event uniformly within its step (twice
  ``step**2 / 12`` for a cycle), so the runs reproduce the history's spread rather than exceed it.
- ``partners.count``: the partners enrolled at the window's start (``partners.csv``), as the firms of
  a market in which each carries ``vendors_per_partner`` of the ``vendors``: count x K / V lines per
  vendor on average (§5.2), so count = enrolled x V / K. Without ``partners.csv`` there is none.
- ``time.horizon_months``: the calendar months from the window's start to the last date, both
  included (a history from 15 January to 20 December is 12 months; a simulated log dates a whole
  monthly step on its month's first day, so counting days would miss its last month).

Parameters that the history only measures through the whole model (demand, win rates, partner
economics) are left to the fit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.calibration.history import History
from sim.experiments.deal_files import DAYS_PER_MONTH

CENSOR_CYCLES = 3.0
"""Deals created within this many mean cycles of the history's end do not enter the cycle estimate."""
MIN_DEALS = 30
"""Fewest deals an estimate rests on; with fewer, the key is left to the scenario."""
SHAPE_RANGE = (0.5, 100.0)
"""The gamma shapes ``market.sales_cycle_shape`` takes; an estimate beyond is set to the bound."""


@dataclass(frozen=True)
class Estimate:
    """One scenario key measured from the history.

    Attributes:
        path: the key path (``market.deal_size.median``).
        value: the estimate, in the key's unit.
        n: observations it rests on.
        how: one line on what was measured.
    """

    path: str
    value: float
    n: int
    how: str


@dataclass(frozen=True)
class Window:
    """The span of a history the estimates use: ``start`` (the first close date, or the first
    creation when nothing has closed) to ``end`` (the last date in the files)."""

    start: pd.Timestamp
    end: pd.Timestamp

    @property
    def calendar_months(self) -> int:
        """Calendar months touched, the start's month to the end's, both included."""
        return int((self.end.to_period("M") - self.start.to_period("M")).n) + 1


def history_window(history: History) -> Window:
    """The window of :class:`Window` for ``history``."""
    deals = history.deals
    closed = deals["closed"].dropna()
    start = closed.min() if len(closed) else deals["created"].min()
    stamps = [deals["created"], deals["closed"]]
    if history.partners is not None:
        stamps += [history.partners["joined"], history.partners["left"]]
    return Window(pd.Timestamp(start), pd.Timestamp(pd.concat(stamps).max()))


def direct_estimates(
    history: History, vendors: int, vendors_per_partner: int, step_months: float = 1.0
) -> list[Estimate]:
    """The estimates of the module docstring that the history supports (at least
    :data:`MIN_DEALS` deals, or enrolled partners for ``partners.count``); ``step_months`` is the
    step of the scenario they are for."""
    window = history_window(history)
    deals = history.deals
    closed = deals[deals["outcome"].isin(["won", "lost"])]
    out: list[Estimate] = []
    amounts = closed["amount"].to_numpy(dtype=float)
    logs = np.log(amounts[amounts > 0])
    if len(logs) >= MIN_DEALS:
        how = "lognormal fit of the closed deals' amounts (won and lost)"
        out.append(Estimate("market.deal_size.median", float(np.exp(logs.mean())), len(logs), how))
        out.append(Estimate("market.deal_size.spread", float(logs.std(ddof=1)), len(logs), how))
    out += _cycle_months(closed, window, step_months)
    if history.partners is not None:
        p = history.partners
        enrolled = int(((p["joined"] <= window.start) & ~(p["left"] <= window.start)).sum())
        if enrolled:
            count = enrolled * vendors / vendors_per_partner
            how = f"partners enrolled at the start x {vendors} vendors / {vendors_per_partner} per partner"
            out.append(Estimate("partners.count", float(round(count)), enrolled, how))
    out.append(
        Estimate("time.horizon_months", float(window.calendar_months), len(deals),
                 "calendar months from the first close to the last date, both included")
    )  # fmt: skip
    return out


def _cycle_months(closed: pd.DataFrame, window: Window, step: float) -> list[Estimate]:
    """The cycle's mean and gamma shape from the cohort of the module docstring (none: too few)."""
    months = (closed["closed"] - closed["created"]).dt.days / DAYS_PER_MONTH
    after_start = closed["created"] >= window.start
    cycle = months[after_start].mean()
    for _ in range(3):  # the cohort's cut-off depends on the cycle it estimates
        if not np.isfinite(cycle):
            return []
        cutoff = window.end - pd.Timedelta(days=CENSOR_CYCLES * cycle * DAYS_PER_MONTH)
        cohort = months[after_start & (closed["created"] <= cutoff)]
        if len(cohort) < MIN_DEALS:
            return []
        cycle = cohort.mean()
    how = (
        f"mean months from creation to close, deals created from the first close to "
        f"{CENSOR_CYCLES:g} cycles before the end"
    )
    out = [Estimate("market.sales_cycle_months", float(cycle), len(cohort), how)]
    spread = cohort.var(ddof=1) - step**2 / 4
    if spread > 0:
        shape = float(np.clip(cycle**2 / spread, *SHAPE_RANGE))
        how = f"moments of the same deals' months to close (less a {step:g}-month step's rounding)"
        out.append(Estimate("market.sales_cycle_shape", shape, len(cohort), how))
    return out


__all__ = [
    "CENSOR_CYCLES",
    "MIN_DEALS",
    "SHAPE_RANGE",
    "Estimate",
    "Window",
    "direct_estimates",
    "history_window",
]
