"""Finishing an interrupted result folder (``sim run --resume DIR``, ``sim sweep --resume DIR``).

Everything is read from the folder, never from the original scenario file and never resampled: the
configs from ``scenario.resolved.yaml``, the plan (every variant x replicate and its seed) from
``manifest.json``, a sweep's sample values from ``samples.csv``. Runs saved in the folder's journal
(:mod:`sim.experiments.journal`) count as finished; every other planned run is run, and the result
files are rebuilt in plan order, identical to a folder that was never interrupted.
"""

from __future__ import annotations

import concurrent.futures as cf
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import sim
from sim.experiments import journal, reader
from sim.experiments.folder_layout import (
    INNER_FOLDERS,
    MANIFEST_FILE,
    RESOLVED_FILE,
    ResultsError,
    inner_folder_problem,
)
from sim.experiments.manifest import RunRecord, sha256_file
from sim.experiments.result_folder import lock_folder
from sim.experiments.runner import Draw, RunSummary, execute
from sim.experiments.sweep_design import SAMPLES_FILE
from sim.experiments.sweep_run import read_samples, sweep_tasks
from sim.experiments.tasks import RunTask
from sim.experiments.writer import ResultWriter

WRITER_KEYS = frozenset(
    "format status scenario package command_line started finished resumed python implementation "
    "platform libraries variants vendors seeding checksums plots counts runs write_error".split()
)
"""Manifest keys the writer makes itself (or, as ``write_error``, that an earlier attempt left);
the others (description, sweep, ...) are carried over."""


class ResumeError(ResultsError):
    """The folder cannot be resumed; ``str()`` says why and what to do instead."""


class AlreadyComplete(ResumeError):
    """The folder is complete: there is nothing left to do (not an error for the user)."""


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of a result folder (:func:`sim.experiments.reader.read_manifest`).

    Raises:
        ResumeError: no folder, no manifest, or not a sim manifest.
    """
    try:
        return reader.read_manifest(folder)
    except ResultsError as exc:
        raise ResumeError(f"--resume {exc}") from None


def check_resumable(folder: Path, manifest: dict[str, Any], kind: Literal["run", "sweep"]) -> None:
    """Refuse a finished folder, or a run folder given to ``sim sweep`` and the other way round.

    Raises:
        ResumeError: with the reason and the command to use instead.
    """
    is_sweep = "sweep" in manifest
    if kind == "sweep" and not is_sweep:
        raise ResumeError(
            f"--resume {folder}: not a sweep folder (no sweep in {MANIFEST_FILE}); "
            f"resume it with: sim run --resume {folder}"
        )
    if kind == "run" and is_sweep:
        raise ResumeError(
            f"--resume {folder}: a sweep folder; resume it with: sim sweep --resume {folder}"
        )
    status = manifest.get("status")
    if status == "complete":
        raise AlreadyComplete(f"{folder}: already complete; nothing left to do")
    if status == "failed-runs":
        raise ResumeError(
            f"--resume {folder}: every run finished (some failed, see {MANIFEST_FILE}); "
            "nothing to resume. Fix the cause and start a new folder."
        )
    version = (manifest.get("package") or {}).get("version")
    if version != sim.__version__:
        raise ResumeError(
            f"--resume {folder}: started by channel-sim {version}, this is {sim.__version__}; "
            "resume with the version that started it (runs of two versions would mix)"
        )
    legacy = journal.legacy_parts(folder)
    if legacy:
        raise ResumeError(
            f"--resume {folder}: its journal holds {len(legacy)} .pkl parts of an older version; "
            "they are never opened (a pickle can run code), so this folder cannot be resumed; "
            "run the scenario again into a new folder"
        )
    for name in INNER_FOLDERS:
        problem = inner_folder_problem(folder / name)
        if problem:
            raise ResumeError(f"--resume {folder}: {name} {problem}")
    if is_sweep and not (folder / SAMPLES_FILE).is_file():
        raise ResumeError(f"--resume {folder}: sweep folder without {SAMPLES_FILE}")


def _expected_plan(
    folder: Path, manifest: dict[str, Any], scenario: Any, samples: Any
) -> list[RunRecord]:
    """The runs the folder's scenario makes: every sample (sweep) or every variant that ran, each
    replicate, with ``SeedSequence(entropy=seed, spawn_key=(r,))``."""
    if samples is not None:
        base = scenario.variants["base"]
        replicates = (manifest.get("sweep") or {}).get("replicates")
        if replicates != base.replicates:
            raise ResumeError(
                f"--resume {folder}: the sweep in {MANIFEST_FILE} has {replicates} replicates, "
                f"{RESOLVED_FILE} {base.replicates}"
            )
        names = [str(name) for name in samples["sample"]]
        return [RunRecord(n, r, base.seed, (r,)) for n in names for r in range(base.replicates)]
    variants = manifest.get("variants")
    if not isinstance(variants, list) or not all(isinstance(v, str) for v in variants):
        raise ResumeError(f"--resume {folder}: {MANIFEST_FILE} has no readable list of variants")
    unknown = [v for v in variants if v not in scenario.variants]
    if unknown:
        raise ResumeError(f"--resume {folder}: {RESOLVED_FILE} has no variant {', '.join(unknown)}")
    return [
        RunRecord(v, r, scenario.variants[v].seed, (r,))
        for v in variants
        for r in range(scenario.variants[v].replicates)
    ]


def _plan(manifest: dict[str, Any], folder: Path) -> list[RunRecord]:
    try:
        return [
            RunRecord(
                str(run["variant"]),
                int(run["replicate"]),
                int(run["seed"]["entropy"]),
                tuple(int(k) for k in run["seed"]["spawn_key"]),
            )
            for run in manifest["runs"]
        ]
    except (KeyError, TypeError, ValueError) as exc:
        raise ResumeError(f"--resume {folder}: {MANIFEST_FILE} has no readable run plan") from exc


def verify_files(folder: Path, manifest: dict[str, Any]) -> None:
    """The files the runs are made from are the files the folder started with.

    Raises:
        ResumeError: no checksums recorded, or a file whose SHA-256 differs from the manifest's.
    """
    checksums = manifest.get("checksums")
    if not isinstance(checksums, dict) or RESOLVED_FILE not in checksums:
        raise ResumeError(
            f"--resume {folder}: {MANIFEST_FILE} records no checksum of {RESOLVED_FILE} (an older "
            "version wrote it), so the scenario cannot be verified; start a new folder"
        )
    for name, recorded in checksums.items():
        path = folder / str(name)
        if str(name) not in (RESOLVED_FILE, SAMPLES_FILE) or not path.is_file():
            raise ResumeError(f"--resume {folder}: {name} is missing")
        if sha256_file(path) != recorded:
            raise ResumeError(
                f"--resume {folder}: {name} changed since the runs started (its SHA-256 is not "
                f"the one in {MANIFEST_FILE}); finished runs would mix two configurations. "
                "Restore the file or start a new folder"
            )


def verify_plan(folder: Path, plan: list[RunRecord], expected: list[RunRecord]) -> None:
    """The manifest's plan is exactly the runs the scenario makes: the same (variant, replicate)
    pairs in the same order, each once, with the scenario's seeds.

    Raises:
        ResumeError: naming the first runs that differ.
    """
    where = f"--resume {folder}: the run plan in {MANIFEST_FILE}"
    seen: dict[tuple[str, int], int] = {}
    for record in plan:
        seen[record.key] = seen.get(record.key, 0) + 1
    twice = [key for key, n in seen.items() if n > 1]
    if twice:
        raise ResumeError(f"{where} lists {_runs(twice)} more than once")
    wanted = {record.key: record for record in expected}
    missing = [key for key in wanted if key not in seen]
    if missing:
        raise ResumeError(f"{where} misses {_runs(missing)} of the scenario")
    extra = [key for key in seen if key not in wanted]
    if extra:
        raise ResumeError(f"{where} has {_runs(extra)}, which the scenario does not make")
    for record, want in zip(plan, expected, strict=True):
        if record.key != want.key:
            raise ResumeError(f"{where} is out of order at {_runs([record.key])}")
        if (record.entropy, tuple(record.spawn_key)) != (want.entropy, tuple(want.spawn_key)):
            raise ResumeError(
                f"{where} gives {_runs([record.key])} the seed {record.entropy} "
                f"{list(record.spawn_key)}; the scenario gives {want.entropy} {list(want.spawn_key)}"
            )


def _runs(keys: list[tuple[str, int]], limit: int = 3) -> str:
    text = ", ".join(f"{variant} replicate {replicate}" for variant, replicate in keys[:limit])
    return text + (f" and {len(keys) - limit} more" if len(keys) > limit else "")


def _clean(folder: Path) -> None:
    """Remove temporary files a killed process left beside the result files."""
    for path in folder.glob(".*.tmp"):
        path.unlink(missing_ok=True)
    for path in folder.glob(".*.partial"):
        path.unlink(missing_ok=True)


def resume_folder(
    folder: Path | str,
    kind: Literal["run", "sweep"],
    *,
    workers: int = 1,
    executor: cf.Executor | None = None,
    progress: bool = True,
    command_line: str | None = None,
    max_in_flight: int | None = None,
    draw: Draw | None = None,
) -> RunSummary:
    """Run the planned runs of an incomplete folder that have not finished, then rebuild its files
    (and, for a folder that is complete only with its plots, draw them with ``draw``).

    Args:
        folder: a result folder whose manifest status is ``incomplete``.
        kind: ``run`` for a ``sim run`` folder, ``sweep`` for a sweep folder.
        workers, executor, progress, max_in_flight: as :func:`sim.experiments.runner.run_scenario`.
        command_line: recorded in the manifest's ``resumed`` list.

    Raises:
        ResumeError: the folder cannot be resumed (finished, wrong kind, unreadable).
        sim.experiments.result_folder.FolderBusyError: another process writes into it.
        sim.scenario.ScenarioError: its ``scenario.resolved.yaml`` no longer loads.
    """
    folder = Path(folder)
    read_manifest(folder)  # a clear message for a path that is not a result folder
    with lock_folder(folder):  # one writer: a second resume or run waits for none, it fails
        return _resume_locked(folder, kind, workers, executor, progress, command_line,
                              max_in_flight, draw)  # fmt: skip


def _resume_locked(
    folder: Path,
    kind: Literal["run", "sweep"],
    workers: int,
    executor: cf.Executor | None,
    progress: bool,
    command_line: str | None,
    max_in_flight: int | None,
    draw: Draw | None,
) -> RunSummary:
    from sim.scenario import load_scenario

    manifest = read_manifest(folder)
    try:
        check_resumable(folder, manifest, kind)
    except AlreadyComplete:
        _clean(folder)  # a process killed after its last manifest may have left these
        journal.remove_journal(folder)
        raise
    plan = _plan(manifest, folder)
    _clean(folder)
    verify_files(folder, manifest)
    scenario = load_scenario(folder / RESOLVED_FILE)
    samples = read_samples(folder / SAMPLES_FILE) if kind == "sweep" else None
    verify_plan(folder, plan, _expected_plan(folder, manifest, scenario, samples))
    writer = ResultWriter(
        folder=folder,
        scenario_name=str(manifest.get("scenario", scenario.name)),
        plan=plan,
        resolved_yaml="",
        command_line=command_line,
        vendors=list(manifest.get("vendors", [])),
        info={k: v for k, v in manifest.items() if k not in WRITER_KEYS},
        resume=True,
        previous=manifest,
    )
    done = writer.finished
    if kind == "sweep":
        base = scenario.variants["base"]
        sweep = manifest["sweep"]
        tasks: Iterator[RunTask] = sweep_tasks(
            base, samples, list(sweep["parameters"]), int(sweep["replicates"]), done
        )
    else:
        engine = str(manifest.get("engine", "population"))  # the engine the folder was started with
        deals = manifest.get("deals") is True  # its runs write their deal histories
        tasks = (
            RunTask(
                r.variant, r.replicate, scenario.variants[r.variant], engine=engine, deals=deals
            )
            for r in plan
            if r.key not in done
        )
    return execute(
        tasks,
        writer,
        workers=workers,
        executor=executor,
        progress=progress,
        title=f"{writer.scenario_name} (resume)",
        max_in_flight=max_in_flight,
        draw=draw,
    )


__all__ = [
    "AlreadyComplete",
    "ResumeError",
    "check_resumable",
    "read_manifest",
    "resume_folder",
    "verify_files",
    "verify_plan",
]
