"""Figures and files of a comparison (:mod:`analysis.compare`).

:func:`write_comparison` writes into its folder:

- ``comparison.csv``: :func:`analysis.compare.comparison_table`;
- ``fan_<metric>.png``: one panel per vendor, one colour per arm; line = mean of replicates,
  band = 5-95% of replicates;
- ``difference_<metric>.png``: one panel per vendor, one line per compared arm: mean of
  ``arm - reference`` over replicate pairs with its 90% confidence band (paired t; Welch t for
  unpaired arms), a dashed zero line.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from analysis.compare import Comparison, comparison_table, difference_table, fan_table
from analysis.intervals import LEVEL
from analysis.metric_catalog import METRIC_BY_NAME
from analysis.plots import (
    BASE_COLOUR,
    PALETTE,
    STYLE,
    _axis_formatter,
    _grid,
    _ylabel,
    save_figure,
)
from sim.experiments.folder_layout import atomic_open


def arm_colours(comp: Comparison) -> dict[str, str]:
    """Reference arms in greys (``base`` dark grey, as in every plot), the others the palette."""
    refs = list(dict.fromkeys(comp.reference.values()))
    greys = (BASE_COLOUR, "#8a8a8a", "#b5b5b5")
    others = iter(PALETTE * (1 + len(comp.arms) // len(PALETTE)))
    return {
        arm.label: greys[refs.index(arm.label) % len(greys)] if arm.label in refs else next(others)
        for arm in comp.arms
    }


def _panels(vendors: Sequence[str], title: str) -> tuple[Figure, list]:
    rows, cols = _grid(max(1, len(vendors)))
    fig, axes = plt.subplots(
        rows, cols, figsize=(4.8 * cols, 3.9 * rows + 1.3), sharey=True, squeeze=False,
        layout="constrained",
    )  # fmt: skip
    for ax in axes.flat[len(vendors) :]:
        ax.set_visible(False)
    fig.suptitle(title, fontweight="bold")
    return fig, list(axes.flat[: len(vendors)])


def _finish(fig: Figure, axes: list, metric: str, legend_title: str, ylabel: str) -> None:
    formatter = _axis_formatter(metric)
    for ax in axes:
        ax.set_xlabel("Month")
        ax.margins(x=0)
        if formatter is not None:
            ax.yaxis.set_major_formatter(formatter)
    cols = _grid(len(axes))[1]
    for i, ax in enumerate(axes):
        if i % cols == 0:
            ax.set_ylabel(ylabel)
    handles, labels = axes[0].get_legend_handles_labels() if axes else ([], [])
    if handles:
        fig.legend(
            handles, labels, loc="outside lower center", ncol=min(len(labels), 5),
            frameon=False, title=legend_title,
        )  # fmt: skip


def _window_text(comp: Comparison) -> str:
    return f"months {comp.window[0]:g}-{comp.window[1]:g}"


def draw_fans(ax, comp: Comparison, table: pd.DataFrame, colours: dict[str, str]) -> None:
    """Each arm's mean (line) and 5-95% band of one vendor's :func:`fan_table` rows on ``ax``."""
    for arm in comp.arms:
        part = table[table["arm"] == arm.label]
        if part.empty:
            continue
        colour = colours[arm.label]
        ax.fill_between(part["month"], part["low"], part["high"], color=colour, alpha=0.13, lw=0)
        ax.plot(part["month"], part["mean"], color=colour, lw=2.0, label=arm.label)


def fan_figure(comp: Comparison, metric: str) -> Figure:
    """Every arm's mean and 5-95% band of replicates over time, one panel per vendor."""
    table = fan_table(comp, metric)
    colours = arm_colours(comp)
    label = METRIC_BY_NAME[metric].label.lower()
    with plt.rc_context(STYLE):
        fig, axes = _panels(comp.vendors, f"{_title(comp)}: {label} by vendor")
        for ax, vendor in zip(axes, comp.vendors, strict=True):
            draw_fans(ax, comp, table[table["vendor"] == vendor], colours)
            ax.set_title(vendor, fontweight="bold")
        _finish(
            fig,
            axes,
            metric,
            "line: mean of replicates; band: 5-95% of replicates",
            _ylabel(metric),
        )
    return fig


def difference_figure(comp: Comparison, metric: str) -> Figure:
    """Mean difference from the reference arm over time with its 90% confidence band."""
    table = difference_table(comp, metric)
    colours = arm_colours(comp)
    label = METRIC_BY_NAME[metric].label.lower().split(" (")[0]
    refs = sorted(set(comp.reference.values()))
    with plt.rc_context(STYLE):
        fig, axes = _panels(
            comp.vendors, f"{_title(comp)}: {label}, difference from {' / '.join(refs) or '-'}"
        )
        for ax, vendor in zip(axes, comp.vendors, strict=True):
            ax.axhline(0, color=BASE_COLOUR, lw=1, ls="--")
            for arm in comp.arms:
                part = table[(table["arm"] == arm.label) & (table["vendor"] == vendor)]
                if part.empty:
                    continue
                colour = colours[arm.label]
                ax.fill_between(
                    part["month"], part["low"], part["high"], color=colour, alpha=0.2, lw=0
                )
                name = f"{arm.label} - {comp.reference[arm.label]}"
                ax.plot(part["month"], part["mean"], color=colour, lw=2.0, label=name)
            ax.set_title(vendor, fontweight="bold")
        methods = sorted(set(table["method"])) if not table.empty else ["paired t"]
        legend = (
            f"line: mean difference; band: {LEVEL:.0%} confidence interval ({', '.join(methods)})"
        )
        _finish(fig, axes, metric, legend, "Difference\n" + _ylabel(metric).split("\n", 1)[-1])
    return fig


def _title(comp: Comparison) -> str:
    names = list(dict.fromkeys(r.name for r in comp.results))
    return " vs ".join(names)


def write_comparison(comp: Comparison, folder: Path) -> tuple[pd.DataFrame, list[Path]]:
    """Write ``comparison.csv`` and the fan and difference plots into ``folder``.

    Returns:
        The comparison table and the files written (CSV first).
    """
    table = comparison_table(comp)
    csv = folder / "comparison.csv"
    with atomic_open(csv) as handle:
        table.to_csv(handle, index=False, lineterminator="\n")
    written = [csv]
    for metric in comp.metrics:
        written.append(save_figure(fan_figure(comp, metric), folder / f"fan_{metric}.png"))
        if comp.reference:
            written.append(
                save_figure(difference_figure(comp, metric), folder / f"difference_{metric}.png")
            )
    return table, written


__all__ = ["arm_colours", "difference_figure", "draw_fans", "fan_figure", "write_comparison"]
