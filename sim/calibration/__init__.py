"""Calibration to a vendor's own deal history: the canonical history format and its reader
(:mod:`sim.calibration.history`), column presets for common exports
(:mod:`sim.calibration.presets`) and the summary statistics computed alike from a history and, later,
from simulated deal logs (:mod:`sim.calibration.statistics`). ``sim calibrate`` itself is not built
yet; see docs/calibration.md.
"""

from sim.calibration.csv_source import HistoryError
from sim.calibration.history import History, read_history
from sim.calibration.presets import PRESETS, ColumnMapping
from sim.calibration.statistics import STATISTICS, HistoryStatistics, history_statistics

__all__ = [
    "PRESETS",
    "STATISTICS",
    "ColumnMapping",
    "History",
    "HistoryError",
    "HistoryStatistics",
    "history_statistics",
    "read_history",
]
