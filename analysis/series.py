"""A comparison's values over time: fan charts (mean and 5-95% of replicates per month) and
differences from the reference per month with their 90% intervals.

Flows are shown per month, so weekly and monthly runs read alike. Under ``smooth="quarter"`` (the
default of the plots) each run's flow is first replaced by its trailing 3-month rolling mean, so a
month-to-month jitter of revenue does not hide the trend; differences of rolling means are rolling
means of differences, so the intervals stay paired. Levels (trust, shares) are never smoothed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.compare import Comparison
from analysis.intervals import t_quantile
from analysis.metric_catalog import metric_info

SMOOTHING = {"quarter": 3, "month": 1}
"""``--smooth`` choice -> months of the trailing rolling mean of flows."""


def smoothed(metric: str, smooth: str) -> bool:
    """Whether ``metric`` is drawn as a rolling mean under ``smooth`` (flows only: levels such as
    trust are not noisy month to month)."""
    return SMOOTHING[smooth] > 1 and metric_info(metric).kind == "flow"


def per_month(comp: Comparison, metric: str, smooth: str = "month") -> pd.DataFrame:
    """One value per arm, seed, vendor and month: flows per month (``quarter``: the trailing
    3-month rolling mean of each run, shorter in the first months), levels as they are."""
    ts = comp.timeseries.sort_values("month", kind="stable")  # each run in time order
    value = ts[metric].astype(float)
    if metric_info(metric).kind == "flow":
        value = value / ts["arm"].map(comp.step_months).astype(float)
    out = ts[["arm", "seed", "vendor", "month"]].assign(value=value)
    if smoothed(metric, smooth):
        for arm, months in comp.step_months.items():
            mine = out["arm"] == arm
            window = max(1, round(SMOOTHING[smooth] / months))
            rolling = (
                out[mine]
                .groupby(["seed", "vendor"], sort=False)["value"]
                .transform(lambda x, w=window: x.rolling(w, min_periods=1).mean())
            )
            out.loc[mine, "value"] = rolling
    return out


def fan_table(comp: Comparison, metric: str, smooth: str = "month") -> pd.DataFrame:
    """Mean and 5-95% of replicates per arm, vendor and month (flows per month, rolling under
    ``smooth``)."""
    grouped = per_month(comp, metric, smooth).groupby(["arm", "vendor", "month"], sort=False)[
        "value"
    ]
    table = grouped.mean().rename("mean").to_frame()
    table["low"] = grouped.quantile(0.05)
    table["high"] = grouped.quantile(0.95)
    return table.reset_index()


def difference_table(comp: Comparison, metric: str, smooth: str = "month") -> pd.DataFrame:
    """Per compared arm, vendor and month: mean difference from the reference arm with its 90%
    interval (paired on shared seeds, else Welch); flows per month, rolling under ``smooth``."""
    wide = per_month(comp, metric, smooth).pivot_table(
        index=["arm", "vendor", "month"], columns="seed", values="value", aggfunc="first"
    )
    columns = ["arm", "reference", "vendor", "month", "mean", "low", "high", "method"]
    frames = []
    for arm, ref in comp.reference.items():
        for vendor in comp.vendors:
            try:
                mine, theirs = wide.loc[(arm, vendor)], wide.loc[(ref, vendor)]
            except KeyError:
                continue
            months = mine.index.intersection(theirs.index)
            mine, theirs = mine.loc[months], theirs.loc[months]
            mine, theirs = mine.dropna(axis=1, how="all"), theirs.dropna(axis=1, how="all")
            shared = mine.columns.intersection(theirs.columns)
            if len(shared) >= 2:
                part = _paired_rows(mine[shared].to_numpy() - theirs[shared].to_numpy())
            else:
                part = _welch_rows(mine.to_numpy(), theirs.to_numpy())
            part = part.assign(arm=arm, reference=ref, vendor=vendor, month=months.to_numpy())
            frames.append(part)
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


def _paired_rows(diff: np.ndarray) -> pd.DataFrame:
    """Row-wise paired t-intervals of a (months x pairs) matrix of differences."""
    n = np.sum(~np.isnan(diff), axis=1)
    mean = np.nanmean(diff, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        half = t_quantile(n - 1) * np.nanstd(diff, axis=1, ddof=1) / np.sqrt(n)
    return pd.DataFrame(
        {"mean": mean, "low": mean - half, "high": mean + half, "method": "paired t"}
    )


def _welch_rows(a: np.ndarray, b: np.ndarray) -> pd.DataFrame:
    """Row-wise Welch t-intervals of ``mean(a) - mean(b)`` for (months x replicates) matrices."""
    na, nb = np.sum(~np.isnan(a), axis=1), np.sum(~np.isnan(b), axis=1)
    mean = np.nanmean(a, axis=1) - np.nanmean(b, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        va, vb = np.nanvar(a, axis=1, ddof=1) / na, np.nanvar(b, axis=1, ddof=1) / nb
        df = (va + vb) ** 2 / (va**2 / (na - 1) + vb**2 / (nb - 1))
        half = t_quantile(df) * np.sqrt(va + vb)
    half = np.where((va + vb) == 0, 0.0, half)
    return pd.DataFrame(
        {"mean": mean, "low": mean - half, "high": mean + half, "method": "Welch t"}
    )


__all__ = ["SMOOTHING", "difference_table", "fan_table", "per_month", "smoothed"]
