"""One run: the task (a resolved variant config and its replicate seed), running it, and what it
gives back. :func:`run_one` is what a worker process executes; a failed run becomes a result with
its error and traceback, never a raise.

Seeding (common random numbers): replicate ``r`` of *every* variant runs from
``numpy.random.SeedSequence(entropy=config.seed, spawn_key=(r,))`` (:attr:`RunTask.seed`).
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field

import numpy as np

from sim.behaviours.discovery import load_plugin_files, loaded_plugin_files
from sim.experiments.manifest import RunRecord
from sim.experiments.run_rows import PreparedRun, prepare_run
from sim.model.metrics import METRICS, RUN_COLUMNS, RunOutput
from sim.scenario.schema import ScenarioConfig


def simulate(
    config: ScenarioConfig, seed: np.random.SeedSequence | int, **options: object
) -> RunOutput:
    """:func:`sim.model.channel_model.simulate`, imported with the first run: the model imports
    Mesa (about a second), which a process that only closes or checks folders never needs."""
    from sim.model.channel_model import simulate as run

    return run(config, seed, **options)  # type: ignore[arg-type]


@dataclass(frozen=True)
class RunTask:
    """One run to do: a resolved variant config and its replicate seed.

    ``plugins`` are the plugin files loaded where the task was made; a worker process imports them
    again before the run, so their rules resolve there too. With ``deals`` the run keeps its deal
    log (:mod:`sim.model.deal_log`), written as a history folder per run (``sim run --deals``).
    """

    variant: str
    replicate: int
    config: ScenarioConfig
    engine: str = "population"
    plugins: tuple[str, ...] = field(default_factory=loaded_plugin_files)
    deals: bool = False

    @property
    def spawn_key(self) -> tuple[int, ...]:
        return (self.replicate,)

    @property
    def seed(self) -> np.random.SeedSequence:
        return np.random.SeedSequence(entropy=self.config.seed, spawn_key=self.spawn_key)

    def record(self) -> RunRecord:
        return RunRecord(self.variant, self.replicate, self.config.seed, self.spawn_key)


@dataclass
class RunResult:
    """What a worker sends back: the output of an ``ok`` run, or the error of a failed one."""

    variant: str
    replicate: int
    output: RunOutput | None
    error: str | None
    traceback: str | None
    seconds: float
    prepared: PreparedRun | None = None


def run_one(task: RunTask) -> RunResult:
    """Run one task; an exception becomes a failed result (message and traceback), not a raise."""
    start = time.perf_counter()
    try:
        load_plugin_files(task.plugins)
        # Only a non-default engine is passed on, so stand-ins for simulate(config, seed) still fit.
        options: dict[str, object] = {"engine": task.engine} if task.engine != "population" else {}
        options.update({"record_deals": True} if task.deals else {})
        output = simulate(task.config, task.seed, **options)
        _check_output(output)
        prepared = prepare_run(task.variant, task.replicate, output)
    except Exception as exc:  # a failed run is recorded and the others go on
        seconds = time.perf_counter() - start
        message = f"{type(exc).__name__}: {exc}"
        return RunResult(
            task.variant, task.replicate, None, message, traceback.format_exc(), seconds
        )
    seconds = time.perf_counter() - start
    return RunResult(task.variant, task.replicate, output, None, None, seconds, prepared)


def _check_output(output: RunOutput) -> None:
    expected_ts = ["step", "month", "vendor", *METRICS]
    expected_runs = ["vendor", *RUN_COLUMNS]
    if list(output.timeseries.columns) != expected_ts:
        raise ValueError(
            f"simulate returned timeseries columns {list(output.timeseries.columns)}, "
            f"expected {expected_ts}"
        )
    if list(output.runs.columns) != expected_runs:
        raise ValueError(
            f"simulate returned runs columns {list(output.runs.columns)}, expected {expected_runs}"
        )


__all__ = ["RunResult", "RunTask", "run_one"]
