"""Terminal tables (rich) of a comparison and of sensitivity indices."""

from __future__ import annotations

import pandas as pd
from rich.console import Console
from rich.table import Table

from analysis.compare import Comparison
from analysis.formatting import format_interval, format_percent, format_value
from analysis.intervals import LEVEL
from analysis.metric_catalog import METRIC_BY_NAME


def _console() -> Console:
    console = Console()
    return console if console.is_terminal else Console(width=150)


def agree_text(row: pd.Series) -> str:
    """``18/20`` pairs sharing the sign of the mean difference, ``-`` when unpaired."""
    return f"{int(row['agree'])}/{int(row['pairs'])}" if row["agree"] >= 0 else "-"


def comparison_rows(table: pd.DataFrame, metric: str) -> list[list[str]]:
    """Formatted rows of one metric: vendor, arm, statistic, n, mean, interval, difference,
    interval, relative difference, agreeing pairs, method."""
    rows = []
    for _, row in table[table["metric"] == metric].iterrows():
        compared = isinstance(row["reference"], str) and bool(row["reference"])
        method = row["method"] if isinstance(row["method"], str) else ""
        rows.append(
            [
                row["vendor"], row["arm"], row["stat"], str(int(row["n"])),
                format_value(metric, row["mean"]),
                format_interval(metric, row["mean_low"], row["mean_high"]),
                format_value(metric, row["diff"], signed=True) if compared else "",
                format_interval(metric, row["diff_low"], row["diff_high"], signed=True)
                if compared else "",
                format_percent(row["relative"]) if compared else "",
                agree_text(row) if compared else "", method,
            ]
        )  # fmt: skip
    return rows


COMPARISON_HEADER = [
    "vendor", "variant", "statistic", "n", "mean", f"{LEVEL:.0%} CI", "vs reference",
    f"{LEVEL:.0%} CI", "relative", "pairs agree", "interval",
]  # fmt: skip


def print_comparison(comp: Comparison, table: pd.DataFrame) -> None:
    """One rich table per metric."""
    console = _console()
    window = f"months {comp.window[0]:g}-{comp.window[1]:g}"
    refs = ", ".join(f"{a} vs {r}" for a, r in comp.reference.items()) or "nothing compared"
    console.print(f"Comparing {refs}; {window}; intervals are {LEVEL:.0%} t-intervals.")
    for metric in comp.metrics:
        grid = Table(title=METRIC_BY_NAME[metric].label, title_justify="left")
        for i, name in enumerate(COMPARISON_HEADER):
            grid.add_column(name, justify="right" if i >= 3 else "left")
        vendor = None
        for row in comparison_rows(table, metric):
            if vendor is not None and row[0] != vendor:
                grid.add_section()
            vendor = row[0]
            grid.add_row(*row)
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
        grid.add_row(outcome, vendor, parameter, *(cells.get(i, "-") for i in indices))
    console.print(grid)


__all__ = ["agree_text", "comparison_rows", "print_comparison", "print_indices"]
