"""Closing a folder fast gives the files the slow way gave: ``summarise`` in a few numpy calls per
metric against its former loop over every variant, vendor and metric, bit for bit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.experiments.folder_layout import SUMMARY_COLUMNS, SUMMARY_METRICS
from sim.experiments.summary import _kind, summarise


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
