"""Deck-ready plots of a result folder; reads files only, never runs a model.

:func:`plot_results` writes into ``DIR/plots/``:

- ``channel_revenue.png``: channel revenue per month, one panel per vendor (shared y-axis), one colour
  per variant, line = mean across replicates, band = 5-95% of replicates.
- ``attention_share.png`` and ``trust.png``: the same for attention share and mean trust.
- ``revenue_mix.png``: cumulative channel versus direct revenue per vendor in the base variant.

Each variant keeps its colour in every file (:func:`variant_colours`).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from pathlib import Path

import matplotlib


def _in_notebook() -> bool:
    """True inside a Jupyter kernel, whose own (inline) backend shows the figures returned."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and hasattr(shell, "kernel")


if not _in_notebook():  # a headless backend: plots are files, and workers have no display
    matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, PercentFormatter  # noqa: E402

from analysis.metric_catalog import METRIC_BY_NAME  # noqa: E402
from sim.experiments.folder_layout import inner_folder  # noqa: E402
from sim.experiments.reader import ResultSet, load_results  # noqa: E402

DPI = 150
BASE_COLOUR = "#3b3b3b"
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#8C564B", "#F0E442")
"""Okabe-Ito colours (colour-blind safe) for the variants after base, in run order."""
BAND = (0.05, 0.95)
TIME_PLOTS = {
    "channel_revenue.png": "channel_revenue",
    "attention_share.png": "attention_share",
    "trust.png": "mean_trust",
    "capability.png": "mean_capability",
}
STYLE = {
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "figure.titlesize": 14,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
}


def format_currency(value: float, _pos: object = None, *, digits: int | None = None) -> str:
    """Currency for axes and tables: ``$1.2M``, ``$850k``, ``$3.4B``, ``-$20k``, ``$0``.

    Args:
        value: amount in currency units.
        _pos: tick position (matplotlib ``FuncFormatter`` passes it; unused).
        digits: significant digits (tables, e.g. 3 gives ``$1.67M``); default one decimal with
            trailing zeros dropped (axes).
    """
    if value is None or not math.isfinite(value):
        return "-"
    sign = "-" if value < 0 else ""
    value = abs(float(f"{value:.{digits or 4}g}"))  # round first: 999_999 is $1M, not $1000k
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k"), (1.0, "")):
        if value >= scale or scale == 1.0:
            x = value / scale
            if digits is not None:
                decimals = max(0, digits - 1 - int(math.floor(math.log10(x)))) if x > 0 else 0
                text = f"{x:.{decimals}f}"
            else:
                text = f"{x:.1f}".rstrip("0").rstrip(".")
            return f"{sign}${text}{suffix}"
    raise AssertionError("unreachable")


def variant_colours(variants: Sequence[str]) -> dict[str, str]:
    """A fixed colour per variant: ``base`` dark grey, the others the palette in order."""
    colours, others = {}, iter(PALETTE * (1 + len(variants) // len(PALETTE)))
    for name in variants:
        colours[name] = BASE_COLOUR if name == "base" else next(others)
    return colours


def band_table(results: ResultSet, metric: str) -> pd.DataFrame:
    """Mean and 5-95% band across replicates per variant, vendor and step.

    Flows are shown per month (divided by the step length in months), so weekly and monthly runs
    read alike. Columns ``variant, vendor, step, month, mean, low, high``.
    """
    ts = results.read_timeseries([metric])
    if ts.empty:
        return pd.DataFrame(columns=["variant", "vendor", "step", "month", "mean", "low", "high"])
    values = ts[metric].astype(float)
    if METRIC_BY_NAME[metric].kind == "flow":
        step_months = float(ts["month"].min()) / (int(ts["step"].min()) + 1)
        values = values / step_months
    grouped = ts.assign(value=values).groupby(["variant", "vendor", "step"], sort=False)["value"]
    table = grouped.agg(
        mean="mean", low=lambda x: x.quantile(BAND[0]), high=lambda x: x.quantile(BAND[1])
    )
    months = ts.groupby(["variant", "vendor", "step"], sort=False)["month"].first()
    return table.join(months).reset_index()


def _axis_formatter(metric: str) -> FuncFormatter | PercentFormatter | None:
    unit = METRIC_BY_NAME[metric].unit
    if unit == "currency":
        return FuncFormatter(format_currency)
    if unit == "share":
        return PercentFormatter(1.0, decimals=0)
    return None


def _ylabel(metric: str) -> str:
    meta = METRIC_BY_NAME[metric]
    labels = {"currency": "$ per month", "share": "% of partner capacity", "0..1": "0 to 1"}
    unit = labels.get(meta.unit, meta.unit)
    return f"{meta.label.split(' (')[0]}\n({unit})"


def _grid(n: int) -> tuple[int, int]:
    cols = min(n, 3)
    return math.ceil(n / cols), cols


def metric_figure(results: ResultSet, metric: str) -> Figure:
    """Line per variant (mean across replicates) with a 5-95% band, one panel per vendor.

    Each panel has exactly one line per variant, labelled with the variant's name.
    """
    table = band_table(results, metric)
    variants = [v for v in results.variants if v in set(table["variant"])] or results.variants
    vendors = [v for v in results.vendors if v in set(table["vendor"])] or results.vendors
    colours = variant_colours(results.variants)
    rows, cols = _grid(max(1, len(vendors)))
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(
            rows,
            cols,
            figsize=(4.8 * cols, 3.9 * rows + 1.3),
            sharey=True,
            squeeze=False,
            layout="constrained",
        )
        for ax in axes.flat[len(vendors) :]:
            ax.set_visible(False)
        for ax, vendor in zip(axes.flat, vendors, strict=False):
            for variant in variants:
                part = table[(table["variant"] == variant) & (table["vendor"] == vendor)]
                if part.empty:
                    continue
                colour = colours[variant]
                ax.fill_between(
                    part["month"], part["low"], part["high"], color=colour, alpha=0.13, lw=0
                )
                ax.plot(part["month"], part["mean"], color=colour, lw=2.0, label=variant)
            ax.set_title(vendor, fontweight="bold")
            ax.set_xlabel("Month")
            ax.margins(x=0)
            formatter = _axis_formatter(metric)
            if formatter is not None:
                ax.yaxis.set_major_formatter(formatter)
        for ax in axes[:, 0]:
            ax.set_ylabel(_ylabel(metric))
        meta = METRIC_BY_NAME[metric]
        fig.suptitle(f"{results.name}: {meta.label.lower()} by vendor", fontweight="bold")
        handles, labels = axes.flat[0].get_legend_handles_labels()
        if handles:
            fig.legend(
                handles,
                labels,
                loc="outside lower center",
                ncol=min(len(labels), 6),
                frameon=False,
                title=f"Variant (line: mean of {_replicates(results)} replicates; "
                "band: 5-95% of replicates)",
            )
    return fig


def _replicates(results: ResultSet) -> str:
    counts = results.manifest.get("counts", {})
    per_variant = {}
    for run in results.manifest.get("runs", []):
        if run.get("status") == "ok":
            per_variant[run["variant"]] = per_variant.get(run["variant"], 0) + 1
    values = sorted(set(per_variant.values()))
    if not values:
        return str(counts.get("ok", 0))
    return str(values[0]) if len(values) == 1 else f"{values[0]}-{values[-1]}"


def revenue_mix_figure(results: ResultSet, variant: str | None = None) -> Figure:
    """Cumulative channel and direct revenue per vendor (mean across replicates), stacked bars."""
    runs = results.runs
    variant = variant or ("base" if "base" in set(runs["variant"]) else results.variants[0])
    part = runs[runs["variant"] == variant]
    means = part.groupby("vendor", sort=False)[["channel_revenue", "direct_revenue"]].mean()
    means = means.reindex([v for v in results.vendors if v in means.index])
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(
            figsize=(max(6.0, 1.7 * len(means) + 2.5), 5.2), layout="constrained"
        )
        x = np.arange(len(means))
        channel, direct = means["channel_revenue"].to_numpy(), means["direct_revenue"].to_numpy()
        ax.bar(x, channel, 0.6, color="#0072B2", label="Channel (partner-transacted)")
        ax.bar(x, direct, 0.6, bottom=channel, color="#BBBBBB", label="Direct")
        total = channel + direct
        for xi, c, t in zip(x, channel, total, strict=True):
            share = f"{c / t:.0%} channel" if t > 0 else "no revenue"
            ax.annotate(
                f"{format_currency(t)}\n{share}",
                (xi, t),
                ha="center",
                va="bottom",
                fontsize=10,
                xytext=(0, 3),
                textcoords="offset points",
            )
        ax.set_xticks(x, means.index)
        ax.set_ylim(0, max(total.max() if total.size else 1, 1) * 1.22)
        ax.yaxis.set_major_formatter(FuncFormatter(format_currency))
        horizon = results.manifest.get("horizon_months")
        ax.set_ylabel("Cumulative revenue" + (f" over {horizon} months" if horizon else ""))
        ax.grid(axis="x", visible=False)
        ax.set_title(f"{results.name}: revenue mix by vendor ({variant})", fontweight="bold")
        fig.legend(
            loc="outside lower center",
            ncol=2,
            frameon=False,
            title=f"Mean of {part['replicate'].nunique()} replicates",
        )
    return fig


def save_figure(fig: Figure, path: Path) -> Path:
    """Write ``fig`` as a PNG at ``path`` (under a temporary name first, so a reader never sees
    half a file) and close it."""
    tmp = path.with_name(f".{path.name}.tmp.png")
    try:
        tmp.unlink(missing_ok=True)  # a leftover, or a link planted to make sim write elsewhere
        fig.savefig(tmp, dpi=DPI, facecolor="white")
        tmp.replace(path)
    except BaseException:  # a full disk, Ctrl-C: no temporary PNG is left behind
        tmp.unlink(missing_ok=True)
        raise
    finally:
        plt.close(fig)
    return path


def plot_results(folder: Path | str) -> list[Path]:
    """Write every plot of a result folder into ``folder/plots/`` and return the files.

    A folder with no finished run gets no plots (an empty list).
    """
    results = load_results(folder)
    if results.runs.empty:
        return []
    out = inner_folder(results.path, "plots")
    for stale in out.glob(".*.tmp.png"):  # left by a process killed while plotting
        stale.unlink(missing_ok=True)
    written = []
    figures = [
        (name, lambda m=metric: metric_figure(results, m)) for name, metric in TIME_PLOTS.items()
    ]
    figures.append(("revenue_mix.png", lambda: revenue_mix_figure(results)))
    for name, make in figures:
        written.append(save_figure(make(), out / name))
    return written


__all__ = [
    "band_table",
    "format_currency",
    "metric_figure",
    "plot_results",
    "revenue_mix_figure",
    "variant_colours",
]
