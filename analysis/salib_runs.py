"""Sensitivity analyses of a sweep, one per outcome and vendor, here or in a pool of processes.

Sobol and Morris indices are SALib's (``sobol.analyze``, ``morris.analyze``); delta indices are
:mod:`analysis.delta_index` (SALib's estimator, vectorised and compiled: SALib's own took 6-8 s
per analysis of 2,500 samples). An analysis seeds its own bootstrap (a generator of its own from
the job's seed), so its indices do not depend on which process computes it or on what that
process computed before: :func:`analyse_all` gives the same numbers with or without a pool of
workers, which shares the analyses of several vendors or outcomes (``sim sensitivity --workers``).

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
from concurrent.futures.process import BrokenProcessPool
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
    """The indices of one job, as a plain dict; SALib's with BLAS on one thread (see the module)."""
    if job.method == "delta":
        from analysis import delta_index

        return delta_index.analyze(job.problem, job.X, job.Y, seed=job.seed, **job.options)
    from SALib.analyze import morris, sobol
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"), warnings.catch_warnings(record=True):
        warnings.simplefilter("ignore")  # SALib resets filters; record keeps it quiet
        if job.method == "sobol":
            return dict(sobol.analyze(job.problem, job.Y, seed=job.seed, **job.options))
        return dict(morris.analyze(job.problem, job.X, job.Y, seed=job.seed, **job.options))


@dataclass(frozen=True)
class AnalysisPool:
    """Worker processes for :func:`analyse_all`: ``executor`` with up to ``workers`` of them."""

    executor: cf.Executor
    workers: int


@contextlib.contextmanager
def analysis_pool(workers: int) -> Iterator[AnalysisPool | None]:
    """A pool of up to ``workers - 1`` processes for :func:`analyse_all` (None when ``workers``
    <= 1).

    One worker starts at once and imports SALib and loads the compiled delta pass (about a
    second) while this process goes on;
    more start only when there are analyses for them (a process pool of ``forkserver`` workers
    starts them on demand). On leaving, the pool is shut down, or stopped at once after an error.
    Like any process pool (:func:`sim.experiments.executors.process_pool`), a script that uses
    one needs the ``if __name__ == "__main__":`` guard.
    """
    if workers <= 1:
        yield None
        return
    from sim.experiments.executors import process_pool, stop_pool

    executor = process_pool(workers - 1)
    try:
        executor.submit(_warm_up)
        yield AnalysisPool(executor, workers - 1)
    except BaseException:
        stop_pool(executor)
        raise
    executor.shutdown()


def _warm_up() -> None:
    from SALib.analyze import morris, sobol  # noqa: F401

    from analysis import delta_index

    delta_index.warm_up()


def analyse_all(jobs: list[Job], pool: AnalysisPool | None = None) -> list[dict[str, Any]]:
    """The indices of every job, in order.

    With a ``pool`` the jobs are shared between this process (the first ones, its even share)
    and the pool's workers (the rest); should a worker die, its jobs are done here.
    """
    if pool is None or len(jobs) <= 1:
        return [analyse(job) for job in jobs]
    mine = -(-len(jobs) // min(pool.workers + 1, len(jobs)))  # ceil: this process's share
    others = [(pool.executor.submit(analyse, job), job) for job in jobs[mine:]]
    return [*(analyse(job) for job in jobs[:mine]), *(_result(*other) for other in others)]


def _result(future: cf.Future[dict[str, Any]], job: Job) -> dict[str, Any]:
    """A worker's result; a job whose worker died (killed, out of memory) is analysed here."""
    try:
        return future.result()
    except BrokenProcessPool:
        return analyse(job)


__all__ = ["AnalysisPool", "Job", "analyse", "analyse_all", "analysis_pool"]
