"""Calibration to a vendor's own deal history: the canonical history format and its reader
(:mod:`sim.calibration.history`), column presets for common exports
(:mod:`sim.calibration.presets`), the summary statistics computed alike from a history and from
simulated deal logs (:mod:`sim.calibration.statistics`), and the fit of ``sim calibrate``: direct
estimates (:mod:`sim.calibration.estimates`), the reference table (:mod:`sim.calibration.reference`),
ABC random forests (:mod:`sim.calibration.abc`), the plan and result (:mod:`sim.calibration.fit`)
and its folder (:mod:`sim.calibration.fit_output`); see docs/calibration.md.
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
