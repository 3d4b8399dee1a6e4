"""Sweep folders (see the sweep-format spec in docs/experiments.md): the design, and outcomes per
sample averaged over replicates.

A sweep folder is a result folder whose variants are the samples ``s0000, s0001, ...``; it adds
``samples.csv`` (one row per sample, one column per swept parameter) and ``manifest["sweep"]``
(method, SALib problem, options).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.intervals import t_quantile
from analysis.levers import focus_vendor
from analysis.metric_catalog import (
    DERIVED,
    METRIC_NAMES,
    MetricError,
    description,
    metric_info,
    read_runs,
    read_series,
)
from sim.experiments.folder_layout import ResultsError
from sim.experiments.reader import ResultSet, load_results

SAMPLES_FILE = "samples.csv"
METHODS = ("grid", "random", "lhs", "sobol", "morris")
OUTCOMES: dict[str, str] = {name: description(name) for name in METRIC_NAMES}
"""Outcome name -> what it is (per run and vendor; averaged over replicates per sample): the one
metric list of :mod:`analysis.metric_catalog`."""


class SweepError(ResultsError):
    """A folder is not a usable sweep folder; ``str()`` is a one-line message for the user."""


@dataclass(frozen=True)
class Sweep:
    """A sweep folder opened for analysis.

    Attributes:
        results: the result folder.
        method: ``grid``, ``random``, ``lhs``, ``sobol`` or ``morris``.
        problem: SALib problem: ``num_vars``, ``names`` (parameter paths), ``bounds``.
        samples: ``samples.csv`` in sample order.
        options: method options (``num_levels``, ``base_samples``...).
    """

    results: ResultSet
    method: str
    problem: dict[str, Any]
    samples: pd.DataFrame
    options: dict[str, Any]

    @property
    def parameters(self) -> list[str]:
        return list(self.problem["names"])

    @property
    def X(self) -> np.ndarray:  # noqa: N802 - SALib's name for the design matrix
        return self.samples[self.parameters].to_numpy(float)


def load_sweep(folder: Path | str) -> Sweep:
    """Open a sweep folder.

    Raises:
        SweepError: not a result folder, or a result folder that ``sim sweep`` did not make.
    """
    results = load_results(folder)
    info = results.manifest.get("sweep")
    if not isinstance(info, dict):
        raise SweepError(
            f'{results.path}: not a sweep folder (its manifest.json has no "sweep"; it was made '
            "by sim run). Run sim sweep FILE first, or use sim compare for variants"
        )
    method = info.get("method")
    if method not in METHODS:
        raise SweepError(f"{results.path}: sweep method {method!r} is not one of {METHODS}")
    path = results.path / SAMPLES_FILE
    try:
        samples = pd.read_csv(path, dtype={"sample": str})
    except FileNotFoundError:
        raise SweepError(f"{results.path}: sweep folder misses {SAMPLES_FILE}") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError):
        raise SweepError(f"{path}: not a readable CSV file") from None
    if "sample" not in samples or list(samples["sample"]) != results.variants:
        raise SweepError(f"{path}: its samples are not the manifest's variants, in order")
    problem = dict(info.get("problem") or {})
    if not problem.get("names"):
        parameters = info.get("parameters") or {}
        problem = {"num_vars": len(parameters), "names": list(parameters),
                   "bounds": [list(b) for b in parameters.values()]}  # fmt: skip
    missing = [p for p in problem["names"] if p not in samples.columns]
    if missing:
        raise SweepError(f"{results.path / SAMPLES_FILE}: no column for parameter {missing[0]}")
    for name in problem["names"]:
        values = pd.to_numeric(samples[name], errors="coerce")
        bad = ~np.isfinite(values.to_numpy(dtype=float))
        if bad.any():
            raise SweepError(f"{path}: row {int(np.argmax(bad)) + 2}: {name}: not a finite number")
        samples[name] = values
    return Sweep(results, method, problem, samples, dict(info.get("options") or {}))


def short_name(parameter: str) -> str:
    """``vendors.acme.program.margin`` -> ``acme margin``: vendor and key, the rest dropped."""
    parts = parameter.split(".")
    if len(parts) > 2 and parts[0] == "vendors":
        return f"{parts[1]} {parts[-1]}"
    return ".".join(parts[-2:]) if len(parts) > 1 else parameter


def default_vendor(sweep: Sweep) -> str:
    """The vendor a sweep's reports are about: the scenario's ``focus`` (default its first
    vendor)."""
    return focus_vendor(sweep.results)


def run_outcomes(sweep: Sweep, outcomes: Sequence[str]) -> pd.DataFrame:
    """One row per sample, replicate and vendor; one column per outcome.

    Columns of ``runs.csv`` are taken as they are (``total_revenue`` as channel + direct where the
    folder has no column for it); other metrics come from the time series (flows summed, stocks at
    the last step, rates averaged).

    Raises:
        SweepError: an unknown outcome, or one the folder does not have.
    """
    unknown = [o for o in outcomes if o not in OUTCOMES]
    if unknown:
        raise SweepError(f"--outcome {unknown[0]}: unknown; choose from {', '.join(OUTCOMES)}")
    keys = ["variant", "replicate", "vendor"]
    columns = set(sweep.results.runs.columns)
    in_runs = [o for o in outcomes if o in columns or _derivable(o, columns)]
    series = [o for o in outcomes if o not in in_runs]
    try:
        out = read_runs(sweep.results, in_runs).set_index(keys)
        if series:
            ts = read_series(sweep.results, series).sort_values("step", kind="stable")
            grouped = ts.groupby(keys, sort=False)
            for metric in series:
                agg = {"flow": "sum", "stock": "last", "rate": "mean"}[metric_info(metric).kind]
                out[metric] = grouped[metric].agg(agg)
    except MetricError as exc:
        raise SweepError(f"--outcome: {exc}") from None
    return out.reset_index().rename(columns={"variant": "sample"})


def _derivable(name: str, columns: set[str]) -> bool:
    return name in DERIVED and all(part in columns for part in DERIVED[name])


def sample_means(sweep: Sweep, outcomes: Sequence[str]) -> pd.DataFrame:
    """Per sample, vendor and outcome: mean over replicates with its 90% t-interval.

    Columns ``sample, vendor, outcome, mean, low, high, n``; samples in ``samples.csv`` order.
    """
    values = run_outcomes(sweep, outcomes)
    long = values.melt(["sample", "replicate", "vendor"], var_name="outcome", value_name="value")
    grouped = long.groupby(["sample", "vendor", "outcome"], sort=False)["value"]
    table = grouped.agg(["mean", "std", "count"]).reset_index()
    with np.errstate(invalid="ignore", divide="ignore"):
        half = t_quantile(table["count"].to_numpy(float) - 1) * table["std"]
        half = half / np.sqrt(table["count"])
    table["low"], table["high"] = table["mean"] - half, table["mean"] + half
    order = {name: i for i, name in enumerate(sweep.samples["sample"])}
    table = table.assign(order=table["sample"].map(order)).sort_values(["order"], kind="stable")
    table = table.rename(columns={"count": "n"})
    return table[["sample", "vendor", "outcome", "mean", "low", "high", "n"]].reset_index(drop=True)


__all__ = [
    "METHODS", "OUTCOMES", "SAMPLES_FILE", "Sweep", "SweepError", "default_vendor", "load_sweep",
    "short_name",
    "run_outcomes", "sample_means",
]  # fmt: skip
