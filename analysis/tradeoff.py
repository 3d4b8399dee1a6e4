"""Trade-off view of a sweep: does a program pay for itself?

One point per sample (mean over its replicates, error bars = 90% t-interval of that mean): vendor
net revenue (revenue minus partner payouts and program spend) against channel revenue, and against
final mean partner trust, coloured by a swept parameter. Points up and to the right earn more
channel revenue *and* more net revenue; points to the right but lower buy channel revenue at a loss.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from analysis.intervals import LEVEL
from analysis.style import STYLE, format_currency
from analysis.sweeps import Sweep, SweepError, default_vendor, sample_means, short_name

AXES = ("channel_revenue", "vendor_net_revenue", "mean_trust")
LABELS = {
    "channel_revenue": "Cumulative channel revenue",
    "vendor_net_revenue": "Cumulative vendor net revenue",
    "mean_trust": "Final mean partner trust (0 to 1)",
}


def resolve_parameter(sweep: Sweep, name: str | None) -> str:
    """A swept parameter by path or by its last key(s) (``margin``); default the first one.

    Raises:
        SweepError: no swept parameter matches ``name`` (or several do).
    """
    if name is None:
        return sweep.parameters[0]
    if name in sweep.parameters:
        return name
    matches = [p for p in sweep.parameters if p.endswith("." + name)]
    if len(matches) != 1:
        what = "matches several" if matches else "is not swept"
        raise SweepError(f"--colour-by {name}: {what}; choose from {', '.join(sweep.parameters)}")
    return matches[0]


def tradeoff_table(sweep: Sweep, vendor: str | None = None) -> pd.DataFrame:
    """Per sample: the swept parameters, then ``<axis>``, ``<axis>_low``, ``<axis>_high`` for
    channel revenue, vendor net revenue and final trust of ``vendor`` (default
    :func:`analysis.sweeps.default_vendor`)."""
    vendor = vendor or default_vendor(sweep)
    if vendor not in sweep.results.vendors:
        raise SweepError(f"--vendor {vendor}: not in this sweep")
    means = sample_means(sweep, AXES)
    means = means[means["vendor"] == vendor]
    wide = means.pivot(index="sample", columns="outcome", values=["mean", "low", "high"])
    table = sweep.samples[["sample", *sweep.parameters]].set_index("sample")
    for axis in AXES:
        table[axis] = wide[("mean", axis)]
        table[f"{axis}_low"] = wide[("low", axis)]
        table[f"{axis}_high"] = wide[("high", axis)]
    return table.dropna(subset=[AXES[0]]).reset_index()


def setting_label(sweep: Sweep, row: pd.Series) -> str:
    """A sample named by its settings: ``margin 0.21, partner_sourced_credit 0.8`` (the last key
    of each path; vendor and key where two paths share a last key)."""
    lasts = [p.split(".")[-1] for p in sweep.parameters]
    names = [last if lasts.count(last) == 1 else short_name(p)
             for p, last in zip(sweep.parameters, lasts, strict=True)]  # fmt: skip
    return ", ".join(
        f"{n} {float(row[p]):.2g}" for n, p in zip(names, sweep.parameters, strict=True)
    )


def _errors(table: pd.DataFrame, axis: str) -> np.ndarray | None:
    low = (table[axis] - table[f"{axis}_low"]).to_numpy(float)
    high = (table[f"{axis}_high"] - table[axis]).to_numpy(float)
    if np.isnan(low).all():
        return None
    return np.vstack([np.nan_to_num(low), np.nan_to_num(high)])


def tradeoff_figure(
    sweep: Sweep, vendor: str | None = None, colour_by: str | None = None, label_top: int = 3
) -> Figure:
    """Net revenue against channel revenue (left) and against final trust (right), one point
    per sample, coloured by ``colour_by``; the ``label_top`` samples with the highest net revenue
    are labelled."""
    vendor = vendor or default_vendor(sweep)
    parameter = resolve_parameter(sweep, colour_by)
    table = tradeoff_table(sweep, vendor)
    colour = table[parameter].to_numpy(float)
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, 2, figsize=(12.5, 5.4), sharey=True, layout="constrained")
        points = None
        for ax, x in zip(axes, ("channel_revenue", "mean_trust"), strict=True):
            ax.errorbar(
                table[x], table["vendor_net_revenue"], xerr=_errors(table, x),
                yerr=_errors(table, "vendor_net_revenue"), fmt="none", ecolor="#9a9a9a",
                elinewidth=0.8, alpha=0.7, zorder=1,
            )  # fmt: skip
            points = ax.scatter(
                table[x], table["vendor_net_revenue"], c=colour, cmap="viridis", s=34,
                edgecolors="white", linewidths=0.6, zorder=2,
            )  # fmt: skip
            top = table.nlargest(label_top, "vendor_net_revenue")
            for k, (letter, (_, row)) in enumerate(zip("ABCDEFGH", top.iterrows(), strict=False)):
                ax.annotate(letter, (row[x], row["vendor_net_revenue"]), xytext=(-34, 4 - 17 * k),
                            textcoords="offset points", fontsize=12, fontweight="bold",
                            color="#1d2733", va="center", arrowprops={"arrowstyle": "-",
                            "color": "#777777", "lw": 0.8})  # fmt: skip
            ax.set_xlabel(LABELS[x])
            if x == "channel_revenue":
                ax.xaxis.set_major_formatter(FuncFormatter(format_currency))
        key = "\n".join(
            f"{letter}: {setting_label(sweep, row)}"
            for letter, (_, row) in zip("ABCDEFGH", top.iterrows(), strict=False)
        )
        axes[0].set_ylabel(LABELS["vendor_net_revenue"])
        axes[0].yaxis.set_major_formatter(FuncFormatter(format_currency))
        bar = fig.colorbar(points, ax=axes, shrink=0.9, pad=0.01)
        bar.set_label(parameter)
        fig.suptitle(
            f"{sweep.results.name}: {vendor}'s net revenue against channel revenue and trust, "
            f"per sample",
            fontweight="bold",
        )
        reps = int(sweep.results.manifest.get("sweep", {}).get("replicates", 0)) or "all"
        fig.supxlabel(
            f"Point: mean of {reps} replicates; bars: {LEVEL:.0%} confidence interval of that "
            f"mean. Lettered: the {label_top} samples with the highest net revenue.\n{key}",
            fontsize=10, color="#3b3b3b",
        )  # fmt: skip
    return fig


__all__ = ["AXES", "resolve_parameter", "setting_label", "tradeoff_figure", "tradeoff_table"]
