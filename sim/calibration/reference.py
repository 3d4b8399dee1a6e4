"""The reference table of a fit: parameter sets drawn from the prior, each simulated, each run's deal
log summarised by the same statistics as the history.

Parameter sets are a scrambled Sobol sequence (``scipy.stats.qmc``) over the prior box, seeded by
the scenario's seed; sample ``i``, replicate ``r`` runs from
``SeedSequence(entropy=seed, spawn_key=(REFERENCE_KEY, i, r))``, so the table is the same for any
worker count or order of completion. The statistics are computed in the worker from the run's deal
log (:func:`sim.experiments.deal_files.canonical_frames`), exactly as from a vendor's export: with a
held-out check, on the log cut short as the history is (:mod:`sim.calibration.over_time`), and the
run's monthly series over the whole window beside them.
"""

from __future__ import annotations

import concurrent.futures as cf
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import qmc

from sim.calibration.history import History
from sim.calibration.over_time import cut_date, cut_short, series
from sim.calibration.statistics import history_statistics
from sim.experiments.deal_files import canonical_frames
from sim.experiments.executors import process_pool
from sim.experiments.sweep_run import whole_number_keys
from sim.model.channel_model import simulate
from sim.scenario.resolution import with_overrides
from sim.scenario.schema import ScenarioConfig

REFERENCE_KEY = 7_100
"""First element of every reference run's spawn key (apart from replicates and sweeps' streams)."""


@dataclass(frozen=True)
class Prior:
    """A uniform prior on one scenario key (``path`` as ``--set`` takes it) in ``[low, high]``."""

    path: str
    low: float
    high: float
    integer: bool = False

    def __post_init__(self) -> None:
        if not (np.isfinite(self.low) and np.isfinite(self.high) and self.low < self.high):
            raise ValueError(f"{self.path}: the range must be LOW:HIGH with LOW < HIGH")


def prior_samples(priors: list[Prior], n: int, seed: int) -> pd.DataFrame:
    """``n`` parameter sets: a scrambled Sobol sequence (the first ``n`` points) scaled to the box."""
    sobol = qmc.Sobol(
        d=len(priors), scramble=True, seed=np.random.default_rng([seed, REFERENCE_KEY])
    )
    with warnings.catch_warnings():  # a power of 2 balances best; any n is still a Sobol prefix
        warnings.simplefilter("ignore", UserWarning)
        unit = sobol.random(n)
    low = np.array([p.low for p in priors])
    high = np.array([p.high for p in priors])
    values = qmc.scale(unit, low, high)
    frame = pd.DataFrame(values, columns=[p.path for p in priors])
    for p in priors:
        if p.integer:
            frame[p.path] = frame[p.path].round()
    return frame


@dataclass(frozen=True)
class Reference:
    """The reference runs: ``table`` (one row per run, see :func:`reference_table`) and ``series``,
    ``(runs, len(SERIES), months)`` their monthly series in the same order (None when not asked)."""

    table: pd.DataFrame
    series: np.ndarray | None = None


@dataclass(frozen=True)
class RunSpec:
    """What each reference run reports: statistics as for a history with or without
    ``partners.csv``, fitted on all but the last ``holdout_months``, and ``months`` of series."""

    with_partners: bool = True
    holdout_months: int = 0
    months: int = 0


def run_statistics(
    config: ScenarioConfig, spawn_key: tuple[int, ...], spec: RunSpec = RunSpec()
) -> tuple[dict[str, float], np.ndarray | None]:
    """One run's history statistics and monthly series (the worker's task)."""
    seed = np.random.SeedSequence(entropy=config.seed, spawn_key=spawn_key)
    output = simulate(config, seed, record_deals=True)
    deals, partners = canonical_frames(output.deals)
    run = History(deals, partners if spec.with_partners else None)
    fitted = run
    if spec.holdout_months and len(deals):
        fitted = cut_short(run, cut_date(run, spec.holdout_months, spec.months or None))
    scalars = history_statistics(fitted.deals, fitted.partners).scalars
    return scalars, series(run, spec.months) if spec.months else None


def _task(args: tuple[ScenarioConfig, tuple[int, ...], RunSpec]):
    return run_statistics(*args)


def reference_table(
    base: ScenarioConfig,
    samples: pd.DataFrame,
    replicates: int = 1,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
    spec: RunSpec = RunSpec(),
) -> Reference:
    """Simulate every sample ``replicates`` times; one row per run: ``sample``, ``replicate``, the
    parameter values, then every statistic (as ``spec`` says). Rows are in plan order whatever the
    worker count. Ctrl-C or a failed run cancels the runs not yet started instead of waiting for
    them."""
    jobs = []
    whole = whole_number_keys(base, list(samples.columns))
    for i, row in enumerate(samples.to_dict("records")):
        values = {k: int(round(v)) if k in whole else float(v) for k, v in row.items()}
        config = with_overrides(base, values)
        jobs += [((config, (REFERENCE_KEY, i, r), spec), i, r) for r in range(replicates)]
    results: dict[tuple[int, int], tuple[dict[str, float], np.ndarray | None]] = {}
    done = 0
    if workers <= 1:
        for args, i, r in jobs:
            results[(i, r)] = _task(args)
            done += 1
            if progress:
                progress(done, len(jobs))
    else:
        with process_pool(workers) as pool:
            futures = {pool.submit(_task, args): (i, r) for args, i, r in jobs}
            try:
                for future in cf.as_completed(futures):
                    results[futures[future]] = future.result()
                    done += 1
                    if progress:
                        progress(done, len(jobs))
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)
                raise
    rows = []
    for _, i, r in jobs:
        rows.append(
            {"sample": i, "replicate": r, **samples.iloc[i].to_dict(), **results[(i, r)][0]}
        )
    runs = np.stack([results[(i, r)][1] for _, i, r in jobs]) if spec.months and jobs else None
    return Reference(pd.DataFrame(rows), runs)


__all__ = [
    "REFERENCE_KEY",
    "Prior",
    "Reference",
    "RunSpec",
    "prior_samples",
    "reference_table",
    "run_statistics",
]
