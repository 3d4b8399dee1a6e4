"""Result folders: creating one, streaming runs into it, writing its files and manifest.

The layout and atomic writes live in :mod:`sim.experiments.folder_layout`, what the manifest
records in :mod:`sim.experiments.manifest`, the replicate summary in
:mod:`sim.experiments.summary` and re-opening a folder in :mod:`sim.experiments.reader`.

A result folder (docs/reference.md) holds::

    scenario.resolved.yaml   the base variant fully resolved, other variants as a `variants:` section
    manifest.json            versions, command line, seeds and status per run, overall status
    timeseries.csv           variant, replicate, step, month, vendor, then METRICS
    runs.csv                 variant, replicate, vendor, then RUN_COLUMNS
    summary.csv              variant, vendor, metric, mean, p5, p50, p95 (+ std, n, kind)
    timeseries.parquet       a copy of timeseries.csv, only where pyarrow is installed

Every file appears under its final name only when it is complete (written under a temporary name in
the same folder, fsynced, then ``os.replace``d), so a reader never sees half a file. While runs go
on, each finished run is saved in the folder's journal (``.parts/``,
:mod:`sim.experiments.journal`); the files are assembled from it in plan order, so an interrupted
folder can be finished by ``--resume`` (:mod:`sim.experiments.resume`) into exactly the files of an
uninterrupted run. The manifest is written first with status ``incomplete`` and rewritten at the end
with ``complete``, ``failed-runs`` or, after an interruption, ``incomplete`` again: a folder is
complete only when its manifest says so.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import sim
from sim.experiments import journal
from sim.experiments.deal_files import DEALS_FOLDER, write_history
from sim.experiments.folder_layout import (
    FORMAT,
    MANIFEST_FILE,
    PARQUET_FILE,
    RESOLVED_FILE,
    RUNS_COLUMNS,
    RUNS_FILE,
    SUMMARY_COLUMNS,
    SUMMARY_FILE,
    TIMESERIES_COLUMNS,
    TIMESERIES_FILE,
    FolderStatus,
    ResultsError,
    ResultsWriteError,
    atomic_open,
    atomic_write_text,
)
from sim.experiments.manifest import RunRecord, environment, sha256_text, timestamp
from sim.experiments.result_folder import reason
from sim.experiments.run_rows import ParquetStream, PreparedRun, prepare_run
from sim.experiments.summary import summarise
from sim.model.metrics import RunOutput


def _failed_file(exc: OSError, default: Path) -> Path:
    """The result file an OSError is about: the target of a failed rename (also when the error
    names the temporary file ``.NAME.PID.tmp``), else ``default``."""
    for name in (exc.filename2, exc.filename):
        if name is None:
            continue
        path = Path(name)
        match = re.fullmatch(r"\.(.+)\.\d+\.tmp", path.name)
        return path.with_name(match.group(1)) if match else path
    return default


# ----------------------------------------------------------------------------- writer
class _Values:
    """The run-level values of many runs (:class:`sim.experiments.journal.Table`), appended one by
    one and kept column by column: a DataFrame per run, and their ``pd.concat``, cost far more
    time and memory than the numbers, and so do the runs' own lists, which the garbage collector
    would scan again and again. :meth:`frame` is the table that ``pd.concat`` of the runs'
    DataFrames gives: every column is read by ``pandas.Series`` with its dtype, as each run's
    was, once for the lot (numbers become an array every 512 runs). A run whose columns or dtypes
    differ from the first run's (a part of another version), or that is not
    :attr:`~sim.experiments.journal.Table.plain`, turns the rest into that very concatenation.
    """

    CHUNK = 512

    def __init__(self) -> None:
        self.signature: tuple[tuple[str, str], ...] | None = None
        self.pending: dict[str, list[Any]] = {}  # values of the runs since the last chunk
        self.runs = 0
        self.chunks: dict[str, list[Any]] = {}  # per column: lists of text or number arrays
        self.frames: list[pd.DataFrame] | None = None  # once the runs differ

    def append(self, table: journal.Table) -> None:
        if self.frames is None and table.plain and self.signature in (None, table.signature):
            if self.signature is None:
                self.signature = table.signature
                self.pending = {name: [] for name, _ in self.signature}
            for name, (_, values) in table.columns.items():
                self.pending[name] += values
            self.runs += 1
            if self.runs % self.CHUNK == 0:
                self._join()
            return
        if self.frames is None:
            self.frames = [] if self.signature is None else [self._frame()]
        self.frames.append(table.frame())

    def _join(self) -> None:
        for name, dtype in self.signature or ():
            values = self.pending[name]
            text = dtype in journal.TEXT_DTYPES
            self.chunks.setdefault(name, []).append(values if text else np.array(values, dtype))
            self.pending[name] = []

    def _frame(self) -> pd.DataFrame:
        self._join()
        columns = {}
        for name, dtype in self.signature or ():
            chunks = self.chunks[name]
            joined = (
                [v for chunk in chunks for v in chunk]
                if dtype in journal.TEXT_DTYPES
                else np.concatenate(chunks)
            )
            columns[name] = pd.Series(joined, dtype=dtype)
        return pd.DataFrame(columns)

    def frame(self) -> pd.DataFrame:
        if self.frames is not None:
            return pd.concat(self.frames, ignore_index=True) if self.frames else pd.DataFrame()
        return self._frame() if self.signature is not None else pd.DataFrame()


@dataclass
class ResultWriter:
    """Saves finished runs into a result folder and assembles its files in plan order.

    Runs may be added in any order. Each finished run is saved at once as a part of the folder's
    journal (:mod:`sim.experiments.journal`), so nothing is held in memory and no finished run is
    lost to an interruption; :meth:`close` streams the parts in plan order into ``timeseries.csv``
    (and Parquet), ``runs.csv`` and ``summary.csv``, so files are identical for any worker count,
    executor, or number of interruptions and resumes. Only run-level values (a few numbers per
    vendor and run) are kept in memory while closing.

    Args:
        folder: an existing, empty folder (see
            :func:`sim.experiments.result_folder.claim_result_folder`); with ``resume``, an
            incomplete result folder.
        scenario_name: the scenario's name.
        plan: every planned run, in the order files list them.
        resolved_yaml: text of ``scenario.resolved.yaml`` (not rewritten on resume).
        command_line: the command that made the folder.
        vendors: vendor names in scenario order (orders summary.csv).
        info: extra keys for the manifest (description, sweep, ...).
        resume: continue an interrupted folder: runs saved in its journal count as finished.
        previous: the folder's manifest when resuming (keeps its start time and command line).
        plots: the folder is complete only once its plots are drawn (:meth:`finish_plots`);
            until then its manifest says ``incomplete`` with ``plots: {"status": "pending"}`` and
            the journal is kept. On resume, taken from the previous manifest.
    """

    folder: Path
    scenario_name: str
    plan: list[RunRecord]
    resolved_yaml: str
    command_line: str | None = None
    vendors: Sequence[str] = ()
    info: dict[str, Any] = field(default_factory=dict)
    resume: bool = False
    previous: dict[str, Any] | None = None
    plots: bool = False

    def __post_init__(self) -> None:
        self.folder = Path(self.folder)
        self._index = {record.key: i for i, record in enumerate(self.plan)}
        self.summary = pd.DataFrame(columns=list(SUMMARY_COLUMNS))
        self.resumes: list[dict[str, Any]] = []
        self.checksums = {
            RESOLVED_FILE: sha256_text(self.resolved_yaml),
            **self.info.pop("checksums", {}),
        }
        self.plot_files: list[str] | None = None
        self._checked: dict[int, tuple[Path, journal.SavedPayload]] = {}
        self.run_status: FolderStatus = "incomplete"
        if self.resume:
            previous = self.previous or {}
            self.checksums = dict(previous.get("checksums") or {})
            self.plots = "plots" in previous
            self.started = previous.get("started") or timestamp()
            self.resumes = [*previous.get("resumed", []), {"at": timestamp(), "command_line": None}]
            self.resumes[-1]["command_line"] = self.command_line
            self.command_line = previous.get("command_line", self.command_line)
            self._checked = journal.check_parts(self.folder, self.plan)
            if any(record.status == "not-run" for record in self.plan):
                self._checked = {}  # runs come first: the parts are not held while they go
        else:
            self.started = timestamp()
        try:  # nothing has run yet: a failure here is a problem with the folder (exit 2)
            if not self.resume:
                atomic_write_text(self.folder / RESOLVED_FILE, self.resolved_yaml)
            self._write_manifest("incomplete", finished=None)
        except OSError as exc:
            message = f"{self.folder}: cannot write into the result folder: {reason(exc)}"
            raise ResultsError(message) from exc

    @property
    def variants(self) -> list[str]:
        return list(dict.fromkeys(record.variant for record in self.plan))

    @property
    def finished(self) -> set[tuple[str, int]]:
        """Keys of runs that finished (``ok`` or ``failed``)."""
        return {record.key for record in self.plan if record.status != "not-run"}

    def add(
        self, record: RunRecord, output: RunOutput | None, prepared: PreparedRun | None = None
    ) -> None:
        """Save a finished run: ``output`` for an ``ok`` record, ``None`` for a failed one.

        ``prepared`` (:func:`prepare_run` of ``output``, e.g. made by the worker) saves the work
        of preparing it here.
        """
        i = self._index[record.key]
        if record.status == "ok" and output is not None and prepared is None:
            prepared = prepare_run(record.variant, record.replicate, output)
        with self._writing(journal.part_path(self.folder, i)):
            journal.write_part(self.folder, i, record, prepared if record.status == "ok" else None)
        self.plan[i] = record

    def close(self) -> FolderStatus:
        """Write every result file from the saved runs, in plan order, and the final manifest.

        The status is ``complete`` when every planned run is ``ok``, ``failed-runs`` when every run
        finished but some failed, ``incomplete`` otherwise (the journal is then kept for
        ``--resume``).
        """
        values = _Values()
        parquet = ParquetStream(self.folder / PARQUET_FILE)
        try:
            return self._close(values, parquet)
        finally:
            parquet.discard()  # a temporary file left by an error or Ctrl-C

    def _close(self, values: _Values, parquet: ParquetStream) -> FolderStatus:
        saved = journal.saved_parts(self.folder)
        with (
            self._writing(self.folder / TIMESERIES_FILE),
            atomic_open(self.folder / TIMESERIES_FILE) as ts_handle,
            atomic_open(self.folder / RUNS_FILE) as runs_handle,
            journal.collector_paused(),
        ):
            ts_handle.write(",".join(TIMESERIES_COLUMNS) + "\n")
            runs_handle.write(",".join(RUNS_COLUMNS) + "\n")
            for i in range(len(self.plan)):
                checked = self._checked.pop(i, None)
                if checked is not None and os.fspath(saved.get(i, "")) == os.fspath(checked[0]):
                    payload: journal.SavedPayload | None = checked[1]  # read and checked on resume
                else:
                    payload = (
                        journal.read_part_rows(saved[i], i, self.plan[i]) if i in saved else None
                    )
                if payload is None:  # no trusted part (gone, or damaged since): not in the files
                    self.plan[i] = replace(
                        self.plan[i], status="not-run", error=None, traceback=None, seconds=None
                    )
                    continue
                record, rows = payload
                self.plan[i] = record
                if rows is None or record.status != "ok":
                    continue
                ts_handle.write(rows.timeseries_csv)
                runs_handle.write(rows.runs_csv)
                if rows.history is not None:
                    with self._writing(self.folder / DEALS_FOLDER):
                        write_history(self.folder, record.variant, record.replicate, rows.history)
                if rows.timeseries is not None:
                    parquet.write(rows.timeseries.frame())
                values.append(rows.values)
        with self._writing(parquet.path):
            parquet.close()
        self.summary = summarise(values.frame(), self.variants, self.vendors)
        with (
            self._writing(self.folder / SUMMARY_FILE),
            atomic_open(self.folder / SUMMARY_FILE) as handle,
        ):
            self.summary.to_csv(handle, index=False, lineterminator="\n")
        statuses = {record.status for record in self.plan}
        status: FolderStatus = (
            "incomplete" if "not-run" in statuses else "failed-runs" if "failed" in statuses
            else "complete"
        )  # fmt: skip
        self.run_status = status
        shown: FolderStatus = "incomplete" if self.plots else status  # complete with its plots
        with self._writing(self.folder / MANIFEST_FILE):
            self._write_manifest(shown, finished=timestamp())
        if shown != "incomplete":
            journal.remove_journal(self.folder)
        return status

    def finish_plots(self, files: Sequence[Path]) -> FolderStatus:
        """Record the plots drawn after :meth:`close` and give the folder its final status."""
        self.plot_files = [Path(f).name for f in files]
        with self._writing(self.folder / MANIFEST_FILE):
            self._write_manifest(self.run_status, finished=timestamp())
        journal.remove_journal(self.folder)
        return self.run_status

    def abort(self) -> None:
        """Leave the folder as it is: incomplete, its finished runs saved for ``--resume``.

        Never raises: it runs while another error is on its way to the user.
        """

    @contextlib.contextmanager
    def _writing(self, path: Path) -> Iterator[None]:
        """Turn an OSError while writing ``path`` (disk full, permissions) into a
        :class:`ResultsWriteError`, after noting it in the manifest, which stays ``incomplete``."""
        try:
            yield
        except ResultsWriteError:
            raise
        except OSError as exc:
            error = ResultsWriteError(self.folder, _failed_file(exc, path), reason(exc))
            self.info = {**self.info, "write_error": str(error)}
            with contextlib.suppress(OSError):  # the disk may well still be full
                self._write_manifest("incomplete", finished=timestamp())
            raise error from exc

    def _write_manifest(self, status: FolderStatus, finished: str | None) -> None:
        counts = {s: sum(r.status == s for r in self.plan) for s in ("ok", "failed", "not-run")}
        runs = [
            {
                "variant": r.variant,
                "replicate": r.replicate,
                "seed": {"entropy": r.entropy, "spawn_key": list(r.spawn_key)},
                "status": r.status,
                "seconds": r.seconds,
                "error": r.error,
                "traceback": r.traceback,
            }
            for r in self.plan
        ]
        manifest = {
            "format": FORMAT,
            "status": status,
            "scenario": self.scenario_name,
            **self.info,
            "package": {"name": "channel-sim", "version": sim.__version__},
            "command_line": self.command_line,
            "started": self.started,
            "finished": finished,
            **({"resumed": self.resumes} if self.resumes else {}),
            **environment(),
            "variants": self.variants,
            "vendors": list(self.vendors),
            "seeding": "replicate r of every variant: SeedSequence(entropy=seed, spawn_key=(r,))",
            **({"plots": plots_entry(self.plot_files)} if self.plots else {}),
            "checksums": self.checksums,
            "counts": {"planned": len(self.plan), **counts},
            "runs": runs,
        }
        atomic_write_text(self.folder / MANIFEST_FILE, json.dumps(manifest, indent=2) + "\n")


def plots_entry(files: Sequence[str] | None) -> dict[str, Any]:
    """The manifest's ``plots``: ``{"status": "pending"}`` or ``{"status": "done", "files": [...]}``."""
    return {"status": "pending"} if files is None else {"status": "done", "files": list(files)}


__all__ = ["ResultWriter", "plots_entry"]
