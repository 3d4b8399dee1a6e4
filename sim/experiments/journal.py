"""The run journal of a result folder: one small file per finished run, so no finished run is lost.

While runs go on, each finished run (its record and, when ``ok``, its prepared rows) is saved as
``.parts/<plan index>-<sha256>.json`` in the result folder: written under a temporary name, then
renamed, so a part is either whole or absent (a process killed with ``kill -9`` leaves at most a
``*.tmp`` file, which is ignored and removed). Parts are written in the order runs finish; the
result files are assembled from them in plan order when the folder is closed, so a folder finished
in one go and a folder finished by ``--resume`` after an interruption hold identical files. The
journal is removed once every planned run has finished; an interrupted folder keeps it.

A result folder may come from anyone, so a part is data that cannot run code: JSON (floats written
with Python's shortest round-trip ``repr``, so every number reads back exactly), never a pickle.
Its name records the SHA-256 of its bytes; a part whose bytes do not match its name, that does not
parse, or whose run is not the run planned at its index is removed and its run is done again, never
trusted. Journals of older versions (``*.pkl`` parts) are refused, never opened
(:func:`legacy_parts`).
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiments.deal_files import HISTORY_FILES
from sim.experiments.folder_layout import atomic_write_text, inner_folder
from sim.experiments.manifest import RunRecord
from sim.experiments.run_rows import PreparedRun

PARTS_DIR = ".parts"
PART_FORMAT = "channel-sim-part/1"
_PART_NAME = re.compile(r"(\d{7})-([0-9a-f]{64})\.json")
TEXT_DTYPES = frozenset({"object", "str"})
_DTYPES = frozenset({"float64", "int64", "bool"}) | TEXT_DTYPES
"""Column types a saved table may have; text columns (``str``, or ``object`` before pandas 3)
hold text only."""

Payload = tuple[RunRecord, PreparedRun | None]


@dataclass(frozen=True)
class SavedRows:
    """A saved run's rows as the writer reads them: as :class:`PreparedRun`, with its tables as
    checked :class:`Table` columns (:meth:`prepared` makes the DataFrames)."""

    timeseries_csv: str
    runs_csv: str
    values: Table
    timeseries: Table | None = None
    history: dict[str, str] | None = None

    def prepared(self) -> PreparedRun:
        timeseries = None if self.timeseries is None else self.timeseries.frame()
        return PreparedRun(
            self.timeseries_csv, self.runs_csv, self.values.frame(), timeseries, self.history
        )


SavedPayload = tuple[RunRecord, SavedRows | None]


def parts_dir(folder: Path) -> Path:
    return Path(folder) / PARTS_DIR


def part_path(folder: Path, index: int, digest: str = "0" * 64) -> Path:
    """Where the part of run ``index`` with content hash ``digest`` lives."""
    return parts_dir(folder) / f"{index:07d}-{digest}.json"


def write_part(folder: Path, index: int, record: RunRecord, prepared: PreparedRun | None) -> Path:
    """Save run ``index`` as a part (atomically: whole or absent) and return its path."""
    text = json.dumps(_encode(index, record, prepared), separators=(",", ":"))
    path = part_path(folder, index, hashlib.sha256(text.encode("utf-8")).hexdigest())
    inner_folder(folder, PARTS_DIR)
    atomic_write_text(path, text)
    return path


def saved_parts(folder: Path) -> dict[int, Path]:
    """Plan index -> part file; removes temporary files left by a killed process."""
    directory = parts_dir(folder)
    if directory.is_symlink() or not directory.is_dir():
        return {}
    found: dict[int, Path] = {}
    with os.scandir(directory) as scan:  # one listing; no stat per part where d_type says
        entries = sorted(scan, key=lambda entry: entry.name)
    for entry in entries:
        if entry.name.endswith(".tmp"):
            (directory / entry.name).unlink(missing_ok=True)
            continue
        match = _PART_NAME.fullmatch(entry.name)
        if match and entry.is_file(follow_symlinks=False):  # a file, not a link to one
            found.setdefault(int(match.group(1)), directory / entry.name)
    return found


def legacy_parts(folder: Path) -> list[Path]:
    """Parts in the pickle format of older versions; they are never opened."""
    directory = parts_dir(folder)
    return sorted(directory.glob("*.pkl")) if directory.is_dir() else []


def read_part(path: Path, index: int, planned: RunRecord) -> Payload | None:
    """The saved run at ``path``, or None (and the part removed) when it cannot be trusted: its
    bytes do not match the hash in its name, it does not parse, or it is not run ``index`` of the
    plan (``planned``: same variant, replicate and seed)."""
    saved = read_part_rows(path, index, planned)
    if saved is None:
        return None
    record, rows = saved
    return record, None if rows is None else rows.prepared()


def read_part_rows(path: Path, index: int, planned: RunRecord) -> SavedPayload | None:
    """As :func:`read_part`, with the run's tables as checked :class:`Table` columns rather than
    DataFrames (what the writer reads every part of a folder with: a DataFrame per run cost more
    than everything else of closing a folder). The same parts are trusted and removed."""
    try:
        data = path.read_bytes()
        match = _PART_NAME.fullmatch(path.name)
        if match is None or hashlib.sha256(data).hexdigest() != match.group(2):
            raise ValueError("checksum")
        payload = _decode(json.loads(data.decode("utf-8")), index, planned)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        path.unlink(missing_ok=True)  # not trusted: the run is done again
        return None
    return payload


KEEP_BYTES = 256 * 2**20
"""Most bytes of parts :func:`check_parts` keeps, checked, for the close that follows."""


def check_parts(
    folder: Path, plan: list[RunRecord], keep_bytes: int | None = None
) -> dict[int, tuple[Path, SavedPayload]]:
    """Read and check every part of ``folder``'s journal (:func:`read_part_rows`: untrusted ones
    are removed) and put each trusted part's record into ``plan``.

    Returns the trusted parts as read, ``index -> (path, payload)``, when together they are at
    most ``keep_bytes`` of files (default :data:`KEEP_BYTES`; else an empty dict): a resumed
    folder closes from them instead of reading and checking every part a second time.
    """
    keep_bytes = KEEP_BYTES if keep_bytes is None else keep_bytes
    kept: dict[int, tuple[Path, SavedPayload]] = {}
    size = 0
    with collector_paused():
        for i, path in saved_parts(folder).items():
            payload = read_part_rows(path, i, plan[i]) if i < len(plan) else None
            if payload is None:
                continue
            plan[i] = payload[0]
            if size <= keep_bytes:
                with contextlib.suppress(OSError):
                    size += path.stat().st_size
                kept[i] = (path, payload)
                if size > keep_bytes:
                    kept.clear()  # too many to hold: the close reads them again
    return kept


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No garbage collection while the parts of a folder are read one after another.

    Each part parsed makes hundreds of lists and dicts, freed by reference counting as soon as
    the next part is read (they hold no cycles); yet their count sets off the collector, whose
    full passes walk every object of the process (the plan's records, the modules, pandas): a
    third of the time of reading 10,000 parts (docs/performance.md). Collection resumes, as it
    was, on leaving.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def remove_journal(folder: Path) -> None:
    """Remove the journal (a ``.parts`` that is a link: the link only, never what it points to)."""
    directory = parts_dir(folder)
    with contextlib.suppress(FileNotFoundError):
        if directory.is_symlink() or not directory.is_dir():
            directory.unlink()
        else:
            shutil.rmtree(directory)


# ----------------------------------------------------------------------------- encoding
def _encode(index: int, record: RunRecord, prepared: PreparedRun | None) -> dict[str, Any]:
    rows = None
    if prepared is not None:
        rows = {
            "timeseries_csv": prepared.timeseries_csv,
            "runs_csv": prepared.runs_csv,
            "values": _frame_doc(prepared.values),
            "timeseries": None if prepared.timeseries is None else _frame_doc(prepared.timeseries),
            "history": prepared.history,
        }
    return {
        "format": PART_FORMAT,
        "index": index,
        "record": {
            "variant": record.variant,
            "replicate": record.replicate,
            "entropy": record.entropy,
            "spawn_key": list(record.spawn_key),
            "status": record.status,
            "error": record.error,
            "traceback": record.traceback,
            "seconds": record.seconds,
        },
        "prepared": rows,
    }


def _decode(doc: dict[str, Any], index: int, planned: RunRecord) -> SavedPayload:
    if doc["format"] != PART_FORMAT or doc["index"] != index:
        raise ValueError("not this run's part")
    r = doc["record"]
    record = RunRecord(
        variant=_typed(r["variant"], str),
        replicate=_typed(r["replicate"], int),
        entropy=_typed(r["entropy"], int),
        spawn_key=tuple(_typed(k, int) for k in r["spawn_key"]),
        status=r["status"],
        error=_optional(r["error"], str),
        traceback=_optional(r["traceback"], str),
        seconds=_optional(r["seconds"], float),
    )
    same_run = (record.variant, record.replicate, record.entropy, record.spawn_key) == (
        planned.variant, planned.replicate, planned.entropy, tuple(planned.spawn_key)
    )  # fmt: skip
    if not same_run or record.status not in ("ok", "failed"):
        raise ValueError("not the planned run")
    rows = doc["prepared"]
    if record.status == "failed" or rows is None:
        if record.status == "ok":
            raise ValueError("an ok run without rows")
        return record, None
    prefix = f"{record.variant},{record.replicate},"
    texts = (_typed(rows["timeseries_csv"], str), _typed(rows["runs_csv"], str))
    for text in texts:
        if any(not line.startswith(prefix) for line in text.splitlines()):
            raise ValueError("rows of another run")
    timeseries = rows["timeseries"]
    saved = SavedRows(
        timeseries_csv=texts[0],
        runs_csv=texts[1],
        values=Table.from_doc(rows["values"]),
        timeseries=None if timeseries is None else Table.from_doc(timeseries),
        history=_history(rows.get("history")),
    )
    return record, saved


def _history(doc: Any) -> dict[str, str] | None:
    """A run's deal history files: exactly :data:`HISTORY_FILES`, each a text."""
    if doc is None:
        return None
    if not isinstance(doc, dict) or list(doc) != list(HISTORY_FILES):
        raise ValueError("not a deal history")
    return {name: _typed(text, str) for name, text in doc.items()}


def _frame_doc(frame: pd.DataFrame) -> dict[str, Any]:
    """A table as JSON-ready columns, each with its dtype (floats exact through ``repr``)."""
    return {
        "columns": [str(c) for c in frame.columns],
        "dtypes": [str(t) for t in frame.dtypes],
        "data": [frame[c].tolist() for c in frame.columns],
    }


@dataclass(frozen=True)
class Table:
    """A saved table, checked: ``name -> (dtype, values)``.

    A ``plain`` table is what :func:`_frame_doc` makes of a table of ``prepare_run``: every
    column a JSON list whose values all have the type of its dtype (``str`` for text, ``float``
    for ``float64``, ``int`` of 64 bits for ``int64``, ``bool``); its values stay that list, which
    ``pandas.Series(values, dtype=dtype)`` reads exactly, in one go for many runs
    (:class:`sim.experiments.writer.ResultWriter`). Any other table is read column by column with
    ``pandas.Series``, as every table was before, so the same tables are refused and
    :meth:`frame` is the same DataFrame.
    """

    columns: dict[str, tuple[str, Any]]
    plain: bool = True

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Table:
        """Check a table saved by :func:`_frame_doc`.

        Raises:
            ValueError, TypeError, KeyError: it is not such a table (the part is not trusted).
        """
        columns, dtypes, data = doc["columns"], doc["dtypes"], doc["data"]
        if not (len(columns) == len(dtypes) == len(data)) or not set(dtypes) <= _DTYPES:
            raise ValueError("not a table")
        lengths = {len(values) for values in data}
        if len(lengths) > 1:
            raise ValueError("columns of different lengths")
        if _all_plain(dtypes, data) and all(type(name) is str for name in columns):
            return cls(dict(zip(columns, zip(dtypes, data, strict=True), strict=True)))
        table, plain = {}, True
        for name, dtype, values in zip(columns, dtypes, data, strict=True):
            if not _plain(values, dtype):
                if dtype in TEXT_DTYPES and any(not isinstance(v, str) for v in values):
                    raise ValueError("a text column with other values")
                if dtype not in TEXT_DTYPES and any(isinstance(v, str) for v in values):
                    raise ValueError("a number column with text")
                plain, values = False, pd.Series(values, dtype=dtype)
            table[_typed(name, str)] = (dtype, values)
        checked = cls(table, plain)
        if not plain:
            checked.frame()  # refused where pandas refuses it
        return checked

    def frame(self) -> pd.DataFrame:
        """The table as a DataFrame."""
        return pd.DataFrame(
            {name: pd.Series(values, dtype=dtype) for name, (dtype, values) in self.columns.items()}
        )

    @property
    def signature(self) -> tuple[tuple[str, str], ...]:
        """Column names and dtypes: plain tables of one signature concatenate column by column."""
        return tuple((name, dtype) for name, (dtype, _) in self.columns.items())


_PLAIN_TYPES = {"float64": {float}, "int64": {int}, "bool": {bool}, "object": {str}, "str": {str}}


def _all_plain(dtypes: list[str], data: list[Any]) -> bool:
    """:func:`_plain` of every column, checked per dtype over all its columns at once (a part's
    table has dozens of columns of a few values each: one check per column cost more than
    parsing them)."""
    if any(type(values) is not list for values in data):
        return False
    groups: dict[str, list[Any]] = {}
    for dtype, values in zip(dtypes, data, strict=True):
        groups.setdefault(dtype, []).extend(values)
    return all(_plain(values, dtype) for dtype, values in groups.items())


def _plain(values: Any, dtype: str) -> bool:
    """``values`` is a list of the one Python type JSON gives ``dtype`` (whole numbers: 64 bits)."""
    if type(values) is not list or not {*map(type, values)} <= _PLAIN_TYPES[dtype]:
        return False
    return dtype != "int64" or not values or -(2**63) <= min(values) and max(values) < 2**63


def _typed(value: Any, kind: type) -> Any:
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise TypeError("not a whole number")
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, kind):
        raise TypeError(f"not {kind.__name__}")
    return value


def _optional(value: Any, kind: type) -> Any:
    return None if value is None else _typed(value, kind)
