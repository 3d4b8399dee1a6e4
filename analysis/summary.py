"""The executive summary: for the focus vendor, one row per variant with its total, channel and
net revenue, final partner trust and conflicts, each as a difference from its reference (base)
with the 90% interval; the reference row shows its levels.

The same cells make the report's first table, ``summary_table.csv`` (one row per variant) and
``summary_table.png`` (16:9, large type, for a slide). Wording of each cell comes from
:mod:`analysis.wording`: an interval that covers zero is "no clear difference", never a number
dressed up as a change.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from analysis.compare import Comparison, comparison_table
from analysis.formatting import format_interval, format_value
from analysis.intervals import LEVEL
from analysis.style import save_figure
from analysis.wording import Effect, cell_text, verdict
from sim.experiments.folder_layout import atomic_open

COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("total_revenue", "cumulative", "Total revenue"),
    ("channel_revenue", "cumulative", "Channel revenue"),
    ("vendor_net_revenue", "cumulative", "Net revenue"),
    ("mean_trust", "final", "Trust at end"),
    ("conflicts", "cumulative", "Conflicts"),
)
"""Metric, statistic and heading of each column."""
METRICS = tuple(metric for metric, _, _ in COLUMNS)
LOWER_IS_BETTER = {"conflicts"}
TONES = {
    "good": "#d8efe1",
    "bad": "#f9dccf",
    "unclear": "#ececec",
    "level": "#f3f5f8",
    "": "#ffffff",
}
"""Cell background per tone (the PNG; the report's stylesheet uses the same names)."""
MAX_PNG_ROWS = 10


@dataclass(frozen=True)
class Cell:
    """One cell: the main text, a second line, and a tone (``good``, ``bad``, ``unclear``,
    ``level`` for a reference row, or empty)."""

    main: str
    sub: str
    tone: str


def summary_table(comp: Comparison, vendor: str) -> pd.DataFrame:
    """The summary of ``vendor``: the rows of :func:`analysis.compare.comparison_table` for the
    :data:`COLUMNS`, one per arm and column, with a ``verdict`` column (``reference``, ``up``,
    ``down``, ``unclear``, ``unchanged`` or ``untested``)."""
    table = comparison_table(comp)
    keep = pd.Series(False, index=table.index)
    for metric, stat, _ in COLUMNS:
        keep |= (table["metric"] == metric) & (table["stat"] == stat)
    rows = table[keep & (table["vendor"] == vendor)].copy()
    rows["verdict"] = [
        verdict(Effect.from_row(row)) if row["reference"] else "reference"
        for _, row in rows.iterrows()
    ]
    order = {metric: i for i, metric in enumerate(METRICS)}
    arms = {arm.label: i for i, arm in enumerate(comp.arms)}
    rows = rows.assign(_a=rows["arm"].map(arms), _m=rows["metric"].map(order))
    return rows.sort_values(["_a", "_m"]).drop(columns=["_a", "_m"]).reset_index(drop=True)


def wide_table(summary: pd.DataFrame) -> pd.DataFrame:
    """``summary_table.csv``: one row per variant (``vendor, variant, reference, n``), then per
    column its mean, its difference from the reference with the interval, and the verdict."""
    out = []
    for arm, part in summary.groupby("arm", sort=False):
        first = part.iloc[0]
        row = {"vendor": first["vendor"], "variant": arm, "reference": first["reference"],
               "n": int(first["n"])}  # fmt: skip
        for _, r in part.iterrows():
            m = r["metric"]
            row |= {m: r["mean"], f"{m}_diff": r["diff"], f"{m}_low": r["diff_low"],
                    f"{m}_high": r["diff_high"], f"{m}_verdict": r["verdict"]}  # fmt: skip
        out.append(row)
    return pd.DataFrame(out)


def cell(row: pd.Series) -> Cell:
    """What one summary cell shows."""
    metric = row["metric"]
    if row["verdict"] == "reference":
        low, high = row["mean_low"], row["mean_high"]
        sub = format_interval(metric, low, high)
        return Cell(format_value(metric, row["mean"]), sub if sub != "-" else "", "level")
    effect = Effect.from_row(row)
    kind = row["verdict"]
    text = cell_text(metric, effect)
    if kind == "unchanged":
        pairs = f"all {effect.pairs} pairs" if effect.pairs != 1 else "the one pair"
        return Cell("unchanged", f"identical in {pairs}", "")
    main, _, interval = text.partition(" [")
    sub = f"[{interval}" if interval else ""
    if kind == "unclear":
        return Cell("no clear difference", sub, "unclear")
    good = (kind == "up") != (metric in LOWER_IS_BETTER)
    return Cell(main, sub, ("good" if good else "bad") if kind in ("up", "down") else "unclear")


def display_rows(summary: pd.DataFrame) -> list[tuple[str, str, list[Cell]]]:
    """Per arm: its label, what it is compared with, and its cells in :data:`COLUMNS` order."""
    rows = []
    for arm, part in summary.groupby("arm", sort=False):
        reference = part["reference"].iloc[0] or ""
        rows.append((arm, reference, [cell(r) for _, r in part.iterrows()]))
    return rows


def summary_figure(summary: pd.DataFrame, title: str, note: str) -> Figure:
    """The summary as a 16:9 slide: a heading, one row per variant (at most
    :data:`MAX_PNG_ROWS`), each cell with its tone."""
    rows = [
        (arm, f"vs {ref}" if ref else "reference", cells)
        for arm, ref, cells in display_rows(summary)
    ]
    return slide(rows, title, note)


def slide(
    rows: list[tuple[str, str, list[Cell]]], title: str, note: str, first: str = "Variant",
    more: str = "variants",
) -> Figure:  # fmt: skip
    """A 16:9 table slide: per row a name, a line under it and one cell per :data:`COLUMNS`."""
    hidden = max(0, len(rows) - MAX_PNG_ROWS)
    rows = rows[:MAX_PNG_ROWS]
    fig = plt.figure(figsize=(13.333, 7.5))

    def text(x: float, y: float, words: str, size: float, **style: object) -> None:
        fig.text(x, y, words, fontsize=size, va="center", parse_math=False, **style)

    text(0.04, 0.91, title, 24, fontweight="bold", color="#1d2733")
    fig.text(0.04, 0.855, textwrap.fill(note, 120), fontsize=13, color="#5b6673", va="top",
             parse_math=False)  # fmt: skip
    top, bottom, left = 0.74, 0.1, 0.04
    widths = [0.17] + [0.154] * len(COLUMNS)
    height = min(0.125, (top - bottom) / (len(rows) + 1))
    size = 17 if height >= 0.085 else 13
    x = left
    for k, heading in enumerate([first, *(h for _, _, h in COLUMNS)]):
        text(x + 0.008, top - height * 0.55, heading, size - 4, fontweight="bold", color="#5b6673")
        x += widths[k]
    for i, (name, under, cells) in enumerate(rows):
        y = top - height * (i + 1)
        text(left + 0.008, y - height * 0.38, name, size, fontweight="bold", color="#1d2733")
        text(left + 0.008, y - height * 0.72, under, size - 6, color="#5b6673")
        x = left + widths[0]
        for c, width in zip(cells, widths[1:], strict=False):
            box = plt.Rectangle((x, y - height), width - 0.006, height - 0.008,
                                transform=fig.transFigure, color=TONES[c.tone], zorder=0)  # fmt: skip
            fig.patches.append(box)
            main = size if len(c.main) <= 12 else size - 4 if len(c.main) <= 16 else size - 6
            text(x + 0.008, y - height * 0.38, c.main, main, fontweight="bold", color="#1d2733")
            text(x + 0.008, y - height * 0.72, c.sub, size - 5, color="#3b4450")
            x += width
    footer = (
        "Green: better for the vendor beyond noise; red: worse; grey: no clear difference "
        "(the interval covers zero). Brackets: 90% confidence interval."
    )
    if hidden:
        footer += f" {hidden} more {more} in summary_table.csv."
    text(0.04, 0.05, footer, 12, color="#5b6673")
    return fig


def summary_comparison(comp: Comparison) -> Comparison:
    """``comp`` itself when it has every summary metric, else the same folders and window read
    for the summary's metrics."""
    from analysis.compare import build_comparison

    if all(metric in comp.metrics for metric in METRICS):
        return comp
    return build_comparison(comp.results, METRICS, comp.window)


def headings(comp: Comparison, vendor: str) -> tuple[str, str]:
    """The title and the note under it, for the PNG and the report."""
    names = " vs ".join(dict.fromkeys(r.name for r in comp.results))
    counts = sorted(set(comp.timeseries.groupby("arm")["seed"].nunique()))
    n = str(counts[0]) if len(counts) == 1 else f"{counts[0]}-{counts[-1]}"
    title = f"{names}: what each variant does for {vendor}"
    if not comp.reference:
        note = (
            f"Months {comp.window[0]:g}-{comp.window[1]:g}: mean of {n} replicates with its "
            f"{LEVEL:.0%} interval; revenue and conflicts summed over the months, trust at the end."
        )
        return f"{names}: {vendor}", note
    seeds = comp.timeseries.groupby("arm")["seed"].agg(set)
    unpaired = [a for a, ref in comp.reference.items() if len(seeds[a] & seeds[ref]) < 2]
    refs = " / ".join(sorted(set(comp.reference.values()))) or "nothing"
    how = "paired difference (same seeds)"
    if unpaired:
        verb = "shares" if len(unpaired) == 1 else "share"
        how += f"; {', '.join(unpaired)} {verb} no seeds with {refs}: unpaired (Welch)"
    note = (
        f"Months {comp.window[0]:g}-{comp.window[1]:g}, mean of {n} replicates. Each variant "
        f"against {refs}: {how}, with its {LEVEL:.0%} interval. Revenue and conflicts summed over "
        "the months, trust at the end."
    )
    return title, note


def write_summary(summary: pd.DataFrame, folder: Path, title: str, note: str) -> list[Path]:
    """Write ``summary_table.csv`` and ``summary_table.png`` into ``folder``; return both."""
    csv = folder / "summary_table.csv"
    with atomic_open(csv) as handle:
        wide_table(summary).to_csv(handle, index=False, lineterminator="\n")
    png = save_figure(summary_figure(summary, title, note), folder / "summary_table.png")
    return [csv, png]


__all__ = [
    "COLUMNS", "Cell", "METRICS", "TONES", "cell", "display_rows", "headings", "slide",
    "summary_comparison", "summary_figure", "summary_table", "wide_table", "write_summary",
]  # fmt: skip
