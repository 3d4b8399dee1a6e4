"""Reading one CSV file of a deal history as untrusted text: size limits, UTF-8, one header, and the
line of the file every row came from.

Everything is read as text (``dtype=str``); turning text into dates, numbers and flags is the job of
:mod:`sim.calibration.history`, which can then say which line and column could not be read.
"""

from __future__ import annotations

import csv
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.scenario.errors import Issue

MAX_BYTES = 100_000_000
"""Largest history file read (100 MB). Measured: a 53 MB deals.csv of 1,000,000 rows and 7
columns takes 10 s and 590 MB of memory at peak (docs/calibration.md)."""
MAX_ROWS = 1_000_000
"""Most data rows read from one file; a longer file is refused before it fills the memory."""
MAX_COLUMNS = 1_000
"""Most columns in one file; CRM exports have a few hundred at most."""
MAX_ISSUES = 20
"""Problems listed one per line before the rest are summed up as "and N more"."""


class HistoryError(Exception):
    """A history folder cannot be read; ``str()`` gives one line per problem (at most
    :data:`MAX_ISSUES`, then "and N more")."""

    def __init__(self, issues: list[Issue], total: int | None = None) -> None:
        self.issues = sorted(issues, key=lambda i: (i.file, i.line or 0))[:MAX_ISSUES]
        self.total = max(total or 0, len(issues))
        super().__init__(str(self))

    def __str__(self) -> str:
        lines = [str(issue) for issue in self.issues]
        if self.total > len(self.issues):
            lines.append(f"and {self.total - len(self.issues)} more")
        return "\n".join(lines)


@dataclass(frozen=True)
class Table:
    """The text of one CSV file: ``frame`` (stripped strings, ``""`` for empty), ``lines`` (the
    1-based line of the file each row starts on; the header is line 1) and ``file`` as shown."""

    file: str
    frame: pd.DataFrame
    lines: np.ndarray


def fail(file: str, message: str, line: int | None = None, column: str = "") -> HistoryError:
    """One problem as a :class:`HistoryError`."""
    return HistoryError([Issue(file, line, column, message)])


def read_table(path: Path, shown: str) -> Table:
    """Read ``path`` (shown to the user as ``shown``) as text, refusing what is not a small CSV.

    Raises:
        HistoryError: the file is missing, not a regular file, over :data:`MAX_BYTES` or
            :data:`MAX_ROWS`, not UTF-8, not valid CSV, or its header is empty or repeats a name.
    """
    if not path.exists():
        raise fail(shown, "file not found")
    if not path.is_file():
        raise fail(shown, "is not a regular file")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise fail(
            shown, f"file is {size / 1e6:.0f} MB; at most {MAX_BYTES // 1_000_000} MB is read"
        )
    try:
        header = _header(path, shown)
        # a row with more fields than the header would be cut short with a warning (or make
        # pandas take the first column as an index): as an error, with the lines it is on
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(
                path,
                header=None,
                skiprows=1,
                names=header,
                index_col=False,
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=False,
                nrows=MAX_ROWS + 1,
                encoding="utf-8-sig",
                engine="c",
            )
    except pd.errors.ParserWarning:
        raise _long_rows(path, shown, len(header)) from None
    except UnicodeDecodeError as exc:
        raise fail(shown, f"is not UTF-8 text ({exc.reason}); save the export as UTF-8") from None
    except pd.errors.ParserError as exc:
        long = _long_rows(path, shown, len(header))
        raise (
            long if long.total else fail(shown, f"is not valid CSV: {_first_line(exc)}")
        ) from None
    except pd.errors.EmptyDataError:
        raise fail(shown, "file is empty; the first line must name the columns") from None
    if len(frame) > MAX_ROWS:
        raise fail(shown, f"has more than {MAX_ROWS:,} rows; split the history or sample it")
    frame = frame.fillna("")  # a row with fewer fields than the header
    frame.columns = header
    lines = 2 + np.arange(len(frame))
    with path.open("rb") as handle:
        breaks = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    if breaks > len(frame) + 1:  # some quoted cells span lines: count their line breaks
        inner = np.add.reduce([[v.count("\n") for v in frame[c].tolist()] for c in header], axis=0)
        lines = lines + np.concatenate([[0], np.cumsum(inner)[:-1]]).astype(int)
    # plain list comprehensions: pandas' .str methods cost ~1 us a cell (1,000,000 rows: 7 s)
    frame = pd.DataFrame({c: [v.strip() for v in frame[c].tolist()] for c in header}, dtype=str)
    blank = (frame == "").all(axis=1).to_numpy()
    frame = frame.loc[~blank].reset_index(drop=True)
    return Table(shown, frame, lines[~blank])


def _header(path: Path, shown: str) -> list[str]:
    """The column names of the first line, stripped; duplicates and empty names are errors."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        try:
            first = next(csv.reader([handle.readline(1_000_000)]), [])
        except csv.Error as exc:
            raise fail(shown, f"the first line is not CSV: {exc}", line=1) from None
    names = [name.strip() for name in first]
    if not any(names):
        raise fail(shown, "the first line must name the columns", line=1)
    if len(names) > MAX_COLUMNS:
        raise fail(shown, f"has {len(names)} columns; at most {MAX_COLUMNS} are read", line=1)
    for index, name in enumerate(names):
        if not name:
            raise fail(shown, f"column {index + 1} has no name", line=1)
        if name in names[:index]:
            raise fail(shown, f"column {name!r} appears twice", line=1)
    return names


def _long_rows(path: Path, shown: str, columns: int) -> HistoryError:
    """The rows of ``path`` with more fields than its ``columns`` header names, by line."""
    message = (
        f"has more fields than the {columns} columns of the first line; quote cells with commas"
    )
    issues, total = [], 0
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        start = 1
        try:
            for row in reader:
                if len(row) > columns:
                    total += 1
                    if len(issues) <= MAX_ISSUES:
                        issues.append(Issue(shown, start, "", message))
                start = reader.line_num + 1
        except csv.Error:  # a cell over the csv module's size limit: say what pandas said
            return HistoryError([], 0)
    return HistoryError(issues, total)


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[-1] if text else "unreadable"
