"""Terminal tables (rich): the executive summary, a comparison and sensitivity indices."""

from __future__ import annotations

import pandas as pd
from rich.console import Console
from rich.table import Table
from rich.text import Text

from analysis.compare import Comparison
from analysis.formatting import format_interval, format_percent, format_value
from analysis.intervals import LEVEL
from analysis.metric_catalog import metric_info
from analysis.summary import COLUMNS, display_rows

TONE_STYLE = {"good": "green", "bad": "red", "unclear": "dim", "level": "bold", "": ""}


def _console() -> Console:
    console = Console()
    return console if console.is_terminal else Console(width=130)


def agree_text(row: pd.Series) -> str:
    """``18/20`` pairs sharing the sign of the mean difference, ``-`` when unpaired."""
    return f"{int(row['agree'])}/{int(row['pairs'])}" if row["agree"] >= 0 else "-"


def _with_interval(metric: str, value: float, low: float, high: float, signed: bool) -> str:
    interval = format_interval(metric, low, high, signed=signed)
    text = format_value(metric, value, signed=signed)
    return text if interval == "-" else f"{text} {interval}"


def comparison_rows(table: pd.DataFrame, metric: str) -> list[list[str]]:
    """Formatted rows of one metric: vendor, arm, statistic, mean with its interval, difference
    from the reference with its interval, relative difference, agreeing pairs."""
    rows = []
    for _, row in table[table["metric"] == metric].iterrows():
        compared = isinstance(row["reference"], str) and bool(row["reference"])
        rows.append(
            [
                row["vendor"], row["arm"], row["stat"],
                _with_interval(metric, row["mean"], row["mean_low"], row["mean_high"], False),
                _with_interval(metric, row["diff"], row["diff_low"], row["diff_high"], True)
                if compared else "",
                format_percent(row["relative"]) if compared else "",
                agree_text(row) if compared else "",
            ]
        )  # fmt: skip
    return rows


COMPARISON_HEADER = [
    "vendor", "variant", "statistic", f"mean [{LEVEL:.0%} CI]",
    f"vs reference [{LEVEL:.0%} CI]", "relative", "pairs agree",
]  # fmt: skip


def print_summary(summary: pd.DataFrame, vendor: str, window: tuple[float, float]) -> None:
    """The executive summary of ``vendor``: one row per variant."""
    console = _console()
    grid = Table(
        title=f"Summary for {vendor}, months {window[0]:g}-{window[1]:g}: difference from the "
        f"reference [{LEVEL:.0%} CI]",
        title_justify="left",
    )
    grid.add_column("variant")
    for _, _, heading in COLUMNS:
        grid.add_column(heading, justify="right")
    for arm, reference, cells in display_rows(summary):
        name = arm if not reference else f"{arm} vs {reference}"
        texts = [Text.assemble((c.main, TONE_STYLE[c.tone]), " " + c.sub if c.sub else "")
                 for c in cells]  # fmt: skip
        grid.add_row(Text(name), *texts)
    console.print(grid)


RUN_SUMMARY = (
    ("total_revenue", "total revenue"),
    ("channel_revenue", "channel revenue"),
    ("vendor_net_revenue", "net revenue"),
    ("conflicts", "conflicts"),
)
"""What ``sim run`` prints per vendor and variant."""


def run_summary_lines(summary: pd.DataFrame, horizon: int) -> list[str]:
    """``sim run``'s closing table from ``summary.csv``: per vendor, the mean over replicates of
    cumulative total, channel and net revenue and conflicts, one column per variant
    (``total_revenue`` as channel + direct where the folder has no row for it)."""
    means = summary.set_index(["variant", "vendor", "metric"])["mean"]
    counts = summary.groupby("variant", sort=False)["n"].max()
    variants = list(dict.fromkeys(summary["variant"]))
    vendors = list(dict.fromkeys(summary["vendor"]))

    def value(variant: str, vendor: str, metric: str) -> float:
        if (variant, vendor, metric) in means.index:
            return float(means[(variant, vendor, metric)])
        parts = [(variant, vendor, m) for m in ("channel_revenue", "direct_revenue")]
        if metric == "total_revenue" and all(p in means.index for p in parts):
            return float(sum(means[p] for p in parts))
        return float("nan")

    header = ["vendor", "", *(f"{v} (n={int(counts[v])})" for v in variants)]
    rows = [header]
    for vendor in vendors:
        for k, (metric, words) in enumerate(RUN_SUMMARY):
            rows.append([vendor if k == 0 else "", words,
                         *(format_value(metric, value(v, vendor, metric)) for v in variants)])  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        f"Mean over replicates, cumulative over {horizon} months (conflicts: contested deals):"
    ]
    for row in rows:
        cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1])]
        cells += [c.rjust(w) for c, w in zip(row[2:], widths[2:], strict=True)]
        lines.append("  " + "  ".join(cells).rstrip())
    return lines


def print_comparison(comp: Comparison, table: pd.DataFrame) -> None:
    """One rich table per metric."""
    console = _console()
    window = f"months {comp.window[0]:g}-{comp.window[1]:g}"
    refs = ", ".join(f"{a} vs {r}" for a, r in comp.reference.items()) or "nothing compared"
    methods = ", ".join(sorted(set(table["method"]) - {""})) or "t"
    low, high = int(table["n"].min()), int(table["n"].max())
    n = str(low) if low == high else f"{low}-{high}"
    console.print(
        f"Comparing {refs}; {window}; {LEVEL:.0%} intervals ({methods}); n = {n} replicates."
    )
    for metric in comp.metrics:
        grid = Table(title=metric_info(metric).label, title_justify="left")
        for i, name in enumerate(COMPARISON_HEADER):
            grid.add_column(name, justify="right" if i >= 3 else "left")
        vendor = None
        for row in comparison_rows(table, metric):
            if vendor is not None and row[0] != vendor:
                grid.add_section()
            vendor = row[0]
            grid.add_row(*(Text(cell) for cell in row))  # names are text, never rich markup
        console.print(grid)


def print_indices(table: pd.DataFrame, method: str) -> None:
    """Sensitivity indices: one row per outcome, vendor and parameter."""
    console = _console()
    indices = list(dict.fromkeys(table["index"]))
    grid = Table(
        title=f"Sensitivity indices ({method}; {LEVEL:.0%} intervals)", title_justify="left"
    )
    for name in ("outcome", "vendor", "parameter", *indices):
        grid.add_column(name, justify="right" if name in indices else "left")
    keys = ["outcome", "vendor", "parameter"]
    for (outcome, vendor, parameter), part in table.groupby(keys, sort=False):
        cells = {r["index"]: f"{r['value']:.3f} ± {r['conf']:.3f}" for _, r in part.iterrows()}
        texts = [outcome, vendor, parameter, *(cells.get(i, "-") for i in indices)]
        grid.add_row(*(Text(text) for text in texts))
    console.print(grid)


__all__ = [
    "COMPARISON_HEADER", "agree_text", "comparison_rows", "print_comparison", "print_indices",
    "print_summary", "run_summary_lines",
]  # fmt: skip
