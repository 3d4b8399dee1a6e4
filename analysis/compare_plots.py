"""Figures and files of a comparison (:mod:`analysis.compare`).

:func:`write_comparison` writes into its folder:

- ``comparison.csv``: :func:`analysis.compare.comparison_table`;
- ``fan_<metric>.png``: one panel per vendor, one colour per arm; line = mean of replicates,
  band = 5-95% of replicates; flows as a 3-month rolling mean unless ``smooth="month"``;
- ``difference_<metric>.png``: one panel per vendor, one line per compared arm: mean of
  ``arm - reference`` over replicate pairs with its 90% confidence band (paired t; Welch t for
  unpaired arms), a dashed zero line.

Every time plot marks the months events are announced (dotted) and start (dashed). The executive
summary beside them (``summary_table.csv`` and ``.png``) is written by :mod:`analysis.summary`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from analysis.compare import Comparison, comparison_table
from analysis.intervals import LEVEL
from analysis.levers import event_label, resolved_document, values_before, variant_events
from analysis.metric_catalog import metric_info
from analysis.series import difference_table, fan_table, smoothed
from analysis.style import (
    BASE_COLOUR,
    PALETTE,
    STYLE,
    Marker,
    axis_label,
    draw_markers,
    format_axis,
    grid_shape,
    save_figure,
)
from sim.experiments.folder_layout import atomic_open

SHARED_MARKER = "#7a7a7a"
"""Colour of an event marker several arms share."""


def arm_colours(comp: Comparison) -> dict[str, str]:
    """Reference arms in greys (``base`` dark grey, as in every plot), the others the palette."""
    refs = list(dict.fromkeys(comp.reference.values()))
    greys = (BASE_COLOUR, "#8a8a8a", "#b5b5b5")
    others = iter(PALETTE * (1 + len(comp.arms) // len(PALETTE)))
    return {
        arm.label: greys[refs.index(arm.label) % len(greys)] if arm.label in refs else next(others)
        for arm in comp.arms
    }


def event_markers(comp: Comparison) -> list[Marker]:
    """One marker per month inside the window where events of the arms are announced or start
    (terms set at month 0 with no notice are how a program starts, not an event); its label says
    what changes and for which arms."""
    colours = arm_colours(comp)
    found: dict[tuple[float, str], dict[str, list[str]]] = {}
    events = {id(r): variant_events(r) for r in comp.results}
    for arm in comp.arms:
        result = comp.result_of(arm)
        scheduled = events[id(result)].get(arm.variant, [])
        before = values_before(scheduled, resolved_document(result))
        for event, was in zip(scheduled, before, strict=True):
            at, notice = float(event.get("at_month", 0)), float(event.get("notice_months") or 0)
            label = event_label(event, result, before=was)
            for month, kind in ((at - notice, "announced"), (at, "changes")):
                if kind == "announced" and not notice:
                    continue
                if month <= 0 or not comp.window[0] - 1 < month <= comp.window[1]:
                    continue
                found.setdefault((month, kind), {}).setdefault(label, []).append(arm.label)
    markers = []
    for (month, kind), labels in sorted(found.items()):
        arms = list(dict.fromkeys(a for names in labels.values() for a in names))
        colour = colours[arms[0]] if len(arms) == 1 else SHARED_MARKER
        what = "; ".join(f"{label} ({', '.join(names)})" for label, names in labels.items())
        word = "announced" if kind == "announced" else "starts"
        markers.append(Marker(month, kind, f"month {month:g}, {word}: {what}", colour))
    return markers


def _panels(vendors: Sequence[str], title: str) -> tuple[Figure, list]:
    rows, cols = grid_shape(max(1, len(vendors)))
    fig, axes = plt.subplots(
        rows, cols, figsize=(4.8 * cols, 3.9 * rows + 1.9), sharey=True, squeeze=False,
        layout="constrained",
    )  # fmt: skip
    for ax in axes.flat[len(vendors) :]:
        ax.set_visible(False)
    fig.suptitle(title, fontweight="bold")
    return fig, list(axes.flat[: len(vendors)])


def _finish(
    fig: Figure, axes: list, metric: str, legend_title: str, ylabel: str, comp: Comparison,
    difference: bool = False,
) -> None:  # fmt: skip
    for ax in axes:
        ax.set_xlabel("Month")
        ax.margins(x=0)
        format_axis(ax, metric, difference=difference)
    cols = grid_shape(len(axes))[1]
    for i, ax in enumerate(axes):
        if i % cols == 0:
            ax.set_ylabel(ylabel)
    handles, _ = axes[0].get_legend_handles_labels() if axes else ([], [])
    markers = draw_markers(axes, event_markers(comp))
    if markers:
        legend_title += "; vertical lines: events (dotted: announced, dashed: starts)"
    if handles or markers:
        legend = fig.legend(
            handles=handles + markers, loc="outside lower center", ncol=1 if markers else
            min(len(handles), 5), frameon=False, title=legend_title,
        )  # fmt: skip
        legend.get_title().set_fontsize(11)


def draw_fans(
    ax, comp: Comparison, table: pd.DataFrame, colours: dict[str, str],
    names: dict[str, str] | None = None,
) -> None:  # fmt: skip
    """Each arm's mean (line) and 5-95% band of one vendor's :func:`fan_table` rows on ``ax``,
    labelled ``names[arm]`` (default the arm's label)."""
    for arm in comp.arms:
        part = table[table["arm"] == arm.label]
        if part.empty:
            continue
        colour = colours[arm.label]
        ax.fill_between(part["month"], part["low"], part["high"], color=colour, alpha=0.13, lw=0)
        label = (names or {}).get(arm.label, arm.label)
        ax.plot(part["month"], part["mean"], color=colour, lw=2.0, label=label)


def fan_figure(comp: Comparison, metric: str, smooth: str = "quarter") -> Figure:
    """Every arm's mean and 5-95% band of replicates over time, one panel per vendor."""
    table = fan_table(comp, metric, smooth)
    colours = arm_colours(comp)
    label = metric_info(metric).label.split(" (")[0].lower()
    rolling = smoothed(metric, smooth)
    names = _legend_names(comp, table)
    with plt.rc_context(STYLE):
        fig, axes = _panels(comp.vendors, f"{_title(comp)}: {label} by vendor")
        for ax, vendor in zip(axes, comp.vendors, strict=True):
            draw_fans(ax, comp, table[table["vendor"] == vendor], colours, names)
            ax.set_title(vendor, fontweight="bold")
        legend = "line: mean of replicates; band: 5-95% of replicates"
        _finish(fig, axes, metric, legend, axis_label(metric, rolling=rolling), comp)
    return fig


def _legend_names(comp: Comparison, table: pd.DataFrame) -> dict[str, str]:
    """Arm labels for a legend; an arm whose line is its reference's says so (it hides under
    it)."""
    names = {arm.label: arm.label for arm in comp.arms}
    for arm, ref in comp.reference.items():
        mine = table[table["arm"] == arm]["mean"].to_numpy()
        theirs = table[table["arm"] == ref]["mean"].to_numpy()
        if mine.size and mine.shape == theirs.shape and (mine == theirs).all():
            names[arm] = f"{arm} (the same as {ref})"
    return names


def difference_figure(comp: Comparison, metric: str, smooth: str = "quarter") -> Figure:
    """Mean difference from the reference arm over time with its 90% confidence band."""
    table = difference_table(comp, metric, smooth)
    colours = arm_colours(comp)
    label = metric_info(metric).label.split(" (")[0].lower()
    refs = sorted(set(comp.reference.values()))
    rolling = smoothed(metric, smooth)
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
        ylabel = axis_label(metric, difference=True, rolling=rolling)
        _finish(fig, axes, metric, legend, ylabel, comp, difference=True)
    return fig


def _title(comp: Comparison) -> str:
    names = list(dict.fromkeys(r.name for r in comp.results))
    return " vs ".join(names)


def write_comparison(
    comp: Comparison, folder: Path, smooth: str = "quarter"
) -> tuple[pd.DataFrame, list[Path]]:
    """Write ``comparison.csv`` and the fan and difference plots into ``folder``.

    Returns:
        The comparison table and the files written (CSV first).
    """
    table = comparison_table(comp)
    csv = folder / "comparison.csv"
    with atomic_open(csv) as handle:
        table.to_csv(handle, index=False, lineterminator="\n")
    written = [csv]
    for metric in comp.series_metrics:
        written.append(save_figure(fan_figure(comp, metric, smooth), folder / f"fan_{metric}.png"))
        if comp.reference:
            figure = difference_figure(comp, metric, smooth)
            written.append(save_figure(figure, folder / f"difference_{metric}.png"))
    return table, written


__all__ = [
    "arm_colours", "difference_figure", "draw_fans", "event_markers", "fan_figure",
    "write_comparison",
]  # fmt: skip
