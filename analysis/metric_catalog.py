"""Every metric an analysis can read: the model's per-step metrics and those derived from them.

``total_revenue`` (channel + direct revenue per step) is derived for result folders whose
``timeseries.csv`` has no such column, so a folder written before the model recorded it reads the
same as a new one; a folder that has the column is read as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from sim.experiments.reader import ResultSet
from sim.model.metrics import METRIC_BY_NAME as MODEL_METRICS
from sim.model.metrics import TIMESERIES_KEYS, Metric

DERIVED: dict[str, tuple[Metric, tuple[str, ...], Callable[[pd.DataFrame], pd.Series]]] = {
    "total_revenue": (
        Metric("total_revenue", "flow", "currency", "Total revenue (channel + direct)"),
        ("channel_revenue", "direct_revenue"),
        lambda ts: ts["channel_revenue"] + ts["direct_revenue"],
    ),
}
"""Derived metric name -> (its description, the columns it is made from, how)."""

METRIC_BY_NAME: dict[str, Metric] = {
    **MODEL_METRICS,
    **{name: meta for name, (meta, _, _) in DERIVED.items() if name not in MODEL_METRICS},
}
METRICS: tuple[str, ...] = tuple(METRIC_BY_NAME)


def read_metrics(results: ResultSet, metrics: Sequence[str]) -> pd.DataFrame:
    """The key columns and ``metrics`` of a folder's time series, derived ones computed where the
    folder has no column of that name.

    Raises:
        KeyError: a name that is no metric of the model, not in the folder nor derivable.
        sim.experiments.ResultsError: a model metric the folder has no column for (the reader
            names the file and column), or a damaged time series.
    """
    columns = set(results.timeseries_columns())
    missing = [m for m in metrics if m not in columns and m in DERIVED]
    unknown = [m for m in metrics if m not in columns and m not in DERIVED]
    if any(m not in MODEL_METRICS for m in unknown):
        name = next(m for m in unknown if m not in MODEL_METRICS)
        raise KeyError(f"{results.path}: metric {name!r} is not in this result folder")
    sources = [c for m in missing for c in DERIVED[m][1]]
    present = [m for m in metrics if m not in missing]  # the reader refuses those it lacks
    ts = results.read_timeseries(list(dict.fromkeys([*present, *sources])))
    for metric in missing:
        ts[metric] = DERIVED[metric][2](ts)
    return ts[list(dict.fromkeys([*TIMESERIES_KEYS, *metrics]))]


__all__ = ["DERIVED", "METRICS", "METRIC_BY_NAME", "read_metrics"]
