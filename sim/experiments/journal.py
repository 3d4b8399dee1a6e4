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
import hashlib
import json
import re
import shutil
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
_TEXT = frozenset({"object", "str"})
_DTYPES = frozenset({"float64", "int64", "bool"}) | _TEXT
"""Column types a saved table may have; text columns (``str``, or ``object`` before pandas 3)
hold text only."""

Payload = tuple[RunRecord, PreparedRun | None]


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
    for path in sorted(directory.iterdir()):
        if path.name.endswith(".tmp"):
            path.unlink(missing_ok=True)
            continue
        match = _PART_NAME.fullmatch(path.name)
        if match and path.is_file() and not path.is_symlink():
            found.setdefault(int(match.group(1)), path)
    return found


def legacy_parts(folder: Path) -> list[Path]:
    """Parts in the pickle format of older versions; they are never opened."""
    directory = parts_dir(folder)
    return sorted(directory.glob("*.pkl")) if directory.is_dir() else []


def read_part(path: Path, index: int, planned: RunRecord) -> Payload | None:
    """The saved run at ``path``, or None (and the part removed) when it cannot be trusted: its
    bytes do not match the hash in its name, it does not parse, or it is not run ``index`` of the
    plan (``planned``: same variant, replicate and seed)."""
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


def _decode(doc: dict[str, Any], index: int, planned: RunRecord) -> Payload:
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
    prepared = PreparedRun(
        timeseries_csv=texts[0],
        runs_csv=texts[1],
        values=_frame(rows["values"]),
        timeseries=None if timeseries is None else _frame(timeseries),
        history=_history(rows.get("history")),
    )
    return record, prepared


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


def _frame(doc: dict[str, Any]) -> pd.DataFrame:
    columns, dtypes, data = doc["columns"], doc["dtypes"], doc["data"]
    if not (len(columns) == len(dtypes) == len(data)) or not set(dtypes) <= _DTYPES:
        raise ValueError("not a table")
    lengths = {len(values) for values in data}
    if len(lengths) > 1:
        raise ValueError("columns of different lengths")
    series = {}
    for name, dtype, values in zip(columns, dtypes, data, strict=True):
        if dtype in _TEXT and any(not isinstance(v, str) for v in values):
            raise ValueError("a text column with other values")
        if dtype not in _TEXT and any(isinstance(v, str) for v in values):
            raise ValueError("a number column with text")
        series[_typed(name, str)] = pd.Series(values, dtype=dtype)
    return pd.DataFrame(series)


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
