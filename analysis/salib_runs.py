"""SALib analyses of a sweep, one per outcome and vendor.

An analysis seeds its own bootstrap (SALib's ``seed=``: numpy's global generator for delta, a
generator of its own for Sobol and Morris), so its indices do not depend on what was computed
before it.

SALib's bootstraps make many thousands of tiny BLAS calls (kernel density estimates of one
variable). OpenBLAS would run each on all its threads, which wait for each other by spinning: on
a machine whose cores are busy with other processes (runs, other analyses) one delta analysis of
2,500 samples then took 78 s instead of 3 s. An analysis therefore runs BLAS on one thread
(``threadpoolctl``); the indices are the same.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Job:
    """One SALib call: ``method`` (``sobol``, ``morris`` or ``delta``) on the problem's samples
    ``X`` with outcomes ``Y``, bootstrap seeded by ``seed``, ``options`` passed on as keywords."""

    method: str
    problem: dict[str, Any]
    X: np.ndarray  # noqa: N815 - SALib's names
    Y: np.ndarray  # noqa: N815
    seed: int
    options: dict[str, Any]


def analyse(job: Job) -> dict[str, Any]:
    """SALib's indices of one job, as a plain dict, with BLAS on one thread (see the module)."""
    from SALib.analyze import delta, morris, sobol
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"), warnings.catch_warnings(record=True):
        warnings.simplefilter("ignore")  # SALib resets filters; record keeps it quiet
        if job.method == "sobol":
            return dict(sobol.analyze(job.problem, job.Y, seed=job.seed, **job.options))
        if job.method == "morris":
            return dict(morris.analyze(job.problem, job.X, job.Y, seed=job.seed, **job.options))
        result = dict(delta.analyze(job.problem, job.X, job.Y, seed=job.seed, **job.options))
    if "delta" not in result:  # SALib >= 1.6 names the classic estimate delta_raw
        result["delta"], result["delta_conf"] = result["delta_raw"], result["delta_raw_conf"]
    return result


def analyse_all(jobs: list[Job]) -> list[dict[str, Any]]:
    """The indices of every job, in order."""
    return [analyse(job) for job in jobs]


__all__ = ["Job", "analyse", "analyse_all"]
