"""A result folder is untrusted input: the checks :mod:`sim.experiments.reader` makes before any
command uses one.

- ``manifest.json`` must be UTF-8 JSON that fits :class:`Manifest` (pydantic): the keys the
  commands read, with their types, and counts that agree with the runs.
- ``timeseries.csv`` and ``runs.csv`` must agree with the manifest's plan: the contract columns
  (a folder written before a newer metric existed may lack that metric, never a contract column),
  numbers where numbers belong, finite and at most :data:`MAX_VALUE` in size, only the manifest's
  variants and vendors, rows for exactly the runs that finished ``ok``, no duplicate rows, and in
  the time series every step of every run for every vendor.

Each problem is one :class:`~sim.experiments.folder_layout.ResultsError` naming the file, the row
(1-based, the header is row 1) and what is wrong, so the commands exit 2 with one line.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pydantic
from pydantic import BaseModel, ConfigDict, Field

from sim.experiments.folder_layout import FORMAT, MANIFEST_FILE, ResultsError

MAX_VALUE = 1e150
"""Largest size of a number in a result table: sums of millions of values and their squares (for
variances) stay finite far below ``float`` overflow (about 1.8e308)."""
CONTRACT_METRICS: tuple[str, ...] = (
    "channel_revenue", "partner_sourced_revenue", "co_sell_revenue", "direct_revenue",
    "vendor_net_revenue", "partner_profit", "attention_share", "mean_trust", "trust_p10",
    "mean_capability", "active_partners", "conflicts", "win_rate", "pipeline_value",
)  # fmt: skip
"""Per-step metrics of the public contract (docs/reference.md) that every folder has; metrics added
later may be missing from older folders."""
CONTRACT_RUN_COLUMNS: tuple[str, ...] = (
    "channel_revenue", "direct_revenue", "vendor_net_revenue", "conflicts", "partners",
    "productive_partners", "top_decile_share", "gini",
)  # fmt: skip
"""Columns of ``runs.csv`` every folder has."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


class Seed(_Model):
    entropy: int = Field(ge=0)
    spawn_key: list[int]


class Run(_Model):
    variant: str
    replicate: int = Field(ge=0)
    seed: Seed
    status: Literal["ok", "failed", "not-run"]
    seconds: float | int | None = None
    error: str | None = None
    traceback: str | None = None


class Counts(_Model):
    planned: int = Field(ge=0)
    ok: int = Field(ge=0)
    failed: int = Field(ge=0)
    not_run: int = Field(ge=0, alias="not-run")


class Sweep(_Model):
    method: Literal["grid", "random", "lhs", "sobol", "morris"]
    replicates: int = Field(ge=1)
    parameters: dict[str, list[float | int]]


class Manifest(_Model):
    """The keys of ``manifest.json`` the commands read; other keys are kept as they are."""

    format: Literal["channel-sim-results/1"]
    status: Literal["complete", "failed-runs", "incomplete"]
    scenario: str = Field(min_length=1)
    description: str | None = None
    variants: list[str] = Field(min_length=1)
    vendors: list[str]
    runs: list[Run]
    counts: Counts | None = None
    horizon_months: float | int | None = Field(default=None, gt=0)
    time_step: Literal["month", "week"] | None = None
    command_line: str | None = None
    seeding: str | None = None
    engine: str | None = None
    deals: bool | None = None
    started: str | None = None
    finished: str | None = None
    python: str | None = None
    platform: str | None = None
    libraries: dict[str, str] | None = None
    sweep: Sweep | None = None


def check_manifest(path: Path, data: Any) -> dict[str, Any]:
    """``data`` (parsed JSON of ``path``) if it is a sim manifest that agrees with itself.

    Raises:
        ResultsError: the first problem, as ``manifest.json: key: problem``.
    """
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ResultsError(
            f"{path.parent}: not a result folder ({MANIFEST_FILE} is not a sim manifest)"
        )
    try:
        manifest = Manifest.model_validate(data)
    except pydantic.ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "(top level)"
        raise ResultsError(f"{path}: {where}: {error['msg'].lower()}") from None
    for name, values in (("variants", manifest.variants), ("vendors", manifest.vendors)):
        if len(set(values)) != len(values):
            raise ResultsError(f"{path}: {name}: lists a name twice")
    known = set(manifest.variants)
    keys = set()
    for i, run in enumerate(manifest.runs):
        if run.variant not in known:
            raise ResultsError(f"{path}: runs.{i}: variant {run.variant!r} is not in variants")
        if (run.variant, run.replicate) in keys:
            raise ResultsError(
                f"{path}: runs.{i}: {run.variant} replicate {run.replicate} is planned twice"
            )
        keys.add((run.variant, run.replicate))
    statuses = [run.status for run in manifest.runs]
    if manifest.counts is not None:
        found = {"planned": len(statuses), "ok": statuses.count("ok"),
                 "failed": statuses.count("failed"), "not-run": statuses.count("not-run")}  # fmt: skip
        given = manifest.counts.model_dump(by_alias=True)
        for key, value in found.items():
            if given[key] != value:
                raise ResultsError(f"{path}: counts.{key}: says {given[key]}, but runs has {value}")
    if manifest.status == "complete" and set(statuses) - {"ok"}:
        raise ResultsError(f"{path}: status: complete, but not every run is ok")
    return data


# ----------------------------------------------------------------------------- tables
def check_table(
    path: Path,
    frame: pd.DataFrame,
    manifest: dict[str, Any],
    keys: Sequence[str],
    numbers: Sequence[str],
    may_be_empty: Collection[str] = (),
) -> pd.DataFrame:
    """Check a ``timeseries.csv`` or ``runs.csv`` read with every column as text; return it with
    numbers as numbers.

    Args:
        path: the file (for messages).
        frame: its rows, every cell a string (empty cells NaN).
        manifest: the folder's checked manifest.
        keys: identifying columns: ``variant, replicate, step, vendor`` or ``variant, replicate,
            vendor``.
        numbers: the numeric columns read (metrics, and ``month``).
        may_be_empty: numeric columns whose value may be undefined (an empty field): levels and
            rates with nothing to measure, e.g. mean trust of a vendor without links.
    """
    out = pd.DataFrame(index=frame.index)
    for column in ("variant", "vendor"):
        if column in frame:
            missing = frame[column].isna()
            if missing.any():
                _fail(path, frame, missing, f"no {column}")
            out[column] = frame[column].astype(str)
    for column in ("replicate", "step"):
        if column in keys:
            out[column] = _whole_numbers(path, frame, column)
    for column in numbers:
        out[column] = _numbers(path, frame, column, empty_ok=column in may_be_empty)
    _check_names(path, frame, out, "variant", manifest["variants"])
    _check_names(path, frame, out, "vendor", manifest["vendors"])
    _check_runs(path, frame, out, manifest)
    duplicated = out.duplicated(list(keys), keep="first")
    if duplicated.any():
        row = frame.index[duplicated.to_numpy()][0]
        first = out.index[(out[list(keys)] == out.loc[row, list(keys)]).all(axis=1)][0]
        raise ResultsError(
            f"{path}: row {row + 2}: repeats row {first + 2} ({_key_text(out, row, keys)})"
        )
    if "step" in keys:
        _check_steps(path, out, manifest)
    else:
        _check_vendors(path, out, manifest)
    return out


def _check_vendors(path: Path, out: pd.DataFrame, manifest: dict[str, Any]) -> None:
    """Every run has one row per vendor."""
    vendors = len(manifest["vendors"])
    sizes = out.groupby(["variant", "replicate"], sort=False).size()
    bad = sizes != vendors
    if bad.any():
        variant, replicate = sizes.index[bad.to_numpy()][0]
        raise ResultsError(
            f"{path}: {variant} replicate {replicate} has {sizes.loc[(variant, replicate)]} rows, "
            f"not one per vendor ({vendors}; the file is truncated or damaged)"
        )


def _fail(path: Path, frame: pd.DataFrame, bad: pd.Series, problem: str) -> None:
    row = frame.index[bad.to_numpy()][0]
    raise ResultsError(f"{path}: row {row + 2}: {problem}")


def _whole_numbers(path: Path, frame: pd.DataFrame, column: str) -> pd.Series:
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = values.isna() | (values != np.floor(values)) | (values < 0) | (values > 2**31)
    if bad.any():
        row = frame.index[bad.to_numpy()][0]
        raise ResultsError(
            f"{path}: row {row + 2}: {column}: must be a whole number, got {_cell(frame, row, column)}"
        )
    return values.astype("int64")


def _numbers(path: Path, frame: pd.DataFrame, column: str, empty_ok: bool) -> pd.Series:
    text = frame[column]
    values = pd.to_numeric(text, errors="coerce")
    nan_text = values.isna() & text.notna()  # text, or "nan"/"inf" written as a word
    bad = nan_text | ~np.isfinite(values.fillna(0.0)) | (values.abs() > MAX_VALUE)
    if not empty_ok:
        bad |= values.isna()
    if bad.any():
        row = frame.index[bad.to_numpy()][0]
        raise ResultsError(
            f"{path}: row {row + 2}: {column}: must be a finite number of at most {MAX_VALUE:g} "
            f"in size, got {_cell(frame, row, column)}"
        )
    return values.astype("float64")


def _cell(frame: pd.DataFrame, row: int, column: str) -> str:
    value = frame.at[row, column]
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "an empty field"
    text = str(value)
    text = text if len(text) <= 40 else text[:37] + "..."
    return repr(text) if text.isprintable() else repr(text.encode("unicode_escape").decode())


def _check_names(
    path: Path, frame: pd.DataFrame, out: pd.DataFrame, column: str, allowed: list[str]
) -> None:
    if column not in out:
        return
    bad = ~out[column].isin(allowed)
    if bad.any():
        row = frame.index[bad.to_numpy()][0]
        raise ResultsError(
            f"{path}: row {row + 2}: {column} {_cell(frame, row, column)} is not one of the "
            f"manifest's {column}s"
        )


def _check_runs(
    path: Path, frame: pd.DataFrame, out: pd.DataFrame, manifest: dict[str, Any]
) -> None:
    """Rows exist for exactly the runs the manifest lists as ``ok``."""
    ok = {(run["variant"], run["replicate"]) for run in manifest["runs"] if run["status"] == "ok"}
    keys = pd.MultiIndex.from_frame(out[["variant", "replicate"]])
    foreign = ~keys.isin(list(ok)) if ok else np.ones(len(out), bool)
    if foreign.any():
        row = frame.index[foreign][0]
        raise ResultsError(
            f"{path}: row {row + 2}: {_key_text(out, row, ('variant', 'replicate'))} is not a "
            "finished (ok) run of the manifest"
        )
    present = set(keys.unique())
    absent = [key for key in ok if key not in present]
    if absent:
        variant, replicate = sorted(absent)[0]
        raise ResultsError(
            f"{path}: no rows for {variant} replicate {replicate}, a finished run of the "
            f"manifest ({len(absent)} runs missing: the file is truncated or damaged)"
        )


def _check_steps(path: Path, out: pd.DataFrame, manifest: dict[str, Any]) -> None:
    """Every run has every step, each for every vendor: a truncated file is not analysed."""
    vendors = len(manifest["vendors"])
    steps = _planned_steps(manifest)
    if steps is None:
        steps = int(out["step"].max()) + 1 if len(out) else 0
    per_run = out.groupby(["variant", "replicate"], sort=False)["step"]
    short = per_run.size() != steps * vendors
    wrong = (per_run.max() != steps - 1) | (per_run.min() != 0)
    bad = short | wrong
    if bad.any():
        variant, replicate = bad.index[bad.to_numpy()][0]
        count = per_run.size().loc[(variant, replicate)]
        raise ResultsError(
            f"{path}: {variant} replicate {replicate} has {count} rows, not {steps} steps x "
            f"{vendors} vendors (the file is truncated or damaged)"
        )


def _planned_steps(manifest: dict[str, Any]) -> int | None:
    horizon, step = manifest.get("horizon_months"), manifest.get("time_step")
    if horizon is None or step is None:
        return None
    return int(horizon) if step == "month" else round(horizon * 52 / 12)


def _key_text(out: pd.DataFrame, row: int, keys: Sequence[str]) -> str:
    return ", ".join(f"{key} {out.at[row, key]}" for key in keys)


__all__ = [
    "CONTRACT_METRICS",
    "CONTRACT_RUN_COLUMNS",
    "MAX_VALUE",
    "Manifest",
    "check_manifest",
    "check_table",
]
