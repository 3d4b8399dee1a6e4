"""Per-run measures the stylized-fact checks read (:mod:`sim.validation.facts`), from one run's output.

Each measure is one number per run and vendor: revenue over a window, a final level, the month
channel revenue reaches its plateau (fact 7), the share of productive partners (fact 5) or the
number of accounting identities a run breaks (fact 8).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from sim.model.metrics import RunOutput
from sim.validation.stall import stall_statistic

PLATEAU_SHARE = 0.9
"""Time to plateau: the 6-month mean of channel revenue reaches this share of the final level."""
PLATEAU_WINDOW = 6
"""Months in the rolling mean whose rise to the final level marks the plateau."""
FINAL_WINDOW = 12
"""Months at the end of a run whose mean is the final level of channel revenue."""

MEASURE_LABELS: dict[str, str] = {
    "channel_after_24": "channel revenue after month 24",
    "channel_total": "channel revenue, whole run",
    "total_last_12": "channel + direct revenue, last 12 months",
    "trust": "final mean trust",
    "attention": "final attention share",
    "attention_ratio": "final attention share / lowest rival's",
    "conflicts": "conflicts, whole run",
    "capability": "final mean capability",
    "channel_13_18": "channel revenue, months 13-18",
    "channel_37_48": "channel revenue, months 37-48",
    "productive_share": "share of linked partners that won in the last 12 months",
    "top_decile_share": "share of channel revenue from the top 10% of partners",
    "plateau_month": "month channel revenue reaches its plateau",
    "accounting_violations": "accounting identities broken",
    "late_growth_ratio": "late growth of partner-sourced revenue / its early pace",
    "stall_rise_excess": "partner-sourced revenue per month, months 13-24 minus 1.5 x months 1-6",
    "late_pace_excess": "late growth of partner-sourced revenue per month minus 1/3 of its early "
    "pace",
    "stalled": "partner-sourced revenue rose, then flattened (1) or not (0)",
    "channel_first_12": "channel revenue, months 1-12",
    "channel_last_12": "channel revenue, last 12 months",
    "channel_13_36": "channel revenue, months 13-36",
    "trust_drift_per_year": "change of mean trust per year",
    "productive_partners": "linked partners that won in the last 12 months",
    "partners": "linked partners at the end",
    "exit_rate": "partner lines that left per year / mean linked lines",
    "exits_1_12": "partner lines that left, months 1-12",
    "exits_13_24": "partner lines that left, months 13-24",
    "win_rate": "won / closed deals",
    "net_revenue": "vendor net revenue, whole run",
    "partner_sourced_share": "partner-sourced revenue / total revenue",
    "rep_utilization": "mean rep utilization (open deals / capacity)",
    "contested_share": "contested / partner-sourced deals",
    "recruit_months_to_first_win": "median months to a recruit's first win (those that won)",
    "recruit_no_win_first_year": "share of recruits with no win in their first year",
    "attention_first": "attention share, first month",
}
"""Measure name -> label; the columns :func:`run_measures` returns besides ``vendor``."""


def plateau_month(channel: np.ndarray) -> float:
    """Month at which channel revenue reaches its plateau (its growth has flattened).

    ``channel`` is revenue per month (month 1 first). The final level ``F`` is the mean of the last
    :data:`FINAL_WINDOW` months; the plateau month is the first month ``t`` whose trailing
    :data:`PLATEAU_WINDOW`-month mean reaches :data:`PLATEAU_SHARE` of ``F``. An ecosystem that
    grows until the end reaches it only near the end (about month 41 of 48 for linear growth); one
    that has stopped growing reaches it early. NaN if the run is too short or sells nothing.
    """
    months = len(channel)
    if months < FINAL_WINDOW + PLATEAU_WINDOW:
        return float("nan")
    final = channel[-FINAL_WINDOW:].mean()
    if final <= 0:
        return float("nan")
    trailing = np.convolve(channel, np.ones(PLATEAU_WINDOW) / PLATEAU_WINDOW, mode="valid")
    reached = np.flatnonzero(trailing >= PLATEAU_SHARE * final)
    return float(reached[0] + PLATEAU_WINDOW)


def accounting_violations(out: RunOutput) -> int:
    """Number of fact-8 identities (docs/model.md §1) a run's outputs break (0 when accounting holds)."""
    ts = out.timeseries
    tol = 1e-9
    sourced = ts["partner_sourced_revenue"] + ts["co_sell_revenue"]
    checks = [
        np.allclose(sourced, ts["channel_revenue"], rtol=1e-12, atol=tol),
        bool((ts.groupby("step")["attention_share"].sum() <= 1 + tol).all()),
        bool(ts["mean_trust"].dropna().between(0, 1).all()),
        bool(ts["mean_capability"].dropna().between(0, 1).all()),
        bool((ts["attention_share"] >= 0).all()),
        *[bool((ts[c] >= 0).all()) for c in ("channel_revenue", "direct_revenue", "conflicts")],
        np.allclose(
            ts.groupby("vendor", sort=False)[["channel_revenue", "direct_revenue"]].sum(),
            out.runs.set_index("vendor")[["channel_revenue", "direct_revenue"]],
            rtol=1e-12,
        ),
    ]
    return int(sum(not ok for ok in checks))


def run_measures(out: RunOutput) -> list[dict[str, Any]]:
    """One dict per vendor with every measure of :data:`MEASURE_LABELS` for one run."""
    ts = out.timeseries
    runs = out.runs.set_index("vendor")
    last = ts["step"].max()
    final = ts[ts["step"] == last].set_index("vendor")
    violations = accounting_violations(out)
    rows = []
    for vendor, own in ts.groupby("vendor", sort=False):
        month, channel = own["month"], own["channel_revenue"]
        others = final["attention_share"].drop(vendor)
        lowest = others.min() if len(others) else float("nan")
        partners = runs.at[vendor, "partners"]
        rows.append(
            {
                "vendor": vendor,
                "channel_after_24": float(channel[month > 24].sum()),
                "channel_total": float(channel.sum()),
                "total_last_12": float(
                    (channel + own["direct_revenue"])[month > month.max() - 12].sum()
                ),
                "trust": float(final.at[vendor, "mean_trust"]),
                "attention": float(final.at[vendor, "attention_share"]),
                "attention_ratio": float(final.at[vendor, "attention_share"] / lowest)
                if lowest > 0
                else float("nan"),
                "conflicts": float(own["conflicts"].sum()),
                "capability": float(final.at[vendor, "mean_capability"]),
                "channel_13_18": float(channel[(month > 12) & (month <= 18)].sum()),
                "channel_37_48": float(channel[(month > 36) & (month <= 48)].sum()),
                "productive_share": float(runs.at[vendor, "productive_partners"] / partners)
                if partners > 0
                else float("nan"),
                "top_decile_share": float(runs.at[vendor, "top_decile_share"]),
                "plateau_month": plateau_month(channel.to_numpy()),
                "accounting_violations": float(violations),
                **_stall_measures(own["partner_sourced_revenue"].to_numpy()),
                **_economics_measures(own, runs.loc[vendor]),
            }
        )
    return rows


def _stall_measures(partner_sourced: np.ndarray) -> dict[str, float]:
    stall = stall_statistic(partner_sourced)
    if stall is None:
        return {
            "late_growth_ratio": float("nan"),
            "stall_rise_excess": float("nan"),
            "late_pace_excess": float("nan"),
            "stalled": float("nan"),
        }
    return {
        "late_growth_ratio": stall.late_growth_ratio,
        "stall_rise_excess": stall.rise_excess,
        "late_pace_excess": stall.pace_excess,
        "stalled": float(stall.stalled),
    }


def _economics_measures(own: Any, runs: Any) -> dict[str, float]:
    """Per-run measures of the quantitative patterns (docs/model.md, section 8)."""
    month = own["month"]
    years = float(month.max()) / 12.0
    trust = own["mean_trust"].to_numpy()
    linked = own["linked_partners"].mean()
    total = own["total_revenue"].sum()
    exits = own["partner_exits"]
    return {
        "channel_first_12": float(own["channel_revenue"][month <= 12].sum()),
        "channel_last_12": float(own["channel_revenue"][month > month.max() - 12].sum()),
        "channel_13_36": float(own["channel_revenue"][(month > 12) & (month <= 36)].sum()),
        "trust_drift_per_year": float((trust[-1] - trust[0]) / years) if years > 0 else math.nan,
        "productive_partners": float(runs["productive_partners"]),
        "partners": float(runs["partners"]),
        "exit_rate": float(exits.sum() / years / linked) if linked > 0 else math.nan,
        "exits_1_12": float(exits[month <= 12].sum()),
        "exits_13_24": float(exits[(month > 12) & (month <= 24)].sum()),
        "win_rate": float(runs["win_rate"]),
        "net_revenue": float(runs["vendor_net_revenue"]),
        "partner_sourced_share": float(own["partner_sourced_revenue"].sum() / total)
        if total > 0
        else math.nan,
        "rep_utilization": float(own["rep_utilization"].mean()),
        "contested_share": float(runs["contested_share"]),
        "recruit_months_to_first_win": float(runs["recruit_months_to_first_win"]),
        "recruit_no_win_first_year": float(runs["recruit_no_win_first_year"]),
        "attention_first": float(own["attention_share"].iloc[0]),
    }


__all__ = [
    "FINAL_WINDOW",
    "MEASURE_LABELS",
    "PLATEAU_SHARE",
    "PLATEAU_WINDOW",
    "accounting_violations",
    "plateau_month",
    "run_measures",
]
