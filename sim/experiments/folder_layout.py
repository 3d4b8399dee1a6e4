"""Result folder layout: file names, columns, statuses, and atomic file writes.

Shared by the writer (:mod:`sim.experiments.writer`), the summary (:mod:`sim.experiments.summary`)
and the reader (:mod:`sim.experiments.reader`). Every file of a result folder appears under its
final name only when it is complete: it is written under a temporary name in the same folder,
fsynced, then ``os.replace``d.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Literal

from sim.model.metrics import METRICS, RUN_COLUMNS, TIMESERIES_KEYS

FORMAT = "channel-sim-results/1"
"""Value of ``manifest["format"]``; a folder without it is not a result folder."""
RESOLVED_FILE = "scenario.resolved.yaml"
MANIFEST_FILE = "manifest.json"
TIMESERIES_FILE = "timeseries.csv"
PARQUET_FILE = "timeseries.parquet"
RUNS_FILE = "runs.csv"
SUMMARY_FILE = "summary.csv"

RUN_KEYS: tuple[str, ...] = ("variant", "replicate", "vendor")
TIMESERIES_COLUMNS: tuple[str, ...] = (*TIMESERIES_KEYS, *METRICS)
RUNS_COLUMNS: tuple[str, ...] = (*RUN_KEYS, *RUN_COLUMNS)
SUMMARY_COLUMNS: tuple[str, ...] = (
    "variant", "vendor", "metric", "mean", "p5", "p50", "p95", "std", "n", "kind"
)  # fmt: skip
SUMMARY_METRICS: tuple[str, ...] = (*METRICS, *(c for c in RUN_COLUMNS if c not in METRICS))
"""Metrics of summary.csv: every per-step metric, then the run-level columns not already among them."""
LIBRARIES = ("numpy", "pandas", "mesa", "pydantic", "matplotlib", "pyyaml", "click", "pyarrow")

RunStatus = Literal["ok", "failed", "not-run"]
FolderStatus = Literal["complete", "failed-runs", "incomplete"]


class ResultsError(Exception):
    """A result folder cannot be created or read; ``str()`` is a one-line message for the user."""


class ResultsWriteError(ResultsError):
    """Writing into a result folder failed after the run started (disk full, permissions).

    The folder keeps whatever was written, its manifest says ``incomplete`` and no file appears
    under its final name half-written.

    Attributes:
        folder: the result folder.
        path: the file that could not be written.
        reason: the system's words, e.g. ``No space left on device``.
    """

    def __init__(self, folder: Path, path: Path, reason: str) -> None:
        self.folder, self.path, self.reason = Path(folder), Path(path), reason
        super().__init__(
            f"{path}: cannot write: {reason}; the result folder {folder} is incomplete "
            "(manifest status: incomplete)"
        )


# ----------------------------------------------------------------------------- inner folders
INNER_FOLDERS = (".parts", "plots", "sensitivity", "deals")
"""Folders sim makes inside a result folder and writes into."""


def inner_folder_problem(path: Path) -> str | None:
    """Why sim must not write into ``path`` (a folder it makes inside a result folder), or None.

    A result folder may come from anyone: a ``plots`` that is a link would make sim write its
    files wherever the link points.
    """
    if path.is_symlink():
        return "is a link, not a folder; sim writes only inside the result folder: remove it"
    if path.exists() and not path.is_dir():
        return "is a file, not a folder: remove it"
    return None


def inner_folder(folder: Path, name: str, create: bool = True) -> Path:
    """``folder/name``, made if missing (and ``create``), refused if it is a link or a file.

    Raises:
        ResultsError: ``folder/name`` is a link or not a folder, or cannot be made.
    """
    path = Path(folder) / name
    problem = inner_folder_problem(path)
    if problem:
        raise ResultsError(f"{path}: {problem}")
    if not create:
        return path
    try:
        path.mkdir(exist_ok=True)
    except OSError as exc:
        raise ResultsError(f"{path}: cannot create folder: {exc.strerror or exc}") from None
    return path


# ----------------------------------------------------------------------------- atomic files
@contextlib.contextmanager
def atomic_open(path: Path, mode: str = "w") -> Iterator[IO[Any]]:
    """Open a new temporary file next to ``path``; on success fsync it and move it onto ``path``
    (replacing ``path`` itself, also when it is a link).

    On an exception the temporary file is removed and ``path`` is left as it was.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    encoding = None if "b" in mode else "utf-8"
    newline = None if "b" in mode else ""
    try:
        # a temporary file left by a killed process, or a link planted to make sim write
        # elsewhere, is removed; then the file is created new ("x"), never opened through a link
        tmp.unlink(missing_ok=True)
        with open(tmp, mode.replace("w", "x"), encoding=encoding, newline=newline) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically."""
    with atomic_open(path) as handle:
        handle.write(text)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
