"""The dashboard's chart: several variants of one vendor overlaid, a panel per metric.

Each panel shows every arm's mean over replicates (line) and 5-95% of replicates (band) per month;
flows (revenue) are per month, averaged over the last ``smooth_months`` months of each run (3 by
default: monthly revenue of one replicate is too noisy to read overlaid). Vertical lines mark each
arm's changes in its colour: dotted when a change is announced, solid when it starts, dashed when
its ramp is complete. The legend takes the first free panel.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from analysis.compare import Comparison, fan_table
from analysis.compare_plots import arm_colours, draw_fans
from analysis.metric_catalog import METRIC_BY_NAME
from analysis.plots import STYLE, _axis_formatter, _grid

LINESTYLES = {"announced": ":", "starts": "-", "complete": "--"}


@dataclass(frozen=True)
class Marker:
    """A month to mark in an arm's colour: a change ``announced``, ``starts`` or ``complete``."""

    arm: str
    month: float
    kind: Literal["announced", "starts", "complete"]


def whatif_figure(
    comp: Comparison,
    vendor: str,
    metrics: Sequence[str],
    markers: Sequence[Marker] = (),
    title: str = "",
    smooth_months: int = 3,
) -> Figure:
    """A panel per metric for ``vendor``, every arm of ``comp`` overlaid with its band."""
    colours = arm_colours(comp)
    comp = smoothed(comp, [m for m in metrics if METRIC_BY_NAME[m].kind == "flow"], smooth_months)
    rows, cols = _grid(len(metrics) + 1)
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(
            rows, cols, figsize=(4.6 * cols, 3.3 * rows + 1.2), squeeze=False, layout="constrained"
        )
        for ax in axes.flat[len(metrics) :]:
            ax.set_axis_off()
        for ax, metric in zip(axes.flat, metrics, strict=False):
            table = fan_table(comp, metric)
            draw_fans(ax, comp, table[table["vendor"] == vendor], colours)
            for marker in markers:
                if marker.arm in colours:
                    ax.axvline(
                        marker.month, color=colours[marker.arm], lw=1.1, alpha=0.8,
                        ls=LINESTYLES[marker.kind],
                    )  # fmt: skip
            meta = METRIC_BY_NAME[metric]
            ax.set_title(meta.label.split(" (")[0], fontweight="bold")
            if meta.kind == "flow":
                average = f", {smooth_months}-month average" if smooth_months > 1 else ""
                ax.set_ylabel(f"per month{average}")
            ax.set_xlabel("Month")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.margins(x=0)
            formatter = _axis_formatter(metric)
            if formatter is not None:
                ax.yaxis.set_major_formatter(formatter)
        handles, labels = axes.flat[0].get_legend_handles_labels()
        kinds = sorted({m.kind for m in markers}, key=list(LINESTYLES).index)
        handles += [Line2D([], [], color="#555555", ls=LINESTYLES[k], lw=1.1) for k in kinds]
        labels += [f"change {k}" for k in kinds]
        if handles:
            axes.flat[len(metrics)].legend(
                handles, labels, loc="center", frameon=False, fontsize=11,
                title="line: mean of replicates\nband: 5-95% of replicates", title_fontsize=11,
            )  # fmt: skip
        if title:
            fig.suptitle(title, fontweight="bold")
    return fig


def smoothed(comp: Comparison, metrics: Sequence[str], months: int) -> Comparison:
    """``comp`` with each run's ``metrics`` replaced by their mean over the steps of the last
    ``months`` months (fewer at the start of a run)."""
    if months <= 1 or not metrics:
        return comp
    ts = comp.timeseries.sort_values(["arm", "seed", "vendor", "step"], kind="stable").copy()
    for arm, rows in ts.groupby("arm", sort=False).groups.items():
        steps = max(1, round(months / comp.step_months.get(arm, 1.0)))
        part = ts.loc[rows].groupby(["seed", "vendor"], sort=False)[list(metrics)]
        ts.loc[rows, list(metrics)] = part.transform(
            lambda x, n=steps: x.rolling(n, min_periods=1).mean()
        )
    return replace(comp, timeseries=ts)


__all__ = ["Marker", "smoothed", "whatif_figure"]
