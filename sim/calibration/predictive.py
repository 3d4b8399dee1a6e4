"""The posterior predictive: the reference runs weighted by the posterior (all alike without one),
against the history, for each summary statistic, for each monthly series month by month, and for
the held-out months' totals (docs/calibration.md, "What the fit writes").
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.calibration.abc import Posterior, weighted_quantile
from sim.calibration.over_time import SERIES

BAND_LEVELS = (0.05, 0.25, 0.5, 0.75, 0.95)
"""Quantiles of the band over time (the 50% and 90% bands and the median)."""


def run_weights(table: pd.DataFrame, post: Posterior | None) -> np.ndarray:
    """The posterior weight of each reference run (all equal without a posterior)."""
    if post is None:
        return np.ones(len(table)) / len(table)
    return post.samples["weight"].to_numpy()


def statistics_predictive(
    table: pd.DataFrame, observed: dict[str, float], stats: Sequence[str], weights: np.ndarray
) -> pd.DataFrame:
    """Each statistic: observed, and the 5/50/95% of the reference runs with ``weights``: the
    posterior predictive, as far as the table reaches."""
    rows = []
    for name in stats:
        values = table[name].to_numpy(dtype=float)
        q = [weighted_quantile(values, weights, p) for p in (0.05, 0.5, 0.95)]
        inside = bool(q[0] <= observed[name] <= q[2])
        rows.append({"statistic": name, "observed": observed[name], "p5": q[0], "p50": q[1],
                     "p95": q[2], "inside_90": inside})  # fmt: skip
    return pd.DataFrame(rows)


def predictive_over_time(
    runs: np.ndarray,
    weights: np.ndarray,
    observed: np.ndarray,
    labels: Sequence[str],
    held_out_from: int | None = None,
) -> pd.DataFrame:
    """One row per series and month: ``month`` (0..), ``date``, ``measure``, ``source``,
    ``observed``, the weighted quantiles ``p5`` .. ``p95`` of the runs' value that month,
    ``held_out`` (the month is after the cut) and ``inside_90``.

    Args:
        runs: ``(n_runs, len(SERIES), months)`` the reference runs' series.
        weights: ``(n_runs,)`` posterior weights (summing to 1).
        observed: ``(len(SERIES), months)`` the history's series.
        labels: the months' ``YYYY-MM``.
        held_out_from: the first held-out month, or None without a held-out check.
    """
    rows = []
    for i, (measure, source) in enumerate(SERIES):
        for m, date in enumerate(labels):
            q = [weighted_quantile(runs[:, i, m], weights, p) for p in BAND_LEVELS]
            value = float(observed[i, m])
            rows.append({
                "month": m, "date": date, "measure": measure, "source": source, "observed": value,
                **{f"p{round(p * 100)}": v for p, v in zip(BAND_LEVELS, q, strict=True)},
                "held_out": held_out_from is not None and m >= held_out_from,
                "inside_90": bool(q[0] <= value <= q[-1]),
            })  # fmt: skip
    return pd.DataFrame(rows)


def holdout_totals(
    runs: np.ndarray, weights: np.ndarray, observed: np.ndarray, over_time: pd.DataFrame
) -> pd.DataFrame:
    """Each series summed over the held-out months of ``over_time`` (:func:`predictive_over_time`):
    ``observed`` and the weighted ``p5``, ``p50``, ``p95`` of the runs' sums, ``inside_90``, and
    ``months_inside_90``, the share of the held-out months whose value is in that month's band."""
    held = over_time[over_time["held_out"]]
    months = np.sort(held["month"].unique())
    rows = []
    for i, (measure, source) in enumerate(SERIES):
        total = runs[:, i, months].sum(axis=1)
        value = float(observed[i, months].sum())
        q = [weighted_quantile(total, weights, p) for p in (0.05, 0.5, 0.95)]
        mine = held[(held["measure"] == measure) & (held["source"] == source)]
        rows.append({"measure": measure, "source": source, "months": len(months),
                     "observed": value, "p5": q[0], "p50": q[1], "p95": q[2],
                     "inside_90": bool(q[0] <= value <= q[2]),
                     "months_inside_90": float(mine["inside_90"].mean())})  # fmt: skip
    return pd.DataFrame(rows)


__all__ = [
    "BAND_LEVELS",
    "holdout_totals",
    "predictive_over_time",
    "run_weights",
    "statistics_predictive",
]
