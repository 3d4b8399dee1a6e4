"""What ``sim history`` prints and writes: a readable summary of a history and its statistics, and
``history_summary.csv`` / ``history_monthly.csv``, each written atomically.

Only numbers and canonical labels (sources, statistic names, months) reach these outputs, never a
cell of the export, so an export cannot smuggle a spreadsheet formula or markup into them.
"""

from __future__ import annotations

import math
from pathlib import Path

from sim.calibration.history import History
from sim.calibration.statistics import STATISTICS, HistoryStatistics
from sim.experiments.folder_layout import ResultsError, atomic_open

SUMMARY_FILE = "history_summary.csv"
MONTHLY_FILE = "history_monthly.csv"


def dropped_lines(history: History) -> list[str]:
    """One line per file with dropped rows: how many, and how many for each reason."""
    lines = []
    for file, reasons in history.dropped.items():
        total = sum(reasons.values())
        detail = ", ".join(f"{reason}: {n}" for reason, n in sorted(reasons.items()))
        lines.append(f"{file}: dropped {total} bad row{'s' * (total != 1)} ({detail or 'none'})")
    return lines


def _value(value: float, unit: str) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "-"
    if unit == "fraction":
        return f"{value:.1%}"
    if unit.startswith("currency"):
        return f"{value:,.0f}"
    if unit in ("count", "months") and float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def summary_lines(history: History, stats: HistoryStatistics) -> list[str]:
    """The statistics as aligned text: the scalars, then win rate and sizes by source."""
    width = max(map(len, STATISTICS))
    lines = [f"{'statistic':<{width}}  {'value':>14}  unit"]
    for name, (unit, _) in STATISTICS.items():
        lines.append(f"{name:<{width}}  {_value(stats.scalars[name], unit):>14}  {unit}")
    lines += ["", f"{'source':<8} {'opportunities':>13} {'won':>7} {'lost':>7} {'open':>7} "
              f"{'win rate':>9} {'won value':>15}"]  # fmt: skip
    for row in stats.by_source.itertuples():
        lines.append(
            f"{row.source:<8} {row.opportunities:>13,} {row.won:>7,} {row.lost:>7,} {row.open:>7,} "
            f"{_value(row.win_rate, 'fraction'):>9} {row.won_value:>15,.0f}"
        )
    lines += ["", f"{'won deals':<10} {'source':<8} {'n':>7} {'p10':>10} {'p50':>10} {'p90':>10}"]
    for row in stats.distributions.itertuples():
        unit = "days" if row.measure == "cycle_days" else "currency"
        cells = [_value(getattr(row, p), unit) for p in ("p10", "p50", "p90")]
        lines.append(
            f"{row.measure:<10} {row.source:<8} {row.n:>7,} " + " ".join(f"{c:>10}" for c in cells)
        )
    return lines


def write_summary(stats: HistoryStatistics, folder: Path) -> list[Path]:
    """Write the summary and monthly CSV files into ``folder`` (made if missing).

    Raises:
        ResultsError: ``folder`` is a file or cannot be made.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ResultsError(f"{folder}: is a file, not a folder; --out names a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ResultsError(f"{folder}: cannot create folder: {exc.strerror or exc}") from None
    written = []
    for name, frame in ((SUMMARY_FILE, stats.summary_frame()), (MONTHLY_FILE, stats.monthly)):
        with atomic_open(folder / name) as handle:
            frame.to_csv(handle, index=False)
        written.append(folder / name)
    return written
