"""The one list of metric names that ``sim compare``, ``sim sensitivity`` and ``sim report`` accept.

It is the model's per-step metrics (:data:`sim.model.metrics.METRIC_LIST`, in ``timeseries.csv``),
then ``total_revenue`` derived as channel + direct revenue where a folder was written before the
model recorded it, then the run-level columns of ``runs.csv`` that are not per-step metrics
(``partners``, ``gini``, ...). :func:`read_series` reads a folder's time series with derived
columns filled in, and says clearly when a metric is not in that folder.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from sim.experiments.folder_layout import ResultsError
from sim.experiments.reader import ResultSet
from sim.model.metrics import METRIC_LIST, RUN_COLUMNS, TIMESERIES_KEYS

Source = Literal["timeseries", "derived", "runs"]


@dataclass(frozen=True)
class MetricInfo:
    """A metric as the analysis commands know it.

    Attributes:
        name: as in the result files.
        kind: ``flow`` (summed over a run), ``stock`` (its level at a step) or ``rate``.
        unit: ``currency``, ``share``, ``0..1``, ``deals``, ``partners`` or ``number``.
        label: for titles and tables.
        source: ``timeseries`` (a per-step column), ``derived`` (computed from per-step columns)
            or ``runs`` (one value per run, in ``runs.csv`` only).
    """

    name: str
    kind: str
    unit: str
    label: str
    source: Source


DERIVED: dict[str, tuple[str, ...]] = {"total_revenue": ("channel_revenue", "direct_revenue")}
"""A metric computed as the sum of per-step metrics when a folder has no column of its own."""

_RUN_ONLY = {
    "partners": ("stock", "partners", "Partners linked at the end"),
    "productive_partners": ("stock", "partners", "Partners with a win in the last 12 months"),
    "top_decile_share": ("stock", "share", "Channel revenue share of the top 10% of partners"),
    "gini": ("stock", "0..1", "Gini of channel revenue over partners"),
    "contested_share": ("stock", "share", "Share of partner-sourced deals contested"),
}

_CATALOG: dict[str, MetricInfo] = {
    m.name: MetricInfo(m.name, m.kind, m.unit, m.label, "timeseries") for m in METRIC_LIST
}
if "total_revenue" not in _CATALOG:
    _CATALOG["total_revenue"] = MetricInfo(
        "total_revenue", "flow", "currency", "Total revenue (channel + direct)", "derived"
    )
for _name in RUN_COLUMNS:
    if _name not in _CATALOG:
        kind, unit, label = _RUN_ONLY.get(_name, ("stock", "number", _name.replace("_", " ")))
        _CATALOG[_name] = MetricInfo(_name, kind, unit, label[0].upper() + label[1:], "runs")

METRIC_NAMES: tuple[str, ...] = tuple(_CATALOG)
"""Every metric name the analysis commands accept, in this order."""
CATALOG: dict[str, MetricInfo] = _CATALOG


class MetricError(ResultsError):
    """An unknown metric, or one a result folder does not have; ``str()`` is one line."""


def metric_info(name: str) -> MetricInfo:
    """The metric called ``name`` (unknown names get :class:`KeyError`)."""
    return CATALOG[name]


def check_names(names: Sequence[str], flag: str) -> None:
    """Raise :class:`MetricError` naming ``flag`` for the first unknown name, listing the known."""
    for name in names:
        if name not in CATALOG:
            raise MetricError(f"{flag} {name}: unknown metric; choose from {', '.join(CATALOG)}")


def description(name: str) -> str:
    """What a run's value of the metric is: ``cumulative channel revenue ...``, ``final mean
    partner trust``, ``partners linked at the end`` (run-level columns as they are)."""
    info = CATALOG[name]
    if info.source == "runs":
        return info.label[0].lower() + info.label[1:]
    how = {"flow": "cumulative", "stock": "final", "rate": "mean"}[info.kind]
    return f"{how} {info.label[0].lower()}{info.label[1:]}"


def has_series(results: ResultSet, name: str) -> bool:
    """Whether the folder's time series has ``name``, as a column or derivable from its columns
    (a folder written before the model recorded a metric has not)."""
    have = set(results.timeseries_columns())
    return name in have or (name in DERIVED and all(part in have for part in DERIVED[name]))


def read_series(results: ResultSet, metrics: Sequence[str]) -> pd.DataFrame:
    """The folder's time series: the key columns, then ``metrics``, derived ones computed where
    the folder has no column for them.

    Raises:
        MetricError: a metric that is unknown or run-level only.
        sim.experiments.folder_layout.ResultsError: a model metric the folder has no column for
            (the reader names the file and column, and says when the folder is older than the
            metric), or a damaged time series.
    """
    check_names(metrics, "--metric")
    have = set(results.timeseries_columns())
    needed: list[str] = []
    for name in metrics:
        if CATALOG[name].source == "runs":
            raise MetricError(f"{name}: a whole-run value (runs.csv), not a series over months")
        if name not in have and name in DERIVED:
            needed += DERIVED[name]
        else:
            needed.append(name)  # the reader refuses a column the folder lacks
    ts = results.read_timeseries(list(dict.fromkeys(needed)))
    for name in metrics:
        if name not in ts.columns:
            ts[name] = sum(ts[part] for part in DERIVED[name])
    return ts[list(dict.fromkeys([*TIMESERIES_KEYS, *metrics]))]


def read_runs(results: ResultSet, metrics: Sequence[str]) -> pd.DataFrame:
    """``runs.csv`` (``variant, replicate, vendor`` and ``metrics``), ``total_revenue`` derived
    where the folder has no column for it.

    Raises:
        MetricError: a metric this folder's ``runs.csv`` does not have.
    """
    runs = results.runs.copy()
    for name in metrics:
        if name in runs.columns:
            continue
        if name in DERIVED and all(part in runs.columns for part in DERIVED[name]):
            runs[name] = sum(runs[part] for part in DERIVED[name])
        else:
            raise MetricError(f"{results.path}: runs.csv has no column {name}")
    return runs[["variant", "replicate", "vendor", *metrics]]


__all__ = [
    "CATALOG", "DERIVED", "METRIC_NAMES", "MetricError", "MetricInfo", "check_names",
    "description", "has_series", "metric_info", "read_runs", "read_series",
]  # fmt: skip
