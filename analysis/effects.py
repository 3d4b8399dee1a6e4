"""Per-run outcome measures and paired variant effects, from a result folder's time series.

Variants share replicate seeds (common random numbers), so replicate ``r`` of one variant and of
another form a pair; the difference of a pair removes most of the replicate-to-replicate noise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MEASURES: dict[str, str] = {
    "channel_after_24": "channel revenue after month 24",
    "total_last_12": "channel + direct revenue, last 12 months",
    "trust": "final mean trust",
    "attention": "final attention share",
    "conflicts": "conflicts, whole run",
}
"""Measure name -> label; the columns of :func:`run_measures`."""

RUN_KEYS = ["variant", "replicate", "vendor"]


def run_measures(timeseries: pd.DataFrame) -> pd.DataFrame:
    """One row per variant, replicate and vendor with the :data:`MEASURES` as columns."""
    ts = timeseries
    late = ts[ts.month > 24]
    out = late.groupby(RUN_KEYS).channel_revenue.sum().rename("channel_after_24").to_frame()
    last = ts[ts.month > ts.month.max() - 12]
    out["total_last_12"] = (
        (last.channel_revenue + last.direct_revenue)
        .groupby([last.variant, last.replicate, last.vendor])
        .sum()
    )
    final = ts[ts.step == ts.step.max()].set_index(RUN_KEYS)
    out["trust"] = final.mean_trust
    out["attention"] = final.attention_share
    out["conflicts"] = ts.groupby(RUN_KEYS).conflicts.sum()
    return out.reset_index()


def paired_differences(
    values: pd.DataFrame, variant: str, reference: str, measure: str, vendor: str
) -> np.ndarray:
    """``variant - reference`` of ``measure`` for ``vendor``, one entry per replicate pair."""
    mine = values[values.vendor == vendor].set_index(["variant", "replicate"])[measure]
    return (mine.loc[variant] - mine.loc[reference]).to_numpy()


def comparisons(variants: list[str]) -> list[tuple[str, str]]:
    """Each variant against ``base``, and each non-base variant against the one listed before it."""
    others = [v for v in variants if v != "base"]
    return [(v, "base") for v in others] + list(zip(others[1:], others[:-1], strict=True))


def paired_effects(values: pd.DataFrame) -> list[dict]:
    """Per comparison, vendor and measure: means, the mean and 5-95% range of the paired
    differences, and the share of pairs with a positive difference."""
    rows = []
    for variant, reference in comparisons(list(values.variant.unique())):
        for vendor in values.vendor.unique():
            for measure in MEASURES:
                diff = paired_differences(values, variant, reference, measure, vendor)
                ref_mean = values[(values.variant == reference) & (values.vendor == vendor)][
                    measure
                ].mean()
                rows.append(
                    {
                        "variant": variant,
                        "reference": reference,
                        "vendor": vendor,
                        "measure": measure,
                        "base_mean": float(ref_mean),
                        "variant_mean": float(ref_mean + diff.mean()),
                        "diff_mean": float(diff.mean()),
                        "diff_p5": float(np.percentile(diff, 5)),
                        "diff_p95": float(np.percentile(diff, 95)),
                        "relative": float(diff.mean() / ref_mean) if ref_mean else float("nan"),
                        "share_positive": float(np.mean(diff > 0)),
                        "pairs": int(diff.size),
                    }
                )
    return rows


__all__ = ["MEASURES", "comparisons", "paired_differences", "paired_effects", "run_measures"]
