"""Run every variant x replicate of a scenario and stream the results into a result folder.

Seeding (common random numbers): replicate ``r`` of *every* variant runs from
``numpy.random.SeedSequence(entropy=config.seed, spawn_key=(r,))``, so variants see the same random
draws replicate by replicate and their differences are paired. A run is a pure function of its
config and seed and the writer puts runs in plan order, so the result folder is the same for any
worker count or executor.

Example::

    scenario = load_scenario("scenarios/margin-cut.yaml", replicates=5)
    summary = run_scenario(scenario, workers=4)
    print(summary.folder, summary.status)
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import signal
import threading
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from sim.experiments.executors import process_pool, stop_pool
from sim.experiments.folder_layout import FolderStatus
from sim.experiments.manifest import RunRecord, resolved_scenario_yaml, scenario_notes
from sim.experiments.progress import Progress
from sim.experiments.result_folder import claim_result_folder
from sim.experiments.tasks import RunResult, RunTask, run_one
from sim.experiments.writer import ResultWriter

if TYPE_CHECKING:
    from sim.scenario import Scenario

EXIT_OK, EXIT_FAILED_RUNS, EXIT_INTERRUPTED, EXIT_TERMINATED = 0, 1, 130, 143


class Terminated(KeyboardInterrupt):
    """SIGTERM, turned into an interruption while runs go on (see :func:`interrupts_once`)."""


class FolderInterrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM while a folder's files or plots were being written (after the runs).

    The folder is ``incomplete`` and ``--resume`` finishes it.

    Attributes:
        folder: the result folder.
        terminated: it was SIGTERM, not Ctrl-C.
    """

    def __init__(self, folder: Path, terminated: bool = False) -> None:
        super().__init__(str(folder))
        self.folder, self.terminated = Path(folder), terminated


Draw = Callable[[Path], list[Path]]
"""Draws a finished folder's plots and returns the files (``analysis.plots.plot_results``)."""


@contextlib.contextmanager
def interrupts_once() -> Iterator[None]:
    """While inside, the first SIGINT raises KeyboardInterrupt and the first SIGTERM raises
    :class:`Terminated` in the main thread; later ones are ignored, so a second signal (``timeout``
    sends one to the process and one to its group; an impatient second Ctrl-C) cannot cut short the
    saving of finished runs. Does nothing outside the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    fired = []

    def handler(signum: int, frame: object) -> None:
        if fired:
            return
        fired.append(signum)
        raise Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


class UnknownVariantError(ValueError):
    """``variants=`` named a variant the scenario does not have."""


@dataclass
class RunSummary:
    """How a scenario run went.

    Attributes:
        folder: the result folder.
        status: ``complete``, ``failed-runs`` or ``incomplete`` (as in the manifest).
        records: every planned run with its status, in plan order.
        summary: the rows of ``summary.csv``.
        interrupted: the run was stopped by Ctrl-C (KeyboardInterrupt) or SIGTERM.
        terminated: it was SIGTERM (:class:`Terminated`), not Ctrl-C.
        plots: the plots drawn (with ``draw``).
        plot_error: why drawing the plots failed; the folder is then ``incomplete`` until
            ``sim plot DIR`` or ``--resume`` draws them.
    """

    folder: Path
    status: FolderStatus
    records: list[RunRecord]
    summary: pd.DataFrame
    interrupted: bool = False
    terminated: bool = False
    plots: list[Path] = field(default_factory=list)
    plot_error: str | None = None

    def count(self, status: str) -> int:
        """Number of runs with ``status`` (``ok``, ``failed`` or ``not-run``)."""
        return sum(record.status == status for record in self.records)

    @property
    def failed(self) -> list[RunRecord]:
        return [record for record in self.records if record.status == "failed"]

    @property
    def exit_code(self) -> int:
        """0 complete, 1 some runs failed or the plots failed, 130 interrupted by Ctrl-C, 143 by
        SIGTERM."""
        if self.interrupted:
            return EXIT_TERMINATED if self.terminated else EXIT_INTERRUPTED
        return EXIT_OK if self.status == "complete" else EXIT_FAILED_RUNS


def plan_runs(scenario: Scenario, variants: Sequence[str] | None = None) -> list[RunTask]:
    """Every (variant, replicate) to run, variants in scenario order, replicates ascending.

    Raises:
        UnknownVariantError: a name in ``variants`` is not a variant of the scenario.
    """
    names = list(scenario.variants)
    chosen = list(dict.fromkeys(variants)) if variants else names
    unknown = [name for name in chosen if name not in scenario.variants]
    if unknown:
        raise UnknownVariantError(
            f"unknown variant {', '.join(map(repr, unknown))}; {scenario.name} has variants: "
            + ", ".join(names)
        )
    return [
        RunTask(name, r, scenario.variants[name])
        for name in names
        if name in chosen
        for r in range(scenario.variants[name].replicates)
    ]


def run_scenario(
    scenario: Scenario,
    *,
    variants: Sequence[str] | None = None,
    workers: int = 1,
    executor: cf.Executor | None = None,
    progress: bool = True,
    out_dir: Path | str | None = None,
    results_root: Path | str = "results",
    command_line: str | None = None,
    max_in_flight: int | None = None,
    engine: str = "population",
    draw: Draw | None = None,
    deals: bool = False,
) -> RunSummary:
    """Run every chosen variant x replicate and write one result folder.

    Args:
        scenario: a loaded scenario (:func:`sim.scenario.load_scenario`).
        variants: variant names to run (default: all, ``base`` first).
        workers: processes of the default pool (:func:`process_pool`); 1 runs inline here.
        executor: any ``concurrent.futures.Executor`` to use instead (not shut down here).
        progress: show a progress bar with ETA on stderr (only when stderr is a terminal).
        out_dir: exact result folder (must not exist or be empty); default
            ``<results_root>/<name>/<YYYYmmdd-HHMMSS>/``.
        results_root: parent of default result folders.
        command_line: recorded in the manifest.
        max_in_flight: runs submitted at once (default 4 x workers, at least 8); bounds memory.
        engine: ``population`` or ``per-agent`` (:mod:`sim.model.engines`); recorded in the manifest.
        draw: draws the folder's plots once every run has finished; the folder is complete only
            with them (``sim run`` passes ``analysis.plots.plot_results``).
        deals: write each run's deal history (the focus vendor's deals and partners, in the
            format of docs/calibration.md) under ``deals/<variant>/<replicate>/``.

    Returns:
        The folder, its status and every run's record. Failed runs do not raise; Ctrl-C
        (KeyboardInterrupt) does not raise either: finished runs are saved, the folder is marked
        ``incomplete`` and ``interrupted`` is set.

    Raises:
        UnknownVariantError: ``variants`` names a variant the scenario does not have.
        sim.experiments.folder_layout.ResultsError: ``out_dir`` exists and is not empty.
        FolderInterrupted: Ctrl-C or SIGTERM after the runs, while files or plots were written.
    """
    tasks = [replace(task, engine=engine, deals=deals) for task in plan_runs(scenario, variants)]
    with claim_result_folder(scenario.name, out_dir, results_root) as folder:
        writer = scenario_writer(
            scenario, tasks, folder, command_line, engine, plots=draw is not None, deals=deals
        )
        return execute(tasks, writer, workers=workers, executor=executor, progress=progress,
                       title=scenario.name, max_in_flight=max_in_flight, draw=draw)  # fmt: skip


def scenario_writer(
    scenario: Scenario,
    tasks: Sequence[RunTask],
    folder: Path,
    command_line: str | None = None,
    engine: str = "population",
    plots: bool = False,
    deals: bool = False,
) -> ResultWriter:
    """The writer of a scenario's result folder for the runs ``tasks`` (see :func:`plan_runs`);
    with ``plots`` the folder is complete only once its plots are drawn (:func:`execute`)."""
    base = next(iter(scenario.variants.values()))
    return ResultWriter(
        folder=folder,
        scenario_name=scenario.name,
        plan=[task.record() for task in tasks],
        resolved_yaml=resolved_scenario_yaml(
            scenario, ran=list(dict.fromkeys(t.variant for t in tasks))
        ),
        command_line=command_line,
        vendors=[vendor.name for vendor in base.vendors],
        info={
            "description": scenario.description,
            "scenario_file": str(scenario.path),
            "horizon_months": base.time.horizon_months,
            "time_step": base.time.step,
            "engine": engine,
            **({"deals": True} if deals else {}),  # runs write their deal histories
            **scenario_notes(scenario),
        },
        plots=plots,
    )


def execute(
    tasks: Iterable[RunTask],
    writer: ResultWriter,
    *,
    workers: int = 1,
    executor: cf.Executor | None = None,
    progress: bool = True,
    title: str = "",
    max_in_flight: int | None = None,
    draw: Draw | None = None,
) -> RunSummary:
    """Run ``tasks`` (runs of ``writer.plan`` not yet finished), save each as it finishes, close,
    then draw the plots with ``draw`` when the writer needs them and every run has finished.

    ``tasks`` may be a lazy iterable: at most ``max_in_flight`` are taken ahead of the results, so
    a large sweep builds its configs as it goes. Failed runs and Ctrl-C/SIGTERM do not raise (see
    :func:`run_scenario`); in the main thread, SIGTERM is handled like Ctrl-C and a repeated signal
    is ignored until the finished runs are saved (:func:`interrupts_once`). A first signal after
    the runs (while the files or plots are written) raises :class:`FolderInterrupted`.
    """
    try:
        with interrupts_once():
            summary = _execute(tasks, writer, workers, executor, progress, title, max_in_flight)
            if writer.plots and not summary.interrupted and summary.status != "incomplete":
                if draw is None:
                    summary.status = "incomplete"  # as the manifest says: its plots are pending
                else:
                    _draw(summary, writer, draw)
            return summary
    except FolderInterrupted:
        raise
    except KeyboardInterrupt as exc:
        raise FolderInterrupted(writer.folder, isinstance(exc, Terminated)) from None


def _draw(summary: RunSummary, writer: ResultWriter, draw: Draw) -> None:
    """Draw the plots of a folder whose runs all finished and record them; a failure leaves the
    folder ``incomplete`` with its plots pending (``sim plot DIR`` or ``--resume`` draws them)."""
    try:
        summary.plots = draw(writer.folder)
    except Exception as exc:  # the results are saved; the folder says its plots are missing
        summary.plot_error, summary.status = f"{type(exc).__name__}: {exc}", "incomplete"
        return
    summary.status = writer.finish_plots(summary.plots)


def _execute(
    tasks: Iterable[RunTask],
    writer: ResultWriter,
    workers: int,
    executor: cf.Executor | None,
    progress: bool,
    title: str,
    max_in_flight: int | None,
) -> RunSummary:
    window = max_in_flight or max(8, 4 * workers)
    records = {record.key: record for record in writer.plan}
    interrupted = terminated = False
    with Progress(
        len(writer.plan), enabled=progress, title=title, completed=len(writer.finished)
    ) as bar:

        def accept(result: RunResult) -> None:
            key = (result.variant, result.replicate)
            status = "ok" if result.output is not None else "failed"
            record = replace(
                records[key],
                status=status,
                error=result.error,
                traceback=result.traceback,
                seconds=round(result.seconds, 3),
            )
            records[key] = record
            writer.add(record, result.output, result.prepared)
            bar.advance(failed=status == "failed")

        try:
            if executor is None and workers <= 1:
                for task in tasks:
                    accept(run_one(task))
            elif executor is None:
                pool = process_pool(workers)
                try:
                    _run_on(pool, tasks, accept, window)
                except BaseException:
                    stop_pool(pool)
                    raise
                pool.shutdown()
            else:
                _run_on(executor, tasks, accept, window)
        except KeyboardInterrupt as exc:
            interrupted, terminated = True, isinstance(exc, Terminated)
        except BaseException:
            writer.abort()
            raise
    status = writer.close()
    return RunSummary(
        writer.folder, status, list(writer.plan), writer.summary, interrupted, terminated
    )


def _run_on(
    executor: cf.Executor,
    tasks: Iterable[RunTask],
    accept: Callable[[RunResult], None],
    window: int,
) -> None:
    """Submit tasks keeping at most ``window`` in flight; hand each result to ``accept``.

    On KeyboardInterrupt, results that are already done are still accepted, the rest cancelled.
    """
    pending = iter(tasks)
    in_flight: dict[cf.Future[RunResult], RunTask] = {}

    def refill() -> None:
        while len(in_flight) < window:
            task = next(pending, None)
            if task is None:
                return
            in_flight[executor.submit(run_one, task)] = task

    try:
        refill()
        while in_flight:
            done, _ = cf.wait(in_flight, return_when=cf.FIRST_COMPLETED)
            for future in done:
                accept(_result(future, in_flight.pop(future)))
            refill()
    except KeyboardInterrupt:
        for future, task in in_flight.items():
            if future.done() and not future.cancelled():
                try:
                    result = _result(future, task)
                except KeyboardInterrupt:
                    continue
                if result.output is not None:
                    accept(result)
            else:
                future.cancel()
        raise


def _result(future: cf.Future[RunResult], task: RunTask) -> RunResult:
    """The future's result; an executor-level error (a crashed worker) becomes a failed run."""
    try:
        return future.result()
    except KeyboardInterrupt:
        raise
    except BaseException as exc:
        message = f"{type(exc).__name__}: {exc}"
        text = "".join(traceback.format_exception(exc))
        return RunResult(task.variant, task.replicate, None, message, text, 0.0)


__all__ = [
    "Draw",
    "FolderInterrupted",
    "RunSummary",
    "Terminated",
    "UnknownVariantError",
    "execute",
    "plan_runs",
    "run_scenario",
    "scenario_writer",
    "interrupts_once",
]
