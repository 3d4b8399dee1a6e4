"""Run-level values and their aggregation across replicates (``summary.csv``).

A run's value of a metric depends on its kind (:mod:`sim.model.metrics`): flows sum over the run,
stocks take the last step, rates average the steps where they are defined.
"""

from __future__ import annotations

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


def _stats(x: np.ndarray) -> dict[str, float | int]:
    x = x[~np.isnan(x)]
    if not x.size:
        return {"mean": np.nan, "p5": np.nan, "p50": np.nan, "p95": np.nan, "std": np.nan, "n": 0}
    p5, p50, p95 = np.percentile(x, [5, 50, 95])
    std = float(x.std(ddof=1)) if x.size > 1 else np.nan
    return {"mean": float(x.mean()), "p5": p5, "p50": p50, "p95": p95, "std": std, "n": x.size}


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
        sample standard deviation and ``n`` the number of replicates with a defined value.
    """
    rows = []
    if not values.empty:
        groups: dict[tuple[str, str], list[int]] = {}  # (variant, vendor) -> row positions
        for i, key in enumerate(zip(values["variant"], values["vendor"], strict=True)):
            groups.setdefault(key, []).append(i)
        columns = {metric: values[metric].to_numpy(dtype=float) for metric in SUMMARY_METRICS}
        seen = list(dict.fromkeys([*vendors, *values["vendor"]]))
        for variant in dict.fromkeys([*variants, *values["variant"]]):
            for vendor in seen:
                positions = groups.get((variant, vendor))
                if positions is None:
                    continue
                where = np.asarray(positions)
                for metric in SUMMARY_METRICS:
                    stats = _stats(columns[metric][where])
                    rows.append(
                        {"variant": variant, "vendor": vendor, "metric": metric, **stats}
                        | {"kind": _kind(metric)}
                    )
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
