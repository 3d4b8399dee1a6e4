"""The quantitative patterns (docs/model.md sections 1 and 8.2): how each number is computed from a
study's runs, and the patterns a few short runs can pin.

`make validate` measures every pattern with 20 paired replicates and writes docs/validation.md;
here a few replicates of the shipped baseline and archetypes pin the patterns whose means are
stable across replicates, so a model change that moves them out of range fails in CI.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd
import pytest

from sim.validation.check_facts import build_study, run_task
from sim.validation.patterns import (
    PATTERNS,
    STUDY_BY_NAME,
    Pattern,
    best_margin,
    cut_cost,
    ecosystem_revenue_change,
    evaluate_patterns,
    exits_after_cut,
)


def table(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows)


def test_ecosystem_revenue_change_pools_vendors_per_replicate() -> None:
    """P1 is the ratio of all vendors' channel revenue, last 12 months over first 12, per
    replicate, then averaged: +10% and -10% replicates average to 0."""
    rows = [
        {"variant": "base", "replicate": 0, "vendor": "a", "channel_last_12": 60,
         "channel_first_12": 50},
        {"variant": "base", "replicate": 0, "vendor": "b", "channel_last_12": 50,
         "channel_first_12": 50},
        {"variant": "base", "replicate": 1, "vendor": "a", "channel_last_12": 40,
         "channel_first_12": 50},
        {"variant": "base", "replicate": 1, "vendor": "b", "channel_last_12": 50,
         "channel_first_12": 50},
    ]  # fmt: skip
    assert ecosystem_revenue_change(table(rows)) == pytest.approx(0.0)


def test_cut_cost_is_the_paired_share_of_acme_revenue_lost() -> None:
    rows = [
        {"variant": v, "replicate": r, "vendor": "acme", "channel_13_36": x}
        for v, r, x in (("base", 0, 100.0), ("abrupt", 0, 80.0), ("base", 1, 50.0),
                        ("abrupt", 1, 45.0))
    ]  # fmt: skip
    assert cut_cost(table(rows)) == pytest.approx((0.2 + 0.1) / 2)


def test_exits_after_cut_compares_the_years_around_the_cut() -> None:
    rows = [
        {"variant": "abrupt", "replicate": r, "vendor": "acme", "exits_1_12": 10,
         "exits_13_24": 10 + extra}
        for r, extra in ((0, 30), (1, 10))
    ]  # fmt: skip
    assert exits_after_cut(table(rows)) == pytest.approx(20.0)


def test_best_margin_is_the_arm_with_the_highest_mean_net_revenue() -> None:
    rows = [
        {"variant": f"margin-{m:.2f}", "replicate": r, "vendor": "acme", "net_revenue": net}
        for m, nets in ((0.10, (5, 7)), (0.25, (9, 8)), (0.40, (6, 6)))
        for r, net in enumerate(nets)
    ]
    assert best_margin(table(rows)) == pytest.approx(0.25)


def test_a_pattern_holds_only_inside_its_range_and_never_on_nan() -> None:
    pattern = Pattern("P0", "test", "baseline", lambda t: 0.0, 0.05, 0.30)
    assert pattern.holds(0.05) and pattern.holds(0.30) and not pattern.holds(0.31)
    assert not pattern.holds(math.nan)
    assert pattern.range_text == "5% to 30%"
    assert Pattern("P0", "t", "s", lambda t: 0.0, 0.0, unit="lines").range_text == "above 0"


def test_patterns_of_a_study_that_did_not_run_are_not_run() -> None:
    evaluated = evaluate_patterns({})
    assert len(evaluated) == len(PATTERNS)
    assert not evaluated["holds"].any() and evaluated["value"].isna().all()


def test_every_pattern_names_a_study_that_exists() -> None:
    assert {p.study for p in PATTERNS} <= set(STUDY_BY_NAME)
    assert {p.code for p in PATTERNS} == {f"P{i}" for i in range(1, 15)}


@functools.cache
def study_table(name: str, replicates: int) -> pd.DataFrame:
    """A study's per-run measures from a few replicates, as `sim check-facts` computes them."""
    block = build_study(STUDY_BY_NAME[name], replicates)
    rows = [
        {"study": name, "variant": variant, "replicate": r, **measures}
        for variant, config in block.configs.items()
        for r in range(replicates)
        for measures in run_task(config, block.spawn_block, r)
    ]
    return pd.DataFrame(rows)


STABLE = ("P2", "P4", "P5", "P6", "P9", "P10", "P11", "P13")
"""Patterns whose means over 2-3 replicates sit well inside their ranges (revenue ratios, stall
shares and recruit statistics need the 20 replicates of `make validate`)."""


@pytest.mark.parametrize(
    ("study", "replicates"),
    [("baseline", 3), ("archetype-isv", 2), ("archetype-channel-first", 2)],
)
def test_short_runs_of_the_shipped_ecosystems_meet_the_stable_patterns(
    study: str, replicates: int
) -> None:
    """Measured with 20 replicates (docs/validation.md), every stable pattern of these studies is
    inside its range; a few replicates must be too."""
    evaluated = evaluate_patterns({study: study_table(study, replicates)})
    mine = evaluated[(evaluated["study"] == study) & evaluated["code"].isin(STABLE)]
    assert len(mine) >= 7
    failing = mine[~mine["holds"]]
    assert failing.empty, failing[["code", "title", "value", "range"]].to_string()


def test_the_baseline_is_steady_in_a_short_run() -> None:
    """With nothing changed, channel revenue and trust stay where month 0 left them: the mean over
    3 replicates of the year-4 over year-1 revenue ratio is within 10% (the pattern's 5% needs 20
    replicates) and trust moves by less than 0.01 a year."""
    baseline = study_table("baseline", 3)
    assert abs(ecosystem_revenue_change(baseline)) < 0.10
    assert np.nanmax(np.abs(baseline["trust_drift_per_year"])) < 0.01
