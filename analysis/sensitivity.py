"""Global sensitivity indices of a sweep folder's outcomes.

The method follows the sweep's design (:data:`METHOD_OF`):

- ``sobol`` (Saltelli design): ``SALib.analyze.sobol`` first-order ``S1`` and total ``ST`` indices
  (``calc_second_order=False``), bootstrap confidence intervals.
- ``morris`` (trajectories): ``SALib.analyze.morris`` ``mu_star`` (mean absolute elementary effect,
  per unit of the parameter's range as a share of that range, i.e. in outcome units), its bootstrap
  interval ``mu_star_conf``, and ``sigma`` (spread of the effects: interactions or non-linearity).
- ``lhs``, ``random`` and ``grid`` (any sample): Borgonovo's moment-independent ``delta`` and a
  first-order ``S1`` estimated from the same points, bootstrap intervals (SALib's estimator,
  vectorised: :mod:`analysis.delta_index`).

The outcome of a sample is the mean over its replicates (:func:`analysis.sweeps.sample_means`).
Every interval is 90% (``conf_level=0.9``); ``conf`` is its half-width. Bootstrap draws are seeded
from the scenario seed, so the numbers are reproducible.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.delta_index import MIN_SAMPLES
from analysis.intervals import LEVEL
from analysis.salib_runs import AnalysisPool, Job, analyse_all
from analysis.sweeps import Sweep, SweepError, sample_means

METHOD_OF = {
    "sobol": "sobol",
    "morris": "morris",
    "lhs": "delta",
    "random": "delta",
    "grid": "delta",
}
"""Sweep design -> analysis method."""
DESCRIPTION = {
    "sobol": "Sobol indices (SALib sobol.analyze, Saltelli design): S1 first-order, ST total",
    "morris": "Morris elementary effects (SALib morris.analyze): mu* mean absolute effect, sigma",
    "delta": "Borgonovo delta and first-order S1 (Plischke et al. 2013; valid for any sample)",
}
INDICES = {"sobol": ("S1", "ST"), "morris": ("mu_star", "sigma"), "delta": ("delta", "S1")}
"""Indices reported per method."""
RANK_BY = {"sobol": "ST", "morris": "mu_star", "delta": "delta"}
COLUMNS = ["outcome", "vendor", "method", "parameter", "index", "value", "conf", "low", "high"]
NUM_RESAMPLES = 200
DELTA_RESAMPLES = 100
"""Bootstrap resamples of delta indices (SALib's default)."""


def _seed(sweep: Sweep) -> int:
    """An integer seed for SALib's bootstrap, derived from the scenario seed."""
    try:
        entropy = int(sweep.results.resolved.get("seed", 0))
    except (ValueError, TypeError):
        entropy = 0
    return int(np.random.SeedSequence(entropy, spawn_key=(0x5A11B,)).generate_state(1)[0])


def _complete(sweep: Sweep, means: pd.DataFrame) -> pd.Series:
    """Samples with at least one finished run; Sobol and Morris designs need every sample."""
    done = means["sample"].unique()
    have = sweep.samples["sample"].isin(done)
    if not have.all() and METHOD_OF[sweep.method] in ("sobol", "morris"):
        missing = sweep.samples.loc[~have, "sample"].tolist()
        raise SweepError(
            f"{sweep.results.path}: {len(missing)} of {len(have)} samples have no finished run "
            f"(first {missing[0]}); a {sweep.method} design needs all of them: finish the sweep "
            "with sim sweep --resume"
        )
    return have


def _job(sweep: Sweep, method: str, X: np.ndarray, Y: np.ndarray, seed: int) -> Job:
    """The SALib call of one outcome of one vendor."""
    problem = {k: sweep.problem[k] for k in ("num_vars", "names", "bounds")}
    if method == "sobol":
        d = problem["num_vars"]
        if Y.size % (d + 2):
            raise SweepError(
                f"{sweep.results.path}: {Y.size} samples is not a Saltelli design for {d} "
                f"parameters (needs a multiple of {d + 2})"
            )
        options = {"calc_second_order": False, "num_resamples": NUM_RESAMPLES, "conf_level": LEVEL}
    elif method == "morris":
        levels = int(sweep.options.get("num_levels", 4))
        options = {"num_resamples": NUM_RESAMPLES, "conf_level": LEVEL, "num_levels": levels}
    else:
        options = {"num_resamples": DELTA_RESAMPLES, "conf_level": LEVEL}
    return Job(method, problem, X, Y, seed, options)


def _flat(Y: np.ndarray) -> bool:
    """The outcome does not vary over the samples."""
    return bool(np.ptp(Y) <= 1e-12 * max(1.0, float(np.abs(Y).max())))


def _constant(sweep: Sweep, method: str) -> dict:
    zeros = np.zeros(len(sweep.parameters))
    if method == "morris":
        return {"mu_star": zeros, "mu_star_conf": zeros, "sigma": zeros}
    first, second = INDICES[method]
    return {first: zeros, f"{first}_conf": zeros, second: zeros, f"{second}_conf": zeros}


def sensitivity_table(
    sweep: Sweep,
    outcomes: Sequence[str] = ("channel_revenue",),
    vendors: Sequence[str] = (),
    pool: AnalysisPool | None = None,
) -> pd.DataFrame:
    """Indices per outcome, vendor and parameter (columns :data:`COLUMNS`).

    ``conf`` is the half-width of the 90% bootstrap interval (NaN for Morris ``sigma``, which
    SALib gives no interval for); ``low``/``high`` are ``value -+ conf``. An outcome that does not
    vary over the samples gets zero indices. With a ``pool``
    (:func:`analysis.salib_runs.analysis_pool`) the outcomes and vendors are analysed in parallel
    (the same numbers).

    Raises:
        SweepError: an unknown vendor or outcome, or a Sobol/Morris design with missing samples.
    """
    vendors = list(vendors) or sweep.results.vendors
    unknown = [v for v in vendors if v not in sweep.results.vendors]
    if unknown:
        raise SweepError(
            f"--vendor {unknown[0]}: not in this sweep (vendors: {', '.join(sweep.results.vendors)})"
        )
    method = METHOD_OF[sweep.method]
    means = sample_means(sweep, outcomes)
    have = _complete(sweep, means)
    X = sweep.X[have.to_numpy()]
    order = sweep.samples.loc[have, "sample"]
    seed = _seed(sweep)
    panels = []
    for outcome in outcomes:
        for vendor in vendors:
            part = means[(means["outcome"] == outcome) & (means["vendor"] == vendor)]
            Y = part.set_index("sample")["mean"].reindex(order).to_numpy(float)
            panels.append((outcome, vendor, Y))
    jobs = []  # the analyses of the panels before the first with an undefined outcome
    for _, _, Y in panels:
        if np.isnan(Y).any():
            break
        if not _flat(Y):
            jobs.append(_job(sweep, method, X, Y, seed))
    results = iter(analyse_all(jobs, pool))
    rows = []
    for outcome, vendor, Y in panels:
        if np.isnan(Y).any():
            raise SweepError(f"{sweep.results.path}: {outcome} is undefined for some samples")
        result = _constant(sweep, method) if _flat(Y) else next(results)
        if np.isnan(np.asarray(result[INDICES[method][0]], float)).all():
            raise SweepError(
                f"{sweep.results.path}: {len(Y)} samples are too few for {method} indices of "
                f"{outcome}; sweep at least {MIN_SAMPLES} samples"
            )
        for index in INDICES[method]:
            values = np.asarray(result[index], float)
            confs = np.asarray(result.get(f"{index}_conf", np.full(values.shape, math.nan)))
            for parameter, value, conf in zip(sweep.parameters, values, confs, strict=True):
                rows.append(
                    {
                        "outcome": outcome,
                        "vendor": vendor,
                        "method": method,
                        "parameter": parameter,
                        "index": index,
                        "value": float(value),
                        "conf": float(conf),
                        "low": float(value - conf),
                        "high": float(value + conf),
                    }  # fmt: skip
                )
    return pd.DataFrame(rows, columns=COLUMNS)


__all__ = ["COLUMNS", "DESCRIPTION", "INDICES", "METHOD_OF", "RANK_BY", "sensitivity_table"]
