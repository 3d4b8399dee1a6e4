"""Run-level values and their aggregation across replicates (``summary.csv``).

A run's value of a metric depends on its kind (:mod:`sim.model.metrics`): flows sum over the run,
stocks take the last step, rates average the steps where they are defined.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.experiments.folder_layout import SUMMARY_COLUMNS, SUMMARY_METRICS
from sim.model.metrics import METRIC_BY_NAME, METRICS, RunOutput


def run_values(output: RunOutput) -> pd.DataFrame:
    """One row per vendor, one column per ``SUMMARY_METRICS``: the run-level value of each metric.

    Flow metrics sum over the run, stock metrics take the last step (NaN if undefined there), rate
    metrics average the steps where they are defined; the columns of ``output.runs`` that are not
    per-step metrics are taken as they are.
    """
    ts = output.timeseries.sort_values("step", kind="stable")
    grouped = ts.groupby("vendor", sort=False)
    final = grouped.tail(1).set_index("vendor")
    columns = {}
    for metric in METRICS:
        kind = METRIC_BY_NAME[metric].kind
        if kind == "flow":
            columns[metric] = grouped[metric].sum()
        elif kind == "stock":
            columns[metric] = final[metric]
        else:
            columns[metric] = grouped[metric].mean()
    values = pd.DataFrame(columns)
    extra = output.runs.set_index("vendor")[[c for c in SUMMARY_METRICS if c not in METRICS]]
    return values.join(extra).reset_index(names="vendor")


def _kind(metric: str) -> str:
    return METRIC_BY_NAME[metric].kind if metric in METRIC_BY_NAME else "run"


STATS = ("mean", "p5", "p50", "p95", "std")


def _group_stats(x: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """``mean, p5, p50, p95, std`` (rows) of each group (columns).

    ``x`` holds the groups' values one group after another, ``counts`` their sizes. Groups of one
    size are one ``(groups, size)`` block, so each statistic is one numpy call along the rows; a
    row of a C-contiguous block reduces exactly as the group's own 1-D array would, so every
    value is bit for bit what ``np.mean``, ``np.percentile`` and ``np.std(ddof=1)`` give the
    group alone. An empty group gives NaN, the std of a group of one NaN.
    """
    out = np.full((len(STATS), len(counts)), np.nan)
    starts = np.cumsum(counts) - counts
    for size in np.unique(counts[counts > 0]):
        rows = np.flatnonzero(counts == size)
        block = x[starts[rows, None] + np.arange(size)]
        out[0, rows] = block.mean(axis=1)
        out[1:4, rows] = np.percentile(block, [5, 50, 95], axis=1)
        if size > 1:
            out[4, rows] = block.std(axis=1, ddof=1)
    return out


def summarise(
    values: pd.DataFrame, variants: Sequence[str], vendors: Sequence[str] = ()
) -> pd.DataFrame:
    """Aggregate run-level values across replicates: one row per variant, vendor and metric.

    Args:
        values: run-level values, columns ``variant, replicate, vendor`` then ``SUMMARY_METRICS``
            (see :func:`run_values`).
        variants: variant order of the rows.
        vendors: vendor order of the rows (vendors not listed follow in order of appearance).

    Returns:
        Columns ``SUMMARY_COLUMNS``; ``p5/p50/p95`` are linear-interpolated percentiles, ``std`` the
        sample standard deviation and ``n`` the number of replicates with a defined value (NaN
        values are left out of every statistic).
    """
    if values.empty:
        return pd.DataFrame([], columns=list(SUMMARY_COLUMNS))
    groups: dict[tuple[str, str], list[int]] = {}  # (variant, vendor) -> row positions
    for i, key in enumerate(zip(values["variant"], values["vendor"], strict=True)):
        groups.setdefault(key, []).append(i)
    seen = list(dict.fromkeys([*vendors, *values["vendor"]]))
    keys = [
        (variant, vendor)
        for variant in dict.fromkeys([*variants, *values["variant"]])
        for vendor in seen
        if (variant, vendor) in groups
    ]
    sizes = [len(groups[key]) for key in keys]
    order = np.fromiter(
        itertools.chain.from_iterable(groups[key] for key in keys), np.int64, sum(sizes)
    )
    group = np.repeat(np.arange(len(keys)), sizes)
    stats = np.empty((len(STATS), len(keys), len(SUMMARY_METRICS)))
    n = np.empty((len(keys), len(SUMMARY_METRICS)), dtype=np.int64)
    for j, metric in enumerate(SUMMARY_METRICS):
        x = values[metric].to_numpy(dtype=float)[order]
        defined = ~np.isnan(x)
        counts = np.bincount(group[defined], minlength=len(keys))
        stats[:, :, j], n[:, j] = _group_stats(x[defined], counts), counts
    metrics = len(SUMMARY_METRICS)
    columns = {
        "variant": [variant for variant, _ in keys for _ in range(metrics)],
        "vendor": [vendor for _, vendor in keys for _ in range(metrics)],
        "metric": list(SUMMARY_METRICS) * len(keys),
        **{name: stats[k].ravel() for k, name in enumerate(STATS)},
        "n": n.ravel(),
        "kind": [_kind(metric) for metric in SUMMARY_METRICS] * len(keys),
    }
    return pd.DataFrame(columns, columns=list(SUMMARY_COLUMNS))
