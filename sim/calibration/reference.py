"""The reference table of a fit: parameter sets drawn from the prior, each simulated, each run's deal
log summarised by the same statistics as the history.

Parameter sets are a scrambled Sobol sequence (``scipy.stats.qmc``) over the prior box, seeded by
the scenario's seed; sample ``i``, replicate ``r`` runs from
``SeedSequence(entropy=seed, spawn_key=(REFERENCE_KEY, i, r))``, so the table is the same for any
worker count or order of completion. The statistics are computed in the worker from the run's deal
log (:func:`sim.experiments.deal_files.canonical_frames`), exactly as from a vendor's export.
"""

from __future__ import annotations

import concurrent.futures as cf
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import qmc

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


def run_statistics(
    config: ScenarioConfig, spawn_key: tuple[int, ...], with_partners: bool = True
) -> dict[str, float]:
    """One run's history statistics (the worker's task); without ``with_partners`` they are
    computed as for a history without ``partners.csv``, so they compare with such a history."""
    seed = np.random.SeedSequence(entropy=config.seed, spawn_key=spawn_key)
    output = simulate(config, seed, record_deals=True)
    deals, partners = canonical_frames(output.deals)
    return history_statistics(deals, partners if with_partners else None).scalars


def _task(args: tuple[ScenarioConfig, tuple[int, ...], bool]) -> dict[str, float]:
    return run_statistics(*args)


def reference_table(
    base: ScenarioConfig,
    samples: pd.DataFrame,
    replicates: int = 1,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
    with_partners: bool = True,
) -> pd.DataFrame:
    """Simulate every sample ``replicates`` times; one row per run: ``sample``, ``replicate``, the
    parameter values, then every statistic (``with_partners``: see :func:`run_statistics`). Rows
    are in plan order whatever the worker count. Ctrl-C or a failed run cancels the runs not yet
    started instead of waiting for them."""
    jobs = []
    whole = whole_number_keys(base, list(samples.columns))
    for i, row in enumerate(samples.to_dict("records")):
        values = {k: int(round(v)) if k in whole else float(v) for k, v in row.items()}
        config = with_overrides(base, values)
        jobs += [((config, (REFERENCE_KEY, i, r), with_partners), i, r) for r in range(replicates)]
    results: dict[tuple[int, int], dict[str, float]] = {}
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
        rows.append({"sample": i, "replicate": r, **samples.iloc[i].to_dict(), **results[(i, r)]})
    return pd.DataFrame(rows)


__all__ = ["REFERENCE_KEY", "Prior", "prior_samples", "reference_table", "run_statistics"]
