"""Checking the rows of a history file: cells parsed to dates, numbers and flags, and the rows that
fail a check reported by file, line and column, or dropped and counted with ``--drop-bad``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.calibration.csv_source import MAX_ISSUES, HistoryError, Table
from sim.scenario.errors import Issue, show

MAX_ID_LENGTH = 200
"""Longest deal or partner id, in characters."""
MAX_AMOUNT = 1e13
"""Largest deal amount read (currency units); a bigger one is a unit or parsing mistake."""
FIRST_YEAR, LAST_YEAR = 1970, 2100
"""Dates outside these years are refused as mistakes."""


@dataclass(frozen=True)
class Bad:
    """Rows failing one check: ``reason`` (short, for counts), the canonical ``column``, a boolean
    ``rows`` mask and ``message(i)``, what is wrong with row ``i`` and what is allowed."""

    reason: str
    column: str
    rows: np.ndarray
    message: Callable[[int], str]


def keep_good(
    table: Table,
    shown: dict[str, str],
    parsed: pd.DataFrame,
    bad: list[Bad],
    drop_bad: bool,
    dropped: dict[str, dict[str, int]],
) -> pd.DataFrame:
    """``parsed`` without its bad rows (``drop_bad``, counted into ``dropped``); or the error."""
    if not bad:
        return parsed
    if not drop_bad:
        issues, total = [], 0
        for check in bad:
            rows = np.flatnonzero(check.rows)
            total += rows.size
            column = shown.get(check.column, check.column)
            issues += [
                Issue(table.file, int(table.lines[i]), column, check.message(i))
                for i in rows[: MAX_ISSUES + 1]
            ]
        raise HistoryError(issues, total)
    taken = np.zeros(len(parsed), dtype=bool)
    counts: dict[str, int] = {}
    for check in bad:
        new = check.rows & ~taken
        if new.any():
            counts[check.reason] = counts.get(check.reason, 0) + int(new.sum())
        taken |= new
    dropped[table.file] = counts
    return parsed.loc[~taken].reset_index(drop=True)


def parse_dates(text: pd.Series, formats: tuple[str, ...]) -> tuple[pd.Series, np.ndarray]:
    """Dates (midnight, no time zone; NaT for empty) and a mask of cells that are not dates."""
    parsed = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True)
    for fmt in formats:
        retry = parsed.isna() & (text != "")
        if not retry.any():
            break
        parsed = parsed.where(
            ~retry, pd.to_datetime(text.where(retry), format=fmt, errors="coerce", utc=True)
        )
    parsed = parsed.dt.tz_convert(None).dt.normalize()
    years = parsed.dt.year
    parsed = parsed.where((years >= FIRST_YEAR) & (years <= LAST_YEAR))
    return parsed, ((text != "") & parsed.isna()).to_numpy()


def parse_numbers(text: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Finite numbers (NaN for empty) and a mask of cells that are not."""
    number = pd.to_numeric(text.where(text != ""), errors="coerce")
    number = number.where(np.isfinite(number) & (number.abs() <= MAX_AMOUNT))
    return number.astype(float), ((text != "") & number.isna()).to_numpy()


_TRUE, _FALSE = ("true", "yes", "1"), ("false", "no", "0")


def parse_flags(text: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Booleans (NA for empty) from true/false, yes/no, 1/0; and a mask of other cells."""
    lower = text.str.lower()
    flags = pd.Series(pd.NA, index=text.index, dtype="boolean")
    flags[lower.isin(_TRUE)] = True
    flags[lower.isin(_FALSE)] = False
    return flags, ((text != "") & flags.isna()).to_numpy()


def bad_id(ids: pd.Series) -> np.ndarray:
    printable = np.fromiter(map(str.isprintable, ids.tolist()), dtype=bool, count=len(ids))
    return (ids.str.len() > MAX_ID_LENGTH).to_numpy(dtype=bool) | ~printable


def got_text(text: pd.Series) -> Callable[[int], str]:
    return lambda i: show(text.iloc[i], 40)


DATE_HINT = "must be a date such as 2024-03-31"
