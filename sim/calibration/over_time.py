"""A history over time, and the held-out check: monthly series on a common month axis, and a history
cut short at a date (the bands of the runs are :mod:`sim.calibration.predictive`).

Month 0 of a history is the month of its window's start (the first close, :func:`history_window`),
so a vendor's export and a simulated deal log line up month by month whatever their calendar dates.
The held-out check (``sim calibrate --holdout-months N``) fits on the history as it stood on the
first day of its last N calendar months (:func:`cut_date`, :func:`cut_short`: later deals unseen,
deals open at the cut still open, partners that left later still enrolled) and compares those N
months with what the fitted runs predict.
Every function applies to a history and to a run's deal log alike.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.calibration.estimates import history_window
from sim.calibration.history import History
from sim.calibration.statistics import monthly_table

SERIES: tuple[tuple[str, str], ...] = (
    ("won_value", "partner"),
    ("won_value", "vendor"),
    ("opportunities", "partner"),
    ("opportunities", "vendor"),
)
"""The monthly series compared over time: (measure, source) of ``HistoryStatistics.monthly``."""


def cut_date(history: History, holdout_months: int, months: int | None = None) -> pd.Timestamp:
    """The first day of the last ``holdout_months`` of the ``months`` calendar months from the
    window's first (default: the history's own, :func:`months_in`). A run is cut with the
    history's ``months``, counted from its own first month like every series, so a run whose last
    step spills into one more calendar month (a weekly step) is cut where the history is."""
    months = months_in(history) if months is None else months
    start = history_window(history).start.to_period("M")
    return (start + (months - holdout_months)).start_time


def cut_short(history: History, cut: pd.Timestamp) -> History:
    """``history`` as it stood at ``cut``: deals created before it, those closed at or after it still
    open; partners that joined before it, those that left at or after it still enrolled. The
    program changes are kept (a vendor knows its own plans)."""
    deals = history.deals[history.deals["created"] < cut].copy()
    later = deals["closed"] >= cut
    deals.loc[later, "closed"] = pd.NaT
    deals.loc[later, "outcome"] = "open"
    partners = history.partners
    if partners is not None:
        partners = partners[partners["joined"] < cut].copy()
        partners.loc[partners["left"] >= cut, "left"] = pd.NaT
    return History(deals.reset_index(drop=True), partners, history.program, history.dropped)


def months_in(history: History) -> int:
    """Calendar months of ``history``'s window, its start's month to its end's, both included."""
    return history_window(history).calendar_months


def series(history: History, months: int) -> np.ndarray:
    """``(len(SERIES), months)``: each series of :data:`SERIES` in month 0 .. ``months - 1`` of the
    history's window (0 where the history has nothing that month)."""
    monthly = monthly_table(history.deals)
    out = np.zeros((len(SERIES), months))
    if monthly.empty:  # no deals: no window either
        return out
    start = history_window(history).start.to_period("M")
    offset = (pd.PeriodIndex(monthly["month"], freq="M") - start).map(lambda d: d.n).to_numpy()
    keep = (offset >= 0) & (offset < months)
    for i, (measure, source) in enumerate(SERIES):
        rows = keep & (monthly["source"] == source).to_numpy()
        out[i, offset[rows]] = monthly[measure].to_numpy(dtype=float)[rows]
    return out


def month_labels(history: History, months: int) -> list[str]:
    """``YYYY-MM`` of month 0 .. ``months - 1`` of ``history``'s window."""
    start = history_window(history).start.to_period("M")
    return [str(start + i) for i in range(months)]


__all__ = [
    "SERIES",
    "cut_date",
    "cut_short",
    "month_labels",
    "months_in",
    "series",
]
