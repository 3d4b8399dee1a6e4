"""Result folders: creating one, streaming runs into it, the manifest.

The layout and atomic writes live in :mod:`sim.layout`, the replicate summary in :mod:`sim.summary`
and re-opening a folder in :mod:`sim.resultset`; this module re-exports their public names.

A result folder (CONTRACT.md) holds::

    scenario.resolved.yaml   the base variant fully resolved, other variants as a `variants:` section
    manifest.json            versions, command line, seeds and status per run, overall status
    timeseries.csv           variant, replicate, step, month, vendor, then METRICS
    runs.csv                 variant, replicate, vendor, then RUN_COLUMNS
    summary.csv              variant, vendor, metric, mean, p5, p50, p95 (+ std, n, kind)
    timeseries.parquet       a copy of timeseries.csv, only where pyarrow is installed

Every file appears under its final name only when it is complete (written under a temporary name in
the same folder, fsynced, then ``os.replace``d), so a reader never sees half a file. The manifest is
written first with status ``incomplete`` and rewritten at the end with ``complete``, ``failed-runs``
or, after an interruption, ``incomplete`` again: a folder is complete only when its manifest says so.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.metadata
import json
import os
import platform
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

import sim
from sim.behaviours import discovery
from sim.layout import (
    FORMAT,
    LIBRARIES,
    MANIFEST_FILE,
    PARQUET_FILE,
    RESOLVED_FILE,
    RUNS_COLUMNS,
    RUNS_FILE,
    SUMMARY_FILE,
    TIMESERIES_COLUMNS,
    TIMESERIES_FILE,
    FolderStatus,
    ResultsError,
    ResultsWriteError,
    RunStatus,
    atomic_open,
    atomic_write_text,
)
from sim.metrics import RunOutput
from sim.names import name_problem
from sim.resultset import ResultSet, load_results
from sim.summary import run_values, summarise


@dataclass
class RunRecord:
    """One planned run and how it went.

    Attributes:
        variant: variant name.
        replicate: replicate number, 0-based.
        entropy: ``SeedSequence`` entropy (the scenario seed).
        spawn_key: ``SeedSequence`` spawn key, ``(replicate,)``.
        status: ``ok``, ``failed`` or ``not-run`` (interrupted before it finished).
        error: ``ExceptionType: message`` of a failed run.
        traceback: full traceback text of a failed run.
        seconds: wall time of the run.
    """

    variant: str
    replicate: int
    entropy: int
    spawn_key: tuple[int, ...]
    status: RunStatus = "not-run"
    error: str | None = None
    traceback: str | None = None
    seconds: float | None = None

    @property
    def key(self) -> tuple[str, int]:
        return (self.variant, self.replicate)


# ----------------------------------------------------------------------------- folders
def create_result_folder(
    name: str,
    out: Path | str | None = None,
    root: Path | str = "results",
    now: dt.datetime | None = None,
) -> Path:
    """Create the folder a run writes into and return it.

    Args:
        name: scenario name, used for the default location.
        out: exact folder to use (``--out``); it must not exist or must be empty.
        root: parent of the default ``<root>/<name>/<YYYYmmdd-HHMMSS>/`` folder.
        now: timestamp of the default folder name (default: local time now).

    Raises:
        ResultsError: ``out`` exists and is not an empty folder; ``name`` is not a plain name (it
            would leave ``root``); the folder cannot be created.
    """
    if out is not None:
        folder = Path(out)
        try:
            if folder.exists():
                if not folder.is_dir():
                    raise ResultsError(
                        f"--out {folder}: exists and is not a folder; choose a new path"
                    )
                if any(folder.iterdir()):
                    raise ResultsError(
                        f"--out {folder}: folder exists and is not empty; a run never overwrites "
                        "results, choose a new folder"
                    )
                return folder
            folder.mkdir(parents=True)
        except OSError as exc:
            raise ResultsError(f"--out {folder}: cannot create folder: {_reason(exc)}") from exc
        return folder
    problem = name_problem(name)
    if problem:
        raise ResultsError(f"scenario name {name!r}: {problem}")
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    parent = Path(root) / name
    try:
        parent.mkdir(parents=True, exist_ok=True)
        for suffix in ["", *(f"-{i}" for i in range(2, 1000))]:
            folder = parent / f"{stamp}{suffix}"
            try:
                folder.mkdir()
            except FileExistsError:
                continue
            return folder
    except OSError as exc:
        blocker = next((p for p in (parent, *parent.parents) if p.is_file()), None)
        if blocker is not None:
            message = f"{blocker}: is a file, so the result folder {parent} cannot be created"
        else:
            message = f"{parent}: cannot create the result folder: {_reason(exc)}"
        raise ResultsError(message) from exc
    raise ResultsError(f"{parent}: too many result folders named {stamp}-*")


def _reason(exc: OSError) -> str:
    """``No space left on device``: the system's words for an OSError, without the path."""
    return exc.strerror or str(exc) or type(exc).__name__


def resolved_scenario_yaml(scenario: Any, ran: Sequence[str] | None = None) -> str:
    """The scenario as one re-runnable YAML file with every default filled in.

    The top level is the ``base`` variant fully resolved; every other variant is written under
    ``variants:`` as only the keys where its resolved document differs from base (lists whole), so
    ``sim run scenario.resolved.yaml`` runs the same configurations again.
    """
    from sim.scenario import dump_yaml, resolved_document

    names = list(scenario.variants)
    base = resolved_document(scenario.variants[names[0]])
    doc = dict(base)
    others = {name: _diff(resolved_document(scenario.variants[name]), base) for name in names[1:]}
    if others:
        doc["variants"] = others
    ran_text = ", ".join(ran if ran is not None else names)
    header = (
        f"# Fully resolved scenario {scenario.name!r}, written by sim {sim.__version__}.\n"
        f"# Variants that ran: {ran_text}. Re-run with: sim run {RESOLVED_FILE}\n"
    )
    return header + dump_yaml(doc)


def _diff(doc: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in doc.items():
        if key not in base:
            out[key] = value
        elif isinstance(value, dict) and isinstance(base[key], dict):
            sub = _diff(value, base[key])
            if sub:
                out[key] = sub
        elif value != base[key]:
            out[key] = value
    return out


def environment() -> dict[str, Any]:
    """Python, platform and library versions for the manifest."""
    libraries = {}
    for lib in LIBRARIES:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            libraries[lib] = importlib.metadata.version(lib)
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "libraries": libraries,
        "plugins": discovery.provenance(),  # behaviour rules from outside the engine
    }


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


# ----------------------------------------------------------------------------- writer
@dataclass
class ResultWriter:
    """Streams finished runs into a result folder, in plan order, whatever order they finish in.

    Runs may be added in any order; the writer holds a finished run only until every run planned
    before it has been added, so files are identical for any worker count or executor. Timeseries
    rows go straight to a temporary file; run-level values (a few numbers per vendor) stay in memory
    for ``runs.csv`` and ``summary.csv``, written by :meth:`close`.

    Args:
        folder: an existing, empty folder (see :func:`create_result_folder`).
        scenario_name: the scenario's name.
        plan: every planned run, in the order files list them.
        resolved_yaml: text of ``scenario.resolved.yaml``.
        command_line: the command that made the folder.
        vendors: vendor names in scenario order (orders summary.csv).
        info: extra keys for the manifest (description, ...).
    """

    folder: Path
    scenario_name: str
    plan: list[RunRecord]
    resolved_yaml: str
    command_line: str | None = None
    vendors: Sequence[str] = ()
    info: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.folder = Path(self.folder)
        self.started = _now()
        self._index = {record.key: i for i, record in enumerate(self.plan)}
        self._pending: dict[int, RunOutput | None] = {}
        self._next = 0
        self._values: list[pd.DataFrame] = []
        self._runs: list[pd.DataFrame] = []
        self._ts_tmp = self.folder / f".{TIMESERIES_FILE}.partial"
        self._ts: Any = None
        self._parquet = _ParquetStream(self.folder / PARQUET_FILE)
        try:  # nothing has run yet: a failure here is a problem with the folder (exit 2)
            self._ts = open(self._ts_tmp, "w", encoding="utf-8", newline="")  # noqa: SIM115
            self._ts.write(",".join(TIMESERIES_COLUMNS) + "\n")
            atomic_write_text(self.folder / RESOLVED_FILE, self.resolved_yaml)
            self._write_manifest("incomplete", finished=None)
        except OSError as exc:
            self.abort()
            with contextlib.suppress(OSError):
                self._ts_tmp.unlink(missing_ok=True)
            message = f"{self.folder}: cannot write into the result folder: {_reason(exc)}"
            raise ResultsError(message) from exc

    @property
    def variants(self) -> list[str]:
        return list(dict.fromkeys(record.variant for record in self.plan))

    def add(self, record: RunRecord, output: RunOutput | None) -> None:
        """Record a finished run: ``output`` for an ``ok`` record, ``None`` for a failed one."""
        i = self._index[record.key]
        self.plan[i] = record
        self._pending[i] = output
        with self._writing(self.folder / TIMESERIES_FILE):
            while self._next in self._pending:
                self._flush(self._next)
                self._next += 1

    def _flush(self, i: int) -> None:
        output = self._pending.pop(i)
        record = self.plan[i]
        if output is None or record.status != "ok":
            return
        keys = {"variant": record.variant, "replicate": record.replicate}
        ts = output.timeseries.assign(**keys)[list(TIMESERIES_COLUMNS)]
        ts.to_csv(self._ts, header=False, index=False, lineterminator="\n")
        self._parquet.write(ts)
        self._runs.append(output.runs.assign(**keys)[list(RUNS_COLUMNS)])
        self._values.append(run_values(output).assign(**keys))

    def close(self) -> FolderStatus:
        """Write every remaining file and the final manifest; return the folder status.

        Runs still waiting for an earlier run that never finished (an interruption) are written
        too, in plan order. The status is ``complete`` when every planned run is ``ok``,
        ``failed-runs`` when every run finished but some failed, ``incomplete`` otherwise.
        """
        with self._writing(self.folder / TIMESERIES_FILE):
            for i in sorted(self._pending):
                self._flush(i)
            self._ts.flush()
            os.fsync(self._ts.fileno())
            self._ts.close()
            os.replace(self._ts_tmp, self.folder / TIMESERIES_FILE)
        with self._writing(self._parquet.path):
            self._parquet.close()
        runs = pd.concat(self._runs) if self._runs else pd.DataFrame(columns=list(RUNS_COLUMNS))
        with self._writing(self.folder / RUNS_FILE), atomic_open(self.folder / RUNS_FILE) as handle:
            runs.to_csv(handle, index=False, lineterminator="\n")
        values = pd.concat(self._values) if self._values else pd.DataFrame()
        self.summary = summarise(values, self.variants, self.vendors)
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
        with self._writing(self.folder / MANIFEST_FILE):
            self._write_manifest(status, finished=_now())
        return status

    def abort(self) -> None:
        """Close the temporary timeseries file without finishing the folder (it stays incomplete).

        Never raises: it runs while another error is on its way to the user.
        """
        for close in (getattr(self._ts, "close", None), self._parquet.abort):
            with contextlib.suppress(Exception):
                if close is not None:
                    close()

    @contextlib.contextmanager
    def _writing(self, path: Path) -> Iterator[None]:
        """Turn an OSError while writing ``path`` (disk full, permissions) into a
        :class:`ResultsWriteError`, after noting it in the manifest, which stays ``incomplete``."""
        try:
            yield
        except ResultsWriteError:
            raise
        except OSError as exc:
            error = ResultsWriteError(self.folder, path, _reason(exc))
            self.info = {**self.info, "write_error": str(error)}
            with contextlib.suppress(OSError):  # the disk may well still be full
                self._write_manifest("incomplete", finished=_now())
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
            **environment(),
            "variants": self.variants,
            "vendors": list(self.vendors),
            "seeding": "replicate r of every variant: SeedSequence(entropy=seed, spawn_key=(r,))",
            "counts": {"planned": len(self.plan), **counts},
            "runs": runs,
        }
        atomic_write_text(self.folder / MANIFEST_FILE, json.dumps(manifest, indent=2) + "\n")


class _ParquetStream:
    """Append timeseries chunks to a Parquet file when pyarrow is importable; else do nothing."""

    def __init__(self, path: Path) -> None:
        self.path, self.writer = path, None
        self.tmp = path.with_name(f".{path.name}.partial")
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError:
            self.pa = None
            return
        self.pa, self.pq = pa, pq
        fields = [
            (c, pa.string() if c in ("variant", "vendor") else pa.float64())
            for c in TIMESERIES_COLUMNS
        ]
        fields[1], fields[2] = ("replicate", pa.int64()), ("step", pa.int64())
        self.schema = pa.schema(fields)

    def write(self, frame: pd.DataFrame) -> None:
        if self.pa is None:
            return
        if self.writer is None:
            self.writer = self.pq.ParquetWriter(self.tmp, self.schema)
        table = self.pa.Table.from_pandas(frame, schema=self.schema, preserve_index=False)
        self.writer.write_table(table)

    def abort(self) -> None:
        """Close the temporary file without presenting it as complete."""
        if self.writer is not None:
            self.writer.close()
        self.pa = None

    def close(self) -> None:
        if self.pa is None:
            return
        if self.writer is None:  # no run finished: an empty file with the schema
            self.writer = self.pq.ParquetWriter(self.tmp, self.schema)
        self.writer.close()
        with open(self.tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(self.tmp, self.path)
        self.pa = None


__all__ = [
    "ResultSet", "ResultWriter", "ResultsError", "RunRecord", "atomic_open", "atomic_write_text",
    "create_result_folder", "load_results", "resolved_scenario_yaml", "run_values", "summarise",
]  # fmt: skip
