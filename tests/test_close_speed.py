"""Closing a folder fast gives the files the slow way gave, bit for bit: ``summarise`` in a few
numpy calls per metric against its former loop over every variant, vendor and metric; the journal's
tables read as checked columns (:class:`journal.Table`) against a DataFrame per run; the run-level
values of many runs gathered column by column (``writer._Values``) against ``pd.concat``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.experiments import journal
from sim.experiments.folder_layout import SUMMARY_COLUMNS, SUMMARY_METRICS
from sim.experiments.summary import _kind, summarise
from sim.experiments.writer import _Values


def _stats(x: np.ndarray) -> dict[str, float | int]:
    """One group's statistics as ``summarise`` computed them before (per group and metric)."""
    x = x[~np.isnan(x)]
    if not x.size:
        return {"mean": np.nan, "p5": np.nan, "p50": np.nan, "p95": np.nan, "std": np.nan, "n": 0}
    p5, p50, p95 = np.percentile(x, [5, 50, 95])
    std = float(x.std(ddof=1)) if x.size > 1 else np.nan
    return {"mean": float(x.mean()), "p5": p5, "p50": p50, "p95": p95, "std": std, "n": x.size}


def _summarise_by_group(values: pd.DataFrame, variants, vendors=()) -> pd.DataFrame:
    """``summarise`` as it was: a loop over variants, vendors and metrics."""
    rows = []
    groups: dict[tuple[str, str], list[int]] = {}
    for i, key in enumerate(zip(values["variant"], values["vendor"], strict=True)):
        groups.setdefault(key, []).append(i)
    columns = {metric: values[metric].to_numpy(dtype=float) for metric in SUMMARY_METRICS}
    seen = list(dict.fromkeys([*vendors, *values["vendor"]]))
    for variant in dict.fromkeys([*variants, *values["variant"]]):
        for vendor in seen:
            positions = groups.get((variant, vendor))
            if positions is None:
                continue
            where = np.asarray(positions)
            for metric in SUMMARY_METRICS:
                rows.append(
                    {"variant": variant, "vendor": vendor, "metric": metric}
                    | _stats(columns[metric][where])
                    | {"kind": _kind(metric)}
                )
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))


def _values(rng: np.random.Generator, variants: int, vendors: int, most: int) -> pd.DataFrame:
    """Run-level values of ``variants`` x ``vendors`` with 1 to ``most`` replicates each, rows
    shuffled, some NaN (a whole group of NaN too), infinities and a wide range of magnitudes."""
    rows = []
    for v in range(variants):
        for w in range(vendors):
            for r in range(int(rng.integers(1, most + 1))):
                rows.append((f"s{v:04d}", f"vendor{w}", r))
    rng.shuffle(rows)
    frame = pd.DataFrame(rows, columns=["variant", "vendor", "replicate"])
    for metric in SUMMARY_METRICS:
        x = rng.standard_normal(len(frame)) * 10.0 ** rng.integers(-8, 12, len(frame))
        x[rng.random(len(frame)) < 0.15] = np.nan
        frame[metric] = x
    first = SUMMARY_METRICS[0]
    frame.loc[frame["variant"] == "s0000", first] = np.nan  # groups without a defined value
    frame.loc[frame.index[:3], SUMMARY_METRICS[1]] = [np.inf, -np.inf, np.inf]
    frame[SUMMARY_METRICS[2]] = np.round(frame[SUMMARY_METRICS[2]].fillna(0)).astype(int)
    return frame


@pytest.mark.parametrize(
    ("seed", "variants", "vendors", "most"),
    [(1, 40, 3, 4), (2, 7, 1, 1), (3, 5, 2, 40), (4, 300, 2, 9), (5, 3, 4, 2000)],
)
def test_summarise_is_the_per_group_loop_bit_for_bit(seed, variants, vendors, most) -> None:
    values = _values(np.random.default_rng(seed), variants, vendors, most)
    order = [f"s{v:04d}" for v in reversed(range(variants))][1:]  # one variant left to appear
    listed = ["vendor1", "nobody"]
    with np.errstate(invalid="ignore"):  # inf - inf in a group with both
        fast = summarise(values, order, listed)
        slow = _summarise_by_group(values, order, listed)
    pd.testing.assert_frame_equal(fast, slow, check_exact=True)
    text = dict(index=False, lineterminator="\n")
    assert fast.to_csv(**text) == slow.to_csv(**text)


def test_summarise_of_no_runs_is_an_empty_table() -> None:
    empty = pd.DataFrame(columns=["variant", "replicate", "vendor", *SUMMARY_METRICS])
    assert summarise(empty, ["base"]).to_csv(index=False) == ",".join(SUMMARY_COLUMNS) + "\n"


# ----------------------------------------------------------------------------- journal tables
def _frame_as_before(doc: dict) -> pd.DataFrame:
    """A saved table read as ``journal._frame`` read every table before: a Series per column."""
    columns, dtypes, data = doc["columns"], doc["dtypes"], doc["data"]
    if not (len(columns) == len(dtypes) == len(data)) or not set(dtypes) <= journal._DTYPES:
        raise ValueError("not a table")
    if len({len(values) for values in data}) > 1:
        raise ValueError("columns of different lengths")
    series = {}
    for name, dtype, values in zip(columns, dtypes, data, strict=True):
        if dtype in journal.TEXT_DTYPES and any(not isinstance(v, str) for v in values):
            raise ValueError("a text column with other values")
        if dtype not in journal.TEXT_DTYPES and any(isinstance(v, str) for v in values):
            raise ValueError("a number column with text")
        series[journal._typed(name, str)] = pd.Series(values, dtype=dtype)
    return pd.DataFrame(series)


def _doc(**columns: tuple[str, object]) -> dict:
    return {
        "columns": list(columns),
        "dtypes": [dtype for dtype, _ in columns.values()],
        "data": [values for _, values in columns.values()],
    }


TEXT = "str" if str(pd.Series(["a"]).dtype) == "str" else "object"
TABLES = {
    "plain": _doc(vendor=(TEXT, ["a", "b"]), x=("float64", [0.1, 1e300]), n=("int64", [1, -2])),
    "no rows": _doc(vendor=(TEXT, []), x=("float64", [])),
    "a whole number in a float column": _doc(x=("float64", [1, 2.5])),
    "null in a float column": _doc(x=("float64", [None, 1.0])),
    "NaN and infinities": _doc(x=("float64", [float("nan"), float("inf")])),
    "null in a whole-number column": _doc(n=("int64", [None, 1])),
    "a bool in a whole-number column": _doc(n=("int64", [True, 2])),
    "a fraction in a whole-number column": _doc(n=("int64", [1.5, 2])),
    "a whole number beyond 64 bits": _doc(n=("int64", [2**70, 1])),
    "the largest 64-bit whole numbers": _doc(n=("int64", [2**63 - 1, -(2**63)])),
    "numbers in a bool column": _doc(b=("bool", [1, 0])),
    "bools": _doc(b=("bool", [True, False])),
    "a number in a text column": _doc(vendor=(TEXT, ["a", 1.0])),
    "text in a number column": _doc(x=("float64", ["1.0", 2.0])),
    "a name twice": {"columns": ["x", "x"], "dtypes": ["float64", "int64"], "data": [[1.0], [2]]},
    "a name that is not text": {"columns": [3], "dtypes": ["float64"], "data": [[1.0]]},
    "a mapping for a column": _doc(vendor=(TEXT, {"a": 1, "b": 2}), x=("float64", [1.0, 2.0])),
    "a text for a column": _doc(vendor=(TEXT, "ab"), x=("float64", [1.0, 2.0])),
    "columns of different lengths": _doc(x=("float64", [1.0]), y=("float64", [1.0, 2.0])),
    "an unknown dtype": _doc(x=("float32", [1.0])),
}


PLAIN = ("plain", "no rows", "NaN and infinities", "the largest 64-bit whole numbers", "bools")
"""The tables above that are read without pandas (the others as before, column by column)."""


def _read(read, doc):
    try:
        return read(doc)
    except Exception as exc:  # noqa: BLE001 - the kind of failure is what is compared
        return type(exc)


@pytest.mark.parametrize("name", list(TABLES))
def test_a_saved_table_reads_as_it_did_with_a_series_per_column(name: str) -> None:
    """The same tables are refused (with the same error), the others give the same DataFrame."""
    doc = TABLES[name]
    before = _read(_frame_as_before, doc)
    now = _read(lambda d: journal.Table.from_doc(d).frame(), doc)
    if isinstance(before, type):
        assert now is before
    else:
        pd.testing.assert_frame_equal(now, before, check_exact=True)
    if name in PLAIN:
        assert journal.Table.from_doc(doc).plain


def _tables(rng: np.random.Generator, runs: int, odd: dict[int, dict]) -> list[journal.Table]:
    """``runs`` plain run-level tables of two vendors, with the docs of ``odd`` at their runs."""
    tables = []
    for r in range(runs):
        doc = odd.get(r) or _doc(
            vendor=(TEXT, ["a", "b"]),
            x=("float64", rng.standard_normal(2).tolist()),
            n=("int64", rng.integers(-5, 5, 2).tolist()),
            variant=(TEXT, [f"s{r:04d}"] * 2),
        )
        tables.append(journal.Table.from_doc(doc))
    return tables


def _odd(**change: tuple[str, object]) -> dict:
    """A run-level table of one vendor with the columns of ``_tables``, some changed."""
    columns = {"vendor": (TEXT, ["a"]), "x": ("float64", [1.0]), "n": ("int64", [1])}
    return _doc(**(columns | change | {"variant": (TEXT, ["z"])}))


@pytest.mark.parametrize(
    "odd",
    [
        pytest.param({}, id="all alike"),
        pytest.param({5: _odd(n=("float64", [2.5]))}, id="another dtype"),
        pytest.param({0: _odd(x=("float64", [None]))}, id="not plain first"),
        pytest.param({9: _doc(vendor=(TEXT, ["a"]), y=("float64", [1.0]))}, id="other columns"),
    ],
)
def test_values_of_many_runs_are_the_concatenation_of_their_frames(odd, monkeypatch) -> None:
    monkeypatch.setattr(_Values, "CHUNK", 4)  # several chunks, and runs left over
    tables = _tables(np.random.default_rng(3), 23, odd)
    values = _Values()
    for table in tables:
        values.append(table)
    expected = pd.concat([table.frame() for table in tables], ignore_index=True)
    pd.testing.assert_frame_equal(values.frame(), expected, check_exact=True)


def test_no_values_are_an_empty_frame() -> None:
    assert _Values().frame().empty
