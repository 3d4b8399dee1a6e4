"""Re-opening a result folder for analysis: :func:`load_results` and :class:`ResultSet`.

A result folder may come from anyone, so this is the one place that reads one, and it checks what
it reads (:mod:`sim.experiments.folder_checks`): the manifest against its schema, the tables against
the manifest's plan. A problem is a :class:`ResultsError` naming the file, row and problem.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiments.folder_checks import (
    CONTRACT_METRICS,
    CONTRACT_RUN_COLUMNS,
    check_manifest,
    check_table,
)
from sim.experiments.folder_layout import (
    MANIFEST_FILE,
    PARQUET_FILE,
    RESOLVED_FILE,
    RUN_KEYS,
    RUNS_FILE,
    SUMMARY_FILE,
    TIMESERIES_FILE,
    FolderStatus,
    ResultsError,
)
from sim.model.metrics import METRIC_BY_NAME, METRICS, TIMESERIES_KEYS
from sim.scenario.errors import ScenarioError
from sim.scenario.yaml_source import read_document

UNDEFINED_OK = frozenset(name for name, m in METRIC_BY_NAME.items() if m.kind != "flow")
"""Per-step metrics that may be undefined in a step (levels and rates; flows always have a value)."""
RUN_TOTALS = ("channel_revenue", "direct_revenue", "vendor_net_revenue", "conflicts", "partners",
              "productive_partners")  # fmt: skip
"""Columns of ``runs.csv`` that always have a value."""


@dataclass(frozen=True)
class ResultSet:
    """A result folder opened for analysis; tables load on first use.

    Attributes:
        path: the folder.
        manifest: the parsed ``manifest.json``.
    """

    path: Path
    manifest: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.manifest["scenario"])

    @property
    def status(self) -> FolderStatus:
        return self.manifest["status"]

    @property
    def variants(self) -> list[str]:
        """Variants in run order (the order of colours and table rows)."""
        return list(self.manifest["variants"])

    @property
    def vendors(self) -> list[str]:
        return list(self.manifest["vendors"])

    @cached_property
    def timeseries(self) -> pd.DataFrame:
        return self.read_timeseries()

    def read_timeseries(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """Timeseries table, all columns or only the keys plus ``columns`` (Parquet if present),
        checked against the manifest's plan.

        A folder written before a metric existed has no column for it: asking for one is a
        :class:`ResultsError` (``analysis.metric_catalog`` derives ``total_revenue``).
        """
        path = self.path / TIMESERIES_FILE
        present = self.timeseries_columns()
        read = [m for m in METRICS if m in present] if columns is None else list(columns)
        missing = [c for c in (*TIMESERIES_KEYS, *CONTRACT_METRICS, *read) if c not in present]
        if missing:
            raise ResultsError(
                f"{path}: no column {missing[0]!r}"
                + ("" if missing[0] in (*TIMESERIES_KEYS, *CONTRACT_METRICS)
                   else " (the folder was written before this metric existed)")
            )  # fmt: skip
        read = list(dict.fromkeys(read))
        frame = self._timeseries_frame(path, read)
        table = check_table(path, frame, self.manifest, ("variant", "replicate", "step", "vendor"),
                            ["month", *read], may_be_empty=UNDEFINED_OK)  # fmt: skip
        return table[list(dict.fromkeys([*TIMESERIES_KEYS, *read]))]

    def timeseries_columns(self) -> list[str]:
        """The column names of ``timeseries.csv``, from its header.

        Raises:
            ResultsError: the file is missing, empty, not UTF-8 or cut off.
        """
        return _header(self.path / TIMESERIES_FILE)

    def _timeseries_frame(self, path: Path, columns: list[str]) -> pd.DataFrame:
        wanted = list(dict.fromkeys([*TIMESERIES_KEYS, *columns]))
        parquet = self.path / PARQUET_FILE
        if parquet.exists():
            with contextlib.suppress(ImportError):
                return pd.read_parquet(parquet, columns=wanted)
        return _read_csv(path, usecols=wanted)[wanted]

    @cached_property
    def runs(self) -> pd.DataFrame:
        """``runs.csv``, checked against the manifest's plan."""
        path = self.path / RUNS_FILE
        present = _header(path)
        missing = [c for c in (*RUN_KEYS, *CONTRACT_RUN_COLUMNS) if c not in present]
        if missing:
            raise ResultsError(f"{path}: no column {missing[0]!r}")
        numbers = [c for c in present if c not in RUN_KEYS]
        frame = _read_csv(path)
        table = check_table(
            path, frame, self.manifest, ("variant", "replicate", "vendor"), numbers,
            may_be_empty=[c for c in numbers if c not in RUN_TOTALS],
        )  # fmt: skip
        return table[[*RUN_KEYS, *numbers]]

    @cached_property
    def summary(self) -> pd.DataFrame:
        return _read_csv(self.path / SUMMARY_FILE)

    def check(self) -> ResultSet:
        """Read and check every file of the folder now rather than on first use (a command that
        keeps a folder open, such as ``sim dashboard``, then refuses a damaged one at start).

        Raises:
            ResultsError: the first problem, naming the file and row.
        """
        _ = self.timeseries, self.runs, self.resolved
        return self

    @property
    def resolved_yaml(self) -> str:
        return (self.path / RESOLVED_FILE).read_text(encoding="utf-8")

    @cached_property
    def resolved(self) -> dict[str, Any]:
        """The parsed ``scenario.resolved.yaml``, read with the scenario loader's limits (size,
        nesting, aliases, plain values only); ``{}`` when the folder has none.

        Raises:
            ResultsError: the file is there but is not a YAML mapping within those limits.
        """
        path = self.path / RESOLVED_FILE
        if not path.exists():
            return {}
        try:
            doc, _ = read_document(path, str(path))
        except ScenarioError as exc:
            raise ResultsError(str(exc.issues[0])) from None
        if not isinstance(doc, dict):
            raise ResultsError(f"{path}: not a resolved scenario (the top level is not a mapping)")
        return doc


def _read_csv(path: Path, **kwargs: Any) -> pd.DataFrame:
    # Names such as "NA" or "null" are valid vendor names: only empty fields are missing values.
    text = {c: str for c in ("variant", "vendor", "metric", "kind")}
    try:
        return pd.read_csv(path, dtype=text, keep_default_na=False, na_values=[""], **kwargs)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
        raise ResultsError(f"{path}: not a readable CSV file ({_first_line(exc)})") from None


def _header(path: Path) -> list[str]:
    """The column names of a CSV file."""
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            line = handle.readline(1 << 16)
    except FileNotFoundError:
        raise ResultsError(f"{path}: missing") from None
    except UnicodeDecodeError:
        raise ResultsError(f"{path}: not a UTF-8 text file") from None
    if not line.strip():
        raise ResultsError(f"{path}: empty file (not even a header)")
    with open(path, "rb") as handle:
        handle.seek(-1, os.SEEK_END)
        if handle.read(1) != b"\n":  # sim ends every line: a cut-off file is not analysed
            raise ResultsError(f"{path}: the last line is cut off (the file is truncated)")
    return [name.strip() for name in line.rstrip("\r\n").split(",")]


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def read_manifest(folder: Path | str) -> dict[str, Any]:
    """The manifest of a result folder, complete or not.

    Raises:
        ResultsError: no such folder, no manifest, or a manifest that is not a sim manifest.
    """
    path = Path(folder)
    if not path.is_dir():
        raise ResultsError(f"{path}: no such result folder")
    file = path / MANIFEST_FILE
    try:
        manifest = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ResultsError(f"{path}: not a result folder (no {MANIFEST_FILE})") from None
    except IsADirectoryError:
        raise ResultsError(f"{file}: is a folder, not a manifest") from None
    except UnicodeDecodeError:
        raise ResultsError(f"{file}: not valid JSON (not UTF-8 text)") from None
    except json.JSONDecodeError as exc:
        raise ResultsError(f"{file}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
    except RecursionError:
        raise ResultsError(f"{file}: not valid JSON (nested too deep)") from None
    return check_manifest(file, manifest)


def load_results(folder: Path | str) -> ResultSet:
    """Open a result folder written by :class:`ResultWriter`.

    Raises:
        ResultsError: the folder does not exist, is not a result folder or misses a file.
    """
    path = Path(folder)
    manifest = read_manifest(path)
    missing = [f for f in (TIMESERIES_FILE, RUNS_FILE, SUMMARY_FILE) if not (path / f).exists()]
    if missing:
        raise ResultsError(
            f"{path}: result folder misses {', '.join(missing)} (status {manifest.get('status')}; "
            "was the run killed before it could save?)"
        )
    return ResultSet(path=path, manifest=manifest)
