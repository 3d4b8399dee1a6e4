"""Deck-ready plots of a result folder; reads files only, never runs a model.

:func:`plot_results` writes into ``DIR/plots/``, one panel per vendor and one colour per variant
(line = mean across replicates, band = 5-95% of replicates), with the months events are announced
(dotted) and start (dashed) marked:

- ``total_revenue.png``, ``channel_revenue.png``, ``vendor_net_revenue.png``, ``conflicts.png``:
  flows per month as a trailing 3-month rolling mean (``smooth="month"``: month by month);
- ``attention_share.png``, ``trust.png``, ``capability.png``: levels;
- ``revenue_mix.png``: cumulative channel and direct revenue per vendor, one bar per variant.

Each variant keeps its colour in every file (:func:`variant_colours`). Colours, units and the PNG
writer are in :mod:`analysis.style`.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from analysis.compare import build_comparison
from analysis.compare_plots import fan_figure
from analysis.metric_catalog import has_series, read_runs
from analysis.series import fan_table
from analysis.style import STYLE, format_currency, save_figure, variant_colours
from sim.experiments.folder_layout import inner_folder
from sim.experiments.reader import ResultSet, load_results

TIME_PLOTS = {
    "total_revenue.png": "total_revenue",
    "channel_revenue.png": "channel_revenue",
    "vendor_net_revenue.png": "vendor_net_revenue",
    "conflicts.png": "conflicts",
    "attention_share.png": "attention_share",
    "trust.png": "mean_trust",
    "capability.png": "mean_capability",
}


def band_table(results: ResultSet, metric: str, smooth: str = "month") -> pd.DataFrame:
    """Mean and 5-95% band across replicates per variant, vendor and month (flows per month,
    rolling under ``smooth``). Columns ``variant, vendor, month, mean, low, high``."""
    comp = build_comparison([results], [metric])
    table = fan_table(comp, metric, smooth).rename(columns={"arm": "variant"})
    return table[["variant", "vendor", "month", "mean", "low", "high"]]


def metric_figure(results: ResultSet, metric: str, smooth: str = "quarter") -> Figure:
    """Line per variant (mean across replicates) with a 5-95% band, one panel per vendor."""
    return fan_figure(build_comparison([results], [metric]), metric, smooth)


def _replicates(part: pd.DataFrame) -> str:
    counts = sorted(set(part.groupby("variant")["replicate"].nunique()))
    return str(counts[0]) if len(counts) == 1 else f"{counts[0]}-{counts[-1]}"


def revenue_mix_figure(results: ResultSet) -> Figure:
    """Cumulative channel (solid) and direct (pale) revenue per vendor, one stacked bar per
    variant (mean across replicates), the total above each bar."""
    runs = read_runs(results, ["channel_revenue", "direct_revenue"])
    variants = [v for v in results.variants if v in set(runs["variant"])]
    vendors = [v for v in results.vendors if v in set(runs["vendor"])]
    means = runs.groupby(["vendor", "variant"], sort=False)[["channel_revenue", "direct_revenue"]]
    means = means.mean()
    colours = variant_colours(results.variants)
    width = 0.8 / max(1, len(variants))
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(
            figsize=(max(7.0, 1.1 * len(vendors) * len(variants) + 3.0), 5.6), layout="constrained"
        )
        top = 1.0
        for k, variant in enumerate(variants):
            x = np.arange(len(vendors)) - 0.4 + width * (k + 0.5)
            rows = means.reindex([(vendor, variant) for vendor in vendors])
            channel, direct = rows["channel_revenue"].to_numpy(), rows["direct_revenue"].to_numpy()
            colour = colours[variant]
            ax.bar(x, channel, width * 0.92, color=colour, label=f"{variant}: channel")
            ax.bar(x, direct, width * 0.92, bottom=channel, color=colour, alpha=0.3,
                   label=f"{variant}: direct")  # fmt: skip
            for xi, c, t in zip(x, channel, channel + direct, strict=True):
                if np.isfinite(t):
                    share = f"{c / t:.0%} ch." if t > 0 else ""
                    ax.annotate(f"{format_currency(t, digits=3)}\n{share}", (xi, t), ha="center",
                                va="bottom", fontsize=10, xytext=(0, 2),
                                textcoords="offset points")  # fmt: skip
                    top = max(top, t)
        ax.set_xticks(np.arange(len(vendors)), vendors, fontweight="bold")
        ax.set_ylim(0, top * 1.2)
        ax.yaxis.set_major_formatter(FuncFormatter(format_currency))
        horizon = results.manifest.get("horizon_months")
        ax.set_ylabel("Cumulative revenue, $" + (f" over {horizon} months" if horizon else ""))
        ax.grid(axis="x", visible=False)
        ax.set_title(f"{results.name}: revenue mix by vendor and variant", fontweight="bold")
        handles = [Patch(color=colours[v], label=v) for v in variants] + [
            Patch(color="#555555", label="solid: channel"),
            Patch(color="#555555", alpha=0.3, label="pale: direct"),
        ]
        fig.legend(
            handles=handles, loc="outside lower center", ncol=min(len(handles), 6),
            frameon=False, title=f"Mean of {_replicates(runs)} replicates per variant",
        )  # fmt: skip
    return fig


def plot_results(folder: Path | str, smooth: str = "quarter") -> list[Path]:
    """Write every plot of a result folder into ``folder/plots/`` and return the files.

    A folder with no finished run gets no plots (an empty list); a metric the folder does not
    have (written before the model recorded it) gets no plot.
    """
    results = load_results(folder)
    if results.runs.empty:
        return []
    out = inner_folder(results.path, "plots")
    for stale in out.glob(".*.tmp.png"):  # left by a process killed while plotting
        stale.unlink(missing_ok=True)
    written = []
    for name, metric in TIME_PLOTS.items():
        if has_series(results, metric):
            written.append(save_figure(metric_figure(results, metric, smooth), out / name))
    written.append(save_figure(revenue_mix_figure(results), out / "revenue_mix.png"))
    return written


__all__ = [
    "TIME_PLOTS", "band_table", "format_currency", "metric_figure", "plot_results",
    "revenue_mix_figure", "variant_colours",
]  # fmt: skip
