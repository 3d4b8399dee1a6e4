"""SALib analyses of a sweep, one per outcome and vendor, here or in a pool of processes.

An analysis seeds its own bootstrap (SALib's ``seed=``: numpy's global generator for delta, a
generator of its own for Sobol and Morris), so its indices do not depend on which process computes
it or on what that process computed before: :func:`analyse_all` gives the same numbers with or
without a pool of workers. SALib's delta indices of a few thousand samples take seconds each, so a sweep
with several vendors or outcomes is analysed in parallel. A worker imports this module, numpy and
SALib only.

SALib's bootstraps make many thousands of tiny BLAS calls (kernel density estimates of one
variable). OpenBLAS would run each on all its threads, which wait for each other by spinning: on
a machine whose cores are busy with other processes (runs, other analyses) one delta analysis of
2,500 samples then took 78 s instead of 3 s. An analysis therefore runs BLAS on one thread
(``threadpoolctl``); the indices are the same.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import warnings
from collections.abc import Iterator
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


@contextlib.contextmanager
def analysis_pool(workers: int) -> Iterator[cf.ProcessPoolExecutor | None]:
    """``workers - 1`` processes for :func:`analyse_all` (None when ``workers`` <= 1).

    They start at once and import SALib while this process does other work (a worker takes
    about a second to start); on leaving, they are shut down, or stopped at once after an error.
    Like any process pool (:func:`sim.experiments.executors.process_pool`), a script that uses
    one needs the ``if __name__ == "__main__":`` guard.
    """
    if workers <= 1:
        yield None
        return
    from sim.experiments.executors import process_pool, stop_pool

    pool = process_pool(workers - 1)
    try:
        for _ in range(workers - 1):
            pool.submit(_import_salib)
        yield pool
    except BaseException:
        stop_pool(pool)
        raise
    pool.shutdown()


def _import_salib() -> None:
    from SALib.analyze import delta, morris, sobol  # noqa: F401


def analyse_all(jobs: list[Job], pool: cf.Executor | None = None) -> list[dict[str, Any]]:
    """The indices of every job, in order; with a ``pool`` (:func:`analysis_pool`) this process
    analyses the first job while the pool analyses the others."""
    if pool is None or len(jobs) <= 1:
        return [analyse(job) for job in jobs]
    others = [pool.submit(analyse, job) for job in jobs[1:]]
    return [analyse(jobs[0]), *(future.result() for future in others)]


__all__ = ["Job", "analyse", "analyse_all", "analysis_pool"]
