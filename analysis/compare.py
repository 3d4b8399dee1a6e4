"""Comparing variants of one result folder, or result folders with each other.

An *arm* is one variant of one result folder. With one folder the arms are its variants and each
is compared with ``base``; with several folders (an old and a new run, say) the arms of every
folder after the first are compared with the arm of the same variant in the first folder (or its
first variant when it has no variant of that name), and arms are labelled ``folder:variant``
(``folder`` alone for one-variant folders).

Runs are paired by seed: replicate ``r`` of every variant of a folder uses the same seed (common
random numbers), and two folders run with the same scenario seed share seeds too. Paired arms get a
paired t-interval on the per-pair differences and a count of pairs that share its sign; arms with
fewer than two shared seeds get a Welch t-interval on the difference of means
(:mod:`analysis.intervals`; every interval is 90%).

Per metric, a run's values over the window are

- flows (revenue, conflicts): ``cumulative`` (sum over the window) and ``final`` (the last step of
  the window, per month);
- stocks and rates (attention share, trust, ...): ``final`` (last step) and ``average`` (mean over
  the window);
- run-level columns of ``runs.csv`` (``partners``, ``gini``, ...): ``run``, the whole run's value
  (no window applies).

Metric names are :data:`analysis.metric_catalog.METRIC_NAMES`; ``total_revenue`` is derived as channel
+ direct revenue in folders written before the model recorded it. Values over time (fan charts,
differences per month) are in :mod:`analysis.series`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.intervals import Interval, mean_interval, paired_interval, welch_interval
from analysis.metric_catalog import MetricError, check_names, metric_info, read_runs, read_series
from sim.experiments.reader import ResultSet

DEFAULT_METRICS = (
    "total_revenue", "channel_revenue", "vendor_net_revenue", "attention_share", "mean_trust",
    "conflicts",
)  # fmt: skip
"""What ``sim compare`` and ``sim report`` compare unless ``--metric`` says otherwise."""
TABLE_COLUMNS = (
    "metric", "stat", "vendor", "arm", "source", "variant", "n", "mean", "mean_low", "mean_high",
    "reference", "diff", "diff_low", "diff_high", "relative", "pairs", "agree", "method",
)  # fmt: skip


class CompareError(Exception):
    """Bad input to a comparison; ``str()`` is a one-line message for the user."""


@dataclass(frozen=True)
class Arm:
    """One variant of one result folder, as it appears in tables and legends."""

    label: str
    source: str
    variant: str


@dataclass
class Comparison:
    """Everything a comparison reads: arms, references, and the runs' time series.

    Attributes:
        arms: in order; references first.
        reference: arm label -> its reference arm label (arms that are references are absent).
        vendors: vendor names in order of appearance.
        metrics: metrics compared.
        window: ``(first month, last month)`` included (inclusive).
        timeseries: columns ``arm, seed, step, month, vendor`` then the metrics that are series;
            flows per step.
        step_months: months per step of each arm (1 for monthly runs).
        results: the result folders, in the order given.
        runs: columns ``arm, seed, vendor`` then the run-level metrics (``runs.csv`` only).
    """

    arms: list[Arm]
    reference: dict[str, str]
    vendors: list[str]
    metrics: list[str]
    window: tuple[float, float]
    timeseries: pd.DataFrame
    step_months: dict[str, float]
    results: list[ResultSet]
    runs: pd.DataFrame | None = None

    @property
    def series_metrics(self) -> list[str]:
        """The metrics that have values over time (the others are run-level only)."""
        return [m for m in self.metrics if metric_info(m).source != "runs"]

    def result_of(self, arm: Arm) -> ResultSet:
        """The result folder an arm comes from."""
        if len(self.results) == 1:
            return self.results[0]
        return self.results[_labels(self.results).index(arm.source)]


def parse_window(text: str | None) -> tuple[float | None, float | None]:
    """``"A:B"`` (either end may be empty) -> ``(A, B)``, months included at both ends."""
    if text is None:
        return None, None
    parts = text.split(":")
    if len(parts) != 2:
        raise CompareError(f"--months {text!r}: use A:B, A: or :B (months, e.g. 12:48)")
    try:
        low, high = (float(p) if p.strip() else None for p in parts)
    except ValueError:
        raise CompareError(f"--months {text!r}: A and B must be numbers, e.g. 12:48") from None
    if low is not None and high is not None and low > high:
        raise CompareError(f"--months {text!r}: the first month must not exceed the last")
    return low, high


def stats_for(metric: str) -> tuple[str, ...]:
    """The run-level statistics of a metric: flows ``cumulative, final``, stocks and rates
    ``final, average``, run-level columns ``run``."""
    info = metric_info(metric)
    if info.source == "runs":
        return ("run",)
    return ("cumulative", "final") if info.kind == "flow" else ("final", "average")


def _labels(results: Sequence[ResultSet]) -> list[str]:
    names = [r.name for r in results]
    if len(set(names)) == len(names):
        return names
    names = [r.path.name for r in results]
    if len(set(names)) == len(names):
        return names
    return [str(r.path) for r in results]


def _arms(results: Sequence[ResultSet]) -> tuple[list[Arm], dict[str, str]]:
    if len(results) == 1:
        variants = results[0].variants
        arms = [Arm(v, results[0].name, v) for v in variants]
        ref = "base" if "base" in variants else variants[0]
        return arms, {a.label: ref for a in arms if a.label != ref}
    arms, reference = [], {}
    labels = _labels(results)
    first: dict[str, str] = {}
    for i, (result, label) in enumerate(zip(results, labels, strict=True)):
        for variant in result.variants:
            name = label if len(result.variants) == 1 else f"{label}:{variant}"
            arms.append(Arm(name, label, variant))
            if i == 0:
                first[variant] = name
            else:
                reference[name] = first.get(variant, next(iter(first.values())))
    return arms, reference


def _seeds(result: ResultSet) -> dict[tuple[str, int], str]:
    seeds = {}
    for run in result.manifest.get("runs", []):
        seed = run.get("seed") or {}
        key = f"{seed.get('entropy')}/{'.'.join(map(str, seed.get('spawn_key', [])))}"
        seeds[(run["variant"], int(run["replicate"]))] = key
    return seeds


def build_comparison(
    results: Sequence[ResultSet],
    metrics: Sequence[str] = DEFAULT_METRICS,
    months: tuple[float | None, float | None] = (None, None),
) -> Comparison:
    """Read the time series of ``results`` for ``metrics`` within ``months``.

    Raises:
        CompareError: an unknown metric or one a folder does not have, a window with a run-level
            metric or with no month, a folder with no finished run, or a sweep folder (its samples
            are analysed by ``sim sensitivity``).
    """
    metrics = list(dict.fromkeys(metrics))
    try:
        check_names(metrics, "--metric")
    except MetricError as exc:
        raise CompareError(str(exc)) from None
    whole = [m for m in metrics if metric_info(m).source == "runs"]
    if whole and months != (None, None):
        raise CompareError(
            f"--metric {whole[0]}: a whole-run value (runs.csv) has no months; drop --months or "
            "choose a metric recorded every month"
        )
    series = [m for m in metrics if m not in whole]
    sweep = next((r for r in results if r.manifest.get("sweep")), None)
    if sweep is not None:
        raise CompareError(
            f"{sweep.path}: a sweep folder ({len(sweep.variants)} samples) has no base variant "
            f"to compare against; use sim sensitivity {sweep.path} and sim report {sweep.path}"
        )
    paths = [r.path.resolve() for r in results]
    twice = next((p for i, p in enumerate(paths) if p in paths[:i]), None)
    if twice is not None:
        raise CompareError(f"{twice}: the same result folder is given twice")
    arms, reference = _arms(results)
    by_source = {(a.source, a.variant): a.label for a in arms}
    frames, run_frames, step_months, vendors = [], [], {}, []
    for result, label in zip(
        results, _labels(results) if len(results) > 1 else [None], strict=True
    ):
        source = label or result.name
        try:
            ts = read_series(result, series)
            runs = read_runs(result, whole)
        except MetricError as exc:
            raise CompareError(str(exc)) from None
        if ts.empty:
            raise CompareError(f"{result.path}: no finished run to compare")
        seeds = _seeds(result)
        for frame in (ts, runs):
            frame["arm"] = [by_source[(source, v)] for v in frame["variant"]]
            frame["seed"] = [
                seeds.get((v, int(r)), f"{v}/{r}")
                for v, r in zip(frame["variant"], frame["replicate"], strict=True)
            ]
        run_frames.append(runs[["arm", "seed", "vendor", *whole]])
        months_per_step = float(ts["month"].min()) / (int(ts["step"].min()) + 1)
        for arm in set(ts["arm"]):
            step_months[arm] = months_per_step
        vendors += list(result.vendors)
        frames.append(ts)
    ts = pd.concat(frames, ignore_index=True)
    low, high = months
    window = (
        float(ts["month"].min()) if low is None else low,
        float(ts["month"].max()) if high is None else high,
    )
    ts = ts[(ts["month"] >= window[0] - 1e-9) & (ts["month"] <= window[1] + 1e-9)]
    if ts.empty:
        raise CompareError(f"--months {window[0]:g}:{window[1]:g}: no month of the runs is in it")
    ts = ts[["arm", "seed", "step", "month", "vendor", *series]].reset_index(drop=True)
    arms = [a for a in arms if a.label in set(ts["arm"])]
    reference = {k: v for k, v in reference.items() if k in set(ts["arm"]) and v in set(ts["arm"])}
    vendors = [v for v in dict.fromkeys(vendors) if v in set(ts["vendor"])]
    runs = pd.concat(run_frames, ignore_index=True)
    return Comparison(
        arms, reference, vendors, metrics, window, ts, step_months, list(results), runs
    )


def run_values(comp: Comparison) -> pd.DataFrame:
    """Run-level values: one row per arm, seed and vendor; columns ``metric:stat``."""
    ts = comp.timeseries
    keys = ["arm", "seed", "vendor"]
    grouped = ts.groupby(keys, sort=False)
    last = ts.loc[grouped["step"].idxmax()].set_index(keys)
    per_month = last.index.get_level_values("arm").map(comp.step_months).to_numpy(float)
    out = {}
    for metric in comp.series_metrics:
        for stat in stats_for(metric):
            if stat == "cumulative":
                out[f"{metric}:{stat}"] = grouped[metric].sum()
            elif stat == "average":
                out[f"{metric}:{stat}"] = grouped[metric].mean()
            else:
                flow = metric_info(metric).kind == "flow"
                column = last[metric] / per_month if flow else last[metric]
                out[f"{metric}:{stat}"] = column
    values = pd.DataFrame(out) if out else pd.DataFrame(index=last.index)  # only whole-run metrics
    whole = [m for m in comp.metrics if m not in comp.series_metrics]
    if whole and comp.runs is not None:
        runs = comp.runs.set_index(keys)[whole]
        values = values.join(runs.rename(columns={m: f"{m}:run" for m in whole}))
    return values.reset_index()


def difference(values: pd.Series, reference: pd.Series) -> Interval:
    """``values - reference`` (each indexed by seed): paired on shared seeds when at least two
    are shared, else Welch."""
    shared = values.index.intersection(reference.index)
    if len(shared) >= 2:
        return paired_interval((values[shared] - reference[shared]).to_numpy(float))
    return welch_interval(values.to_numpy(float), reference.to_numpy(float))


def leads(column: pd.Series, arms: Sequence[str]) -> tuple[str, dict[str, Interval]]:
    """The arm of ``arms`` with the highest mean of ``column`` (indexed by arm and seed), and its
    lead over each other arm: ``leader - other`` by :func:`difference`."""
    leader = max(arms, key=lambda arm: column.loc[arm].mean())
    return leader, {
        other: difference(column.loc[leader], column.loc[other])
        for other in arms
        if other != leader
    }


def comparison_table(comp: Comparison) -> pd.DataFrame:
    """One row per metric, vendor, statistic and arm: mean with its interval and, for compared
    arms, the difference from the reference arm with its interval (columns
    :data:`TABLE_COLUMNS`)."""
    values = run_values(comp)
    groups = {k: g.set_index("seed") for k, g in values.groupby(["arm", "vendor"], sort=False)}
    rows = []
    for metric in comp.metrics:
        for vendor in comp.vendors:
            for stat in stats_for(metric):
                column = f"{metric}:{stat}"
                for arm in comp.arms:
                    mine = groups.get((arm.label, vendor))
                    if mine is None:
                        continue
                    mean = mean_interval(mine[column].to_numpy(float))
                    row = {
                        "metric": metric, "stat": stat, "vendor": vendor, "arm": arm.label,
                        "source": arm.source, "variant": arm.variant, "n": mean.n,
                        "mean": mean.estimate, "mean_low": mean.low, "mean_high": mean.high,
                        "reference": "", "diff": math.nan, "diff_low": math.nan,
                        "diff_high": math.nan, "relative": math.nan, "pairs": 0, "agree": -1,
                        "method": "",
                    }  # fmt: skip
                    ref = comp.reference.get(arm.label)
                    theirs = groups.get((ref, vendor)) if ref else None
                    if theirs is not None:
                        diff = difference(mine[column], theirs[column])
                        ref_mean = float(theirs[column].mean())
                        row |= {
                            "reference": ref, "diff": diff.estimate, "diff_low": diff.low,
                            "diff_high": diff.high, "pairs": diff.n if diff.agree >= 0 else 0,
                            "agree": diff.agree, "method": diff.method,
                            "relative": diff.estimate / ref_mean if ref_mean else math.nan,
                        }  # fmt: skip
                    rows.append(row)
    return pd.DataFrame(rows, columns=list(TABLE_COLUMNS))


def output_folder(first: Path, out: Path | None) -> Path:
    """The folder a comparison writes into: ``out`` (new or empty), else ``first/compare`` or,
    when that exists, ``first/compare-2``, ``compare-3``, ...

    Raises:
        CompareError: ``out`` exists and is not an empty folder.
    """
    if out is not None:
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise CompareError(f"--out {out}: exists and is not an empty folder; choose a new one")
        out.mkdir(parents=True, exist_ok=True)
        return out
    for suffix in ["", *(f"-{i}" for i in range(2, 1000))]:
        folder = first / f"compare{suffix}"
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        return folder
    raise CompareError(f"{first}: too many compare folders")


__all__ = [
    "DEFAULT_METRICS", "TABLE_COLUMNS", "Arm", "CompareError", "Comparison", "build_comparison",
    "comparison_table", "difference", "leads", "output_folder", "parse_window", "run_values",
    "stats_for",
]  # fmt: skip
