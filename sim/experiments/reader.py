"""Re-opening a result folder for analysis: :func:`load_results` and :class:`ResultSet`."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiments.folder_layout import (
    FORMAT,
    MANIFEST_FILE,
    PARQUET_FILE,
    RESOLVED_FILE,
    RUNS_FILE,
    SUMMARY_FILE,
    TIMESERIES_COLUMNS,
    TIMESERIES_FILE,
    FolderStatus,
    ResultsError,
)
from sim.model.metrics import TIMESERIES_KEYS


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
        """Timeseries table, all columns or only the keys plus ``columns`` (Parquet if present)."""
        wanted = list(
            TIMESERIES_COLUMNS if columns is None else dict.fromkeys([*TIMESERIES_KEYS, *columns])
        )
        parquet = self.path / PARQUET_FILE
        if parquet.exists():
            with contextlib.suppress(ImportError):
                return pd.read_parquet(parquet, columns=wanted)
        return _read_csv(self.path / TIMESERIES_FILE, usecols=wanted)[wanted]

    @cached_property
    def runs(self) -> pd.DataFrame:
        return _read_csv(self.path / RUNS_FILE)

    @cached_property
    def summary(self) -> pd.DataFrame:
        return _read_csv(self.path / SUMMARY_FILE)

    @property
    def resolved_yaml(self) -> str:
        return (self.path / RESOLVED_FILE).read_text(encoding="utf-8")


def _read_csv(path: Path, **kwargs: Any) -> pd.DataFrame:
    # Names such as "NA" or "null" are valid vendor names: only empty fields are missing values.
    text = {c: str for c in ("variant", "vendor", "metric", "kind")}
    return pd.read_csv(path, dtype=text, keep_default_na=False, na_values=[""], **kwargs)


def read_manifest(folder: Path | str) -> dict[str, Any]:
    """The manifest of a result folder, complete or not.

    Raises:
        ResultsError: no such folder, no manifest, or a manifest that is not a sim manifest.
    """
    path = Path(folder)
    if not path.is_dir():
        raise ResultsError(f"{path}: no such result folder")
    try:
        manifest = json.loads((path / MANIFEST_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ResultsError(f"{path}: not a result folder (no {MANIFEST_FILE})") from None
    except json.JSONDecodeError as exc:
        raise ResultsError(f"{path / MANIFEST_FILE}: not valid JSON ({exc.msg})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ResultsError(f"{path}: not a result folder ({MANIFEST_FILE} is not a sim manifest)")
    return manifest


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
