"""Validation machinery: the facts as checks on paired runs, Latin hypercube draws, intervals, the
plateau month of fact 7, caching of finished blocks, and a reduced validation of every fact.

The reduced validation is ``make validate`` cut down to run in CI: 6 paired replicates of each
fact's shipped scenario and one parameter draw with 4 replicates, fixed seeds. Every fact must hold
on the shipped scenarios; a failure means the model stopped showing a fact: find out why, do not
loosen the test.
"""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from scipy import stats

from analysis.validation import evaluate, fact_holds, holds, interval, write_report
from cli import main
from sim.validation import check_facts
from sim.validation.check_facts import (
    ValidationPlan,
    build_block,
    draw_parameters,
    next_stage,
    run_task,
    run_validation,
)
from sim.validation.facts import FACTS, RANGES, Check, plateau_month
from sim.validation.verdicts import combined, fact_status, look_level, status

REDUCED = ValidationPlan(
    replicates=6, draws=1, draw_replicates=4, draw_looks=2, pattern_replicates=0
)


def test_plateau_month_of_a_flat_series_is_early_and_of_linear_growth_late() -> None:
    """Flat revenue has plateaued as soon as the first 6-month window is full; linear growth
    reaches 90% of its final-year level only at month 41 of 48."""
    assert plateau_month(np.full(48, 100.0)) == 6
    assert plateau_month(np.arange(1, 49, dtype=float)) == 41


def test_plateau_month_of_growth_that_stops_is_when_it_stops() -> None:
    """Revenue growing 10% a month until month 15 and flat after plateaus around month 15-18."""
    revenue = 100 * 1.1 ** np.minimum(np.arange(1, 49), 15)
    assert 15 <= plateau_month(revenue) <= 18


def test_plateau_month_needs_a_long_enough_run_and_some_revenue() -> None:
    assert np.isnan(plateau_month(np.ones(12)))
    assert np.isnan(plateau_month(np.zeros(48)))


def test_draws_are_seeded_latin_hypercube_within_the_ranges() -> None:
    """Same seed, same draws; every value inside its range; each dimension has exactly one draw in
    each of the ``n`` equal strata (the Latin hypercube property)."""
    first, again = draw_parameters(10), draw_parameters(10)
    assert [d.values for d in first] == [d.values for d in again]
    for spec in RANGES:
        values = np.array([d.values[spec.path] for d in first])
        assert np.all((values >= spec.low) & (values <= spec.high))
        strata = np.floor((values - spec.low) / (spec.high - spec.low) * 10).astype(int)
        assert sorted(strata) == list(range(10))
    levers = np.array([d.lever for d in first])
    assert sorted(np.floor(levers * 10).astype(int)) == list(range(10))
    assert draw_parameters(10, seed=1)[0].values != first[0].values


def test_interval_is_the_student_t_interval_of_the_mean() -> None:
    values = np.array([1.0, 2.0, 4.0, 7.0, np.nan])
    mean, low, high = interval(values)
    x = values[:4]
    half = stats.t.ppf(0.975, 3) * x.std(ddof=1) / 2
    assert mean == pytest.approx(3.5)
    assert (low, high) == pytest.approx((3.5 - half, 3.5 + half))


def test_a_check_holds_only_when_its_interval_excludes_zero_on_the_expected_side() -> None:
    up = Check("x", "paired", "a", "trust", 1, "b")
    down = Check("x", "paired", "a", "trust", -1, "b")
    every = Check("x", "every", "a", "accounting_violations", -1, threshold=0.5)
    values = np.array([1.0])
    assert holds(up, values, 0.1, 0.5) and not holds(down, values, 0.1, 0.5)
    assert holds(down, values, -0.5, -0.1) and not holds(up, values, -0.5, 0.1)
    assert holds(every, np.array([-0.5, -0.5]), -0.5, -0.5)
    assert not holds(every, np.array([-0.5, 0.5]), 0.0, 0.0)


def test_a_check_is_contradicted_only_when_its_interval_excludes_zero_on_the_wrong_side() -> None:
    up = Check("x", "paired", "a", "trust", 1, "b")
    values = np.array([1.0])
    assert status(up, values, 0.1, 0.5) == "holds"
    assert status(up, values, -0.5, -0.1) == "contradicted"
    assert status(up, values, -0.5, 0.1) == "inconclusive"
    assert status(up, values, np.nan, np.nan) == "inconclusive"
    assert combined(["holds", "inconclusive", "holds"]) == "inconclusive"
    assert combined(["inconclusive", "contradicted"]) == "contradicted"
    assert combined(["holds", "holds"]) == "holds"


def test_more_looks_widen_every_look_s_interval_to_pocock_s_boundary() -> None:
    """One look is the 95% interval; four looks at Pocock's 2.361 give 98.2% per look, and the
    simulated chance that a null effect 'holds' at any of the four stays near 2.5% (one side)."""
    assert look_level(1) == pytest.approx(0.95, abs=1e-4)
    assert look_level(4) == pytest.approx(0.9818, abs=1e-4)
    assert [look_level(k) for k in range(1, 7)] == sorted(look_level(k) for k in range(1, 7))
    with pytest.raises(ValueError, match="looks must be"):
        look_level(7)
    rng = np.random.default_rng(0)
    null = rng.standard_normal((4000, 48))
    up = Check("x", "paired", "a", "trust", 1, "b")

    def false_hold(row: np.ndarray, looks: int) -> bool:
        for n in range(12, 12 * looks + 1, 12):
            _, low, high = interval(row[:n], look_level(looks))
            if status(up, row[:n], low, high) != "inconclusive":
                return status(up, row[:n], low, high) == "holds"
        return False

    sequential = np.mean([false_hold(row, 4) for row in null])
    naive = np.mean([any(interval(row[:n])[1] > 0 for n in range(12, 49, 12)) for row in null])
    assert sequential < 0.035 < naive


def test_a_draw_changes_every_drawn_parameter_and_the_fact_s_program_level() -> None:
    """Fact 1 in a draw: both margin cuts end at the drawn level; the behaviour and market
    parameters take the drawn values; partner count scales the scenario's own."""
    draw = draw_parameters(3)[2]
    fact = FACTS[0]
    block = build_block(fact, draw, replicates=2)
    low, high = fact.lever[1], fact.lever[2]
    level = low + draw.lever * (high - low)
    for config in block.configs.values():
        assert config.events[0].set["program.margin"] == pytest.approx(level)
        attention = config.behaviours["partner_attention"].params
        assert attention["temperature"] == pytest.approx(
            draw.values["behaviours.partner_attention.temperature"]
        )
        assert config.market.sales_cycle_months == pytest.approx(
            draw.values["market.sales_cycle_months"]
        )
        assert config.partners.count == round(600 * draw.values["partners.count"])
    shipped = build_block(fact, None, replicates=2)
    assert shipped.digest() != block.digest()
    assert shipped.configs["abrupt"].events[0].set["program.margin"] == pytest.approx(0.12)


def test_a_saved_block_is_tied_to_the_code_that_measured_it(tmp_path: Path) -> None:
    """Editing or adding a model source changes the fingerprint, so older blocks are not reused."""

    def fingerprint() -> str:
        check_facts.code_fingerprint.cache_clear()
        return check_facts.code_fingerprint(tmp_path)

    for package in (*check_facts.MEASURED_CODE, "cli"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "a.py").write_text("x = 1\n")
    seen = {fingerprint()}
    (tmp_path / "model" / "a.py").write_text("x = 2\n")
    seen.add(fingerprint())
    (tmp_path / "behaviours" / "b.py").write_text("")
    seen.add(fingerprint())
    assert len(seen) == 3
    (tmp_path / "cli" / "a.py").write_text("y = 1\n")
    assert fingerprint() in seen  # the command line does not decide the numbers
    check_facts.code_fingerprint.cache_clear()


@functools.cache
def reduced(out: Path) -> pd.DataFrame:
    return run_validation(REDUCED, out, workers=1)


@pytest.fixture(scope="module")
def reduced_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("validation")
    reduced(out)
    return out


NOISY_AT_SIX = {7}
"""Facts whose checks need more than 6 replicates for a 95% interval to clear 0: a launch from 60
partners stalls or grows by the luck of a few recruits (`make validate` runs 50)."""
UNDERPOWERED_AT_SIX = {
    (1, "final attention share"),  # +0.026 [+0.020, +0.032] over 50 pairs; one odd pair of 6
    (6, "gain in months 37-48 minus gain in months 13-18"),  # +0.071, 80% of pairs: t ~ 1.5 at 6
}
"""Checks whose effect is a few pair standard deviations over 50 pairs but not over 6: at six
pairs the interval clears 0 for some seeds and not others, so these must have the expected sign
in most pairs (their intervals are pinned by `make validate`, docs/validation.md)."""


def test_every_fact_holds_on_the_shipped_scenarios(reduced_dir: Path) -> None:
    """Facts 1-8 with 6 paired replicates (entropy 42, block 0): most pairs of every check have the
    sign the field expects, and its 95% interval excludes 0 on that side but for the launch fact
    and the checks too weak to clear 0 in six pairs."""
    evals = evaluate(reduced(reduced_dir))
    shipped = evals[evals["draw"] == -1]
    weak = shipped.apply(lambda r: (r["fact"], r["label"]) in UNDERPOWERED_AT_SIX, axis=1)
    noisy = shipped["fact"].isin(NOISY_AT_SIX) | weak
    failing = shipped[~shipped["holds"] & ~noisy]
    assert failing.empty, failing[["fact", "label", "mean", "low", "high"]].to_string()
    assert (shipped[noisy]["share_expected_sign"] > 0.5).all(), shipped[noisy].to_string()
    assert set(fact_holds(shipped)["fact"]) == {f.number for f in FACTS}


def test_a_rerun_reuses_every_saved_block(reduced_dir: Path) -> None:
    messages: list[str] = []
    again = run_validation(REDUCED, reduced_dir, workers=1, progress=messages.append)
    first_stage = [p for p in (reduced_dir / "blocks").glob("*.csv") if "-from" not in p.name]
    assert messages[0] == f"{len(first_stage)} blocks, {len(first_stage)} saved, 0 to run"
    assert not [m for m in messages if m.startswith("block ")], messages
    pd.testing.assert_frame_equal(again, reduced(reduced_dir))


def test_only_inconclusive_draws_get_more_pairs_and_they_continue_the_replicate_numbers(
    reduced_dir: Path,
) -> None:
    """After the first stage (4 pairs) a fact gets a second stage exactly when it is inconclusive
    at the 2-look level, and the second stage's pairs are the runs a single block of 8 would have
    made (same seeds), so a draw's numbers do not depend on its staging."""
    table = reduced(reduced_dir)
    level = look_level(REDUCED.draw_looks)
    extended = []
    for fact in [f for f in FACTS if not f.pooled]:
        own = table[(table["fact"] == fact.number) & (table["draw"] == 0)]
        first = own[own["replicate"] < REDUCED.draw_replicates]
        more = own["replicate"].nunique() > REDUCED.draw_replicates
        assert more == (fact_status(fact, first, level) == "inconclusive"), fact.number
        assert own["replicate"].nunique() in (4, 8)
        if more:
            extended.append(fact)
    assert extended, "no fact was inconclusive after 4 pairs: the test checks nothing"
    fact = extended[0]
    block = build_block(fact, draw_parameters(1)[0], replicates=8)
    variant = fact.variants[0]
    direct = pd.DataFrame(run_task(block.configs[variant], block.spawn_block, 5))
    own = table[
        (table["fact"] == fact.number)
        & (table["draw"] == 0)
        & (table["variant"] == variant)
        & (table["replicate"] == 5)
    ]
    for column in ("channel_after_24", "trust", "attention"):
        np.testing.assert_allclose(own[column].to_numpy(), direct[column].to_numpy())


def test_the_report_has_a_row_per_check_and_a_plot_per_fact(
    reduced_dir: Path, tmp_path: Path
) -> None:
    write_report(reduced_dir, tmp_path)
    text = (tmp_path / "validation.md").read_text()
    for fact in FACTS:
        assert f"| {fact.number} {fact.title} |" in text
        for check in fact.checks:
            assert check.label in text
        assert (tmp_path / "validation" / f"fact{fact.number}.png").stat().st_size > 5_000
    for spec in RANGES:
        assert f"`{spec.path}`" in text


def test_next_stage_pools_every_earlier_stage_and_stops_at_the_last_look(tmp_path: Path) -> None:
    """Synthetic stages of fact 5 (productive share below 1/2, top decile above 1/2), 3 pairs a
    stage, 3 looks: a settled first stage (holding or contradicted) gets no more pairs, nor one
    with a check no run could measure; an inconclusive one gets a second stage; a second stage that would hold alone but not pooled with
    the first gets a third; the third look is the last."""
    plan = ValidationPlan(
        replicates=2, draws=1, draw_replicates=3, draw_looks=3, pattern_replicates=0
    )
    fact = next(f for f in FACTS if f.number == 5)
    block = build_block(fact, draw_parameters(1)[0], plan.draw_replicates)
    blocks = tmp_path / "blocks"
    blocks.mkdir()

    def write(first: int, productive: list[float]) -> check_facts.Block:
        stage = dataclasses.replace(block, first=first)
        rows = [
            {"variant": "base", "replicate": first + i, "vendor": "acme",
             "productive_share": x, "top_decile_share": 0.9}
            for i, x in enumerate(productive)
        ]  # fmt: skip
        pd.DataFrame(rows).to_csv(blocks / stage.filename(), index=False)
        return stage

    for settled in ([0.2, 0.2, 0.2], [0.8, 0.8, 0.8]):  # holds; contradicted
        assert next_stage(plan, [write(0, settled)], blocks) == []
    assert next_stage(plan, [write(0, [np.nan] * 3)], blocks) == []  # undefined: no more pairs
    first = write(0, [0.2, 0.7, 0.45])
    assert [b.first for b in next_stage(plan, [first], blocks)] == [3]
    second = write(3, [0.40, 0.41, 0.42])  # holds alone, not with the first stage
    assert [b.first for b in next_stage(plan, [second], blocks)] == [6]
    third = write(6, [0.5, 0.5, 0.5])
    assert next_stage(plan, [third], blocks) == []


def test_a_plan_with_no_pocock_boundary_or_a_single_pair_is_refused_at_once() -> None:
    with pytest.raises(ValueError, match="looks must be"):
        ValidationPlan(draw_looks=7)
    with pytest.raises(ValueError, match="at least 2"):
        ValidationPlan(draw_replicates=1)


def test_sim_check_facts_runs_a_tiny_validation_and_writes_the_report(tmp_path: Path) -> None:
    """``sim check-facts`` with 2 replicates and one draw: one line per fact, the report written
    where ``--docs`` says, and a second call reuses every block."""
    args = [
        "check-facts", "--replicates", "2", "--draws", "1", "--draw-replicates", "2",
        "--draw-looks", "2",
        "--workers", "1", "--out", str(tmp_path / "out"), "--docs", str(tmp_path / "docs"),
    ]  # fmt: skip
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    for fact in FACTS:
        assert f"fact {fact.number}: holds in " in first.output
    assert (tmp_path / "docs" / "validation.md").stat().st_size > 1000
    second = CliRunner().invoke(main, args)
    assert second.exit_code == 0 and "0 to run" in second.output
    assert "\nblock " not in second.output, second.output  # no block ran again, at any look
