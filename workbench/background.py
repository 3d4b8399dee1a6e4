"""Running what-if variants in the background: one process pool for every page of a dashboard, a
cache of finished runs, and runs in stages that report progress and can be cancelled.

A run is a pure function of its resolved variant and its replicate seed (``SeedSequence(seed,
spawn_key=(r,))``), so the cache keys a run by exactly that: the resolved scenario without its
name, description, replicate count and sweep (which do not change a run), and the replicate.
Replicates ``0..n-1`` of a variant are the first ``n`` of any larger count, so a quick first answer
with few replicates is refined by running only the replicates it lacks, and a variant that did not
change since the last run is not run again.

The runs of a stage are written into a normal result folder by the writer ``sim run`` uses
(:func:`write_results`), so the page reads the files ``sim run`` would write for the same scenario
and seed.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from sim.experiments.executors import process_pool, stop_pool
from sim.experiments.reader import load_results
from sim.experiments.runner import plan_runs, scenario_writer
from sim.experiments.tasks import RunResult, RunTask, run_one
from sim.scenario import Scenario, ScenarioConfig, dump_yaml, resolved_document
from workbench.api import Result

CACHE_RUNS = 20_000
"""Most finished runs kept (the oldest go first); a run of the shipped scenarios is about 50 kB."""
WAIT_SECONDS = 0.2
"""How often a stage looks for finished runs and for a cancellation."""
NOT_IN_KEY = ("name", "description", "replicates", "sweep")
"""Keys of a resolved scenario that do not change a run, so not part of its cache key."""


def run_key(config: ScenarioConfig, replicate: int) -> str:
    """The cache key of replicate ``replicate`` of ``config``: a hash of the resolved scenario
    (seed included, :data:`NOT_IN_KEY` left out) and the replicate."""
    doc = {k: v for k, v in resolved_document(config).items() if k not in NOT_IN_KEY}
    text = dump_yaml(doc) + f"\nreplicate: {replicate}\n"
    return hashlib.sha256(text.encode()).hexdigest()


def stages(replicates: int, quick: int) -> list[int]:
    """Replicate counts to run in turn: ``quick`` first (a fast answer), then ``replicates``."""
    return [quick, replicates] if 0 < quick < replicates else [replicates]


class Runs:
    """Runs for every page of one dashboard: a process pool and a cache of finished runs.

    Args:
        workers: processes; 1 runs each run in the calling thread.
    """

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)
        self._pool: cf.ProcessPoolExecutor | None = None
        self._cache: OrderedDict[str, RunResult] = OrderedDict()
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the pool's workers now, each importing the model, so the first answer does not
        wait for them. Call from the main thread."""
        if self.workers > 1 and self._pool is None:
            self._pool = process_pool(self.workers)
            for _ in range(self.workers):
                self._pool.submit(_import_model)

    def close(self) -> None:
        if self._pool is not None:
            stop_pool(self._pool)
            self._pool = None

    def cached(self, config: ScenarioConfig, replicate: int) -> RunResult | None:
        with self._lock:
            return self._cache.get(run_key(config, replicate))

    def _keep(self, key: str, result: RunResult) -> None:
        with self._lock:
            self._cache[key] = result
            self._cache.move_to_end(key)
            while len(self._cache) > CACHE_RUNS:
                self._cache.popitem(last=False)

    def run(
        self,
        scenario: Scenario,
        *,
        progress: Callable[[int, int], None] = lambda done, total: None,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> dict[tuple[str, int], RunResult] | None:
        """Every run of ``scenario`` (variants x replicates), from the cache or run now.

        ``progress(done, total)`` is called as runs finish; when ``cancelled()`` turns true the
        runs not started are cancelled and None is returned (runs that finish are still kept).
        A failed run is returned with its error but not kept, so it is tried again next time.
        """
        tasks = plan_runs(scenario)
        keys = {task.record().key: run_key(task.config, task.replicate) for task in tasks}
        with self._lock:
            found = {k: self._cache[keys[k]] for k in keys if keys[k] in self._cache}
        missing = [task for task in tasks if task.record().key not in found]
        progress(len(found), len(tasks))
        if missing and not self._execute(missing, keys, found, len(tasks), progress, cancelled):
            return None
        return {key: found[key] for key in keys}

    def _execute(self, missing, keys, found, total, progress, cancelled) -> bool:
        def accept(task: RunTask, result: RunResult) -> None:
            key = task.record().key
            found[key] = result
            if result.output is not None:
                self._keep(keys[key], result)
            progress(len(found), total)

        if self._pool is None and self.workers > 1:
            self.start()
        if self._pool is None:
            for task in missing:
                if cancelled():
                    return False
                accept(task, run_one(task))
            return True
        futures = {self._pool.submit(run_one, task): task for task in missing}
        pending = set(futures)
        while pending:
            done, pending = cf.wait(pending, timeout=WAIT_SECONDS, return_when="FIRST_COMPLETED")
            for future in done:
                if not future.cancelled():
                    accept(futures[future], _result(future, futures[future]))
            if cancelled():
                for future in pending:
                    future.cancel()
                return False
        return True


def _result(future: cf.Future[RunResult], task: RunTask) -> RunResult:
    """A future's result; a crashed worker becomes a failed run."""
    try:
        return future.result()
    except Exception as exc:  # the pool itself failed (a worker died): a failed run, not a crash
        return RunResult(
            task.variant, task.replicate, None, f"{type(exc).__name__}: {exc}", None, 0
        )


def _import_model() -> None:
    import sim.model.channel_model  # noqa: F401


def write_results(
    scenario: Scenario,
    results: dict[tuple[str, int], RunResult],
    folder: Path,
    *,
    command_line: str = "sim dashboard",
    temporary: bool = False,
) -> Result:
    """Write the runs of ``scenario`` into the new or empty result folder ``folder`` with the
    writer ``sim run`` uses, holding the folder's lock as ``sim run`` does, and open it (a
    ``temporary`` folder is removed with its Result).

    Raises:
        sim.experiments.ResultsError: ``folder`` is not empty, or cannot be made or written.
        sim.experiments.FolderBusyError: another process writes into ``folder``.
    """
    from sim.experiments.result_folder import claim_result_folder

    tasks = plan_runs(scenario)
    with claim_result_folder(scenario.name, folder) as claimed:
        writer = scenario_writer(scenario, tasks, claimed, command_line)
        for task in tasks:
            result = results[task.record().key]
            record = replace(
                task.record(),
                status="ok" if result.output is not None else "failed",
                error=result.error,
                traceback=result.traceback,
                seconds=round(result.seconds, 3),
            )
            writer.add(record, result.output, result.prepared)
        writer.close()
    return Result(load_results(folder), temporary=Path(folder) if temporary else None)


__all__ = ["Runs", "run_key", "stages", "write_results"]
