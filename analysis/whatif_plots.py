"""The dashboard's chart: several variants of one vendor overlaid, a panel per metric.

Each panel shows every arm's mean over replicates (line) and 5-95% of replicates (band) per month;
flows (revenue) are per month, as the trailing 3-month rolling mean of each run by default
(:mod:`analysis.series`; monthly revenue of one replicate is too noisy to read overlaid). Vertical lines mark each
arm's changes in its colour: dotted when a change is announced, solid when it starts, dashed when
its ramp is complete. The legend takes the first free panel.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from analysis.compare import Comparison
from analysis.compare_plots import arm_colours, draw_fans
from analysis.metric_catalog import metric_info
from analysis.series import fan_table, smoothed
from analysis.style import STYLE, format_axis, grid_shape

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
    smooth: str = "quarter",
) -> Figure:
    """A panel per metric for ``vendor``, every arm of ``comp`` overlaid with its band (flows as
    a 3-month rolling mean; ``smooth="month"``: month by month)."""
    colours = arm_colours(comp)
    rows, cols = grid_shape(len(metrics) + 1)
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(
            rows, cols, figsize=(4.6 * cols, 3.3 * rows + 1.2), squeeze=False, layout="constrained"
        )
        for ax in axes.flat[len(metrics) :]:
            ax.set_axis_off()
        for ax, metric in zip(axes.flat, metrics, strict=False):
            table = fan_table(comp, metric, smooth)
            draw_fans(ax, comp, table[table["vendor"] == vendor], colours)
            for marker in markers:
                if marker.arm in colours:
                    ax.axvline(
                        marker.month, color=colours[marker.arm], lw=1.1, alpha=0.8,
                        ls=LINESTYLES[marker.kind],
                    )  # fmt: skip
            meta = metric_info(metric)
            ax.set_title(meta.label.split(" (")[0], fontweight="bold")
            if meta.kind == "flow":
                rolling = ", 3-month rolling mean" if smoothed(metric, smooth) else ""
                ax.set_ylabel(f"per month{rolling}")
            ax.set_xlabel("Month")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.margins(x=0)
            format_axis(ax, metric)
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


__all__ = ["Marker", "whatif_figure"]
