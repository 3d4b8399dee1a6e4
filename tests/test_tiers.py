"""Partner tiers (docs/model.md §7.15): lines placed by trailing revenue and skill at each review,
benefits that follow the tier, a demotion felt as a programme cut, a tier's event felt by its lines.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest

from sim.model import tiers
from sim.model.channel_model import ChannelModel, simulate
from sim.model.events import Schedule
from sim.model.metrics import METRICS
from sim.scenario.schema import ScenarioConfig
from tests.test_economics import SMALL  # two vendors, 120 partners, 12 months after a spin-up

GOLD = {"name": "gold", "min_revenue": 40_000.0}
TOP = {"name": "top", "min_revenue": 120_000.0, "min_capability": 0.5}


def config(tier_list: list[dict[str, Any]], events: list[dict[str, Any]] = (), **program: Any):
    """SMALL with acme's tiers (and programme keys) and events."""
    doc = copy.deepcopy(SMALL)
    doc["vendors"][0]["program"] = {"tiers": tier_list, **program}
    doc["events"] = list(events)
    return ScenarioConfig.model_validate(doc)


def reviewed(model: ChannelModel, month: float) -> None:
    """Run acme's review as if the step from ``month`` closed a review period."""
    model.clock = int(month)
    model.ledger = model._new_ledger()
    tiers.reset_surprise(model)
    tiers.review(model)


def test_tiers_without_benefits_change_no_number() -> None:
    """Tiers that give nothing only label lines: every other metric is that of the model without
    them, step by step (no draw is added, no term moves)."""
    plain = simulate(config([]), 7).timeseries
    labelled = simulate(config([GOLD, TOP]), 7).timeseries
    others = [m for m in METRICS if not m.startswith("tier_")]
    assert plain[others].equals(labelled[others])
    assert labelled.loc[labelled.vendor == "acme", "tier_1_lines"].max() > 0


def test_a_review_places_each_line_in_the_highest_tier_it_reaches() -> None:
    """Trailing revenue per year (12 x the smoothed monthly rate) and capability decide; a line
    that reaches no tier is untiered (-1); other vendors' lines are not reviewed."""
    model = ChannelModel(config([GOLD, TOP]), 0)
    ps = model.partners
    acme = (ps.vendor == 0) & ps.active
    rows, slots = np.nonzero(acme)
    per_year = np.resize([0.0, 50_000.0, 200_000.0, 200_000.0], len(rows))
    skill = np.resize([0.9, 0.9, 0.9, 0.2], len(rows))
    ps.revenue_rate[rows, slots] = per_year / 12.0
    ps.capability[rows, slots] = skill
    reviewed(model, 11)  # the step from month 11 to 12 closes a yearly review
    expected = np.select([(per_year >= 120_000) & (skill >= 0.5), per_year >= 40_000], [1, 0], -1)
    assert (ps.tier[rows, slots] == expected).all()
    assert (ps.tier[(ps.vendor == 1)] == -1).all()


def test_no_review_between_review_dates() -> None:
    model = ChannelModel(config([GOLD]), 0)
    ps = model.partners
    ps.revenue_rate[:] = 1e6
    before = ps.tier.copy()
    reviewed(model, 5)  # months 5 to 6: no yearly review closes
    assert (ps.tier == before).all()


def test_a_demotion_is_a_programme_cut_for_the_demoted_line_only() -> None:
    """A line that falls from a tier with a 4-point uplift to none loses those terms at once: a
    loss surprise as large as the trust rule gives a 4-point cut of its terms with no notice;
    lines that keep their tier feel nothing."""
    model = ChannelModel(config([{**GOLD, "margin_uplift": 0.04}]), 0)
    ps = model.partners
    acme = np.argwhere((ps.vendor == 0) & ps.active)
    (r0, s0), (r1, s1) = acme[0], acme[1]
    ps.tier[:] = -1
    ps.tier[r0, s0] = ps.tier[r1, s1] = 0
    ps.revenue_rate[:] = 0.0
    ps.revenue_rate[r1, s1] = 100_000.0  # keeps gold
    had = model.line_terms(model.terms)[r0, s0]
    reviewed(model, 11)
    loss = tiers.line_surprise(model, "loss")
    expected = model.trust_rule.surprise(
        np.array([0.04 / max(had, 0.2)]), np.zeros(1), np.zeros(1), np.array([0.5])
    )[0]
    assert loss[r0, s0] == pytest.approx(expected) and expected > 0
    assert loss[r1, s1] == 0.0 and ps.tier[r1, s1] == 0
    assert model.ledger.flow("tier_demotions")[0] >= 1


def test_an_event_on_a_tier_reaches_the_lines_in_that_tier_only() -> None:
    """Cutting gold's uplift at month 6 is a loss surprise for gold's lines and for no other."""
    cut = {"at_month": 6, "vendor": "acme", "set": {"program.tiers.gold.margin_uplift": 0.0}}
    model = ChannelModel(config([{**GOLD, "margin_uplift": 0.05}], [cut]), 0)
    ps = model.partners
    ps.tier[:] = -1
    gold = np.argwhere((ps.vendor == 0) & ps.active)[:5]
    ps.tier[gold[:, 0], gold[:, 1]] = 0
    model.clock = 6
    model.apply_program_events()
    loss = tiers.line_surprise(model, "loss")
    assert (loss[gold[:, 0], gold[:, 1]] > 0).all()
    assert np.count_nonzero(loss) == len(gold)
    assert model.terms["program.tiers.0.margin_uplift"][0] == 0.0


def test_a_tier_event_names_its_tier_by_name_or_position() -> None:
    by_name = {"at_month": 6, "vendor": "acme", "set": {"program.tiers.top.margin_uplift": 0.03}}
    by_position = {"at_month": 6, "vendor": "acme", "set": {"program.tiers.1.margin_uplift": 0.03}}
    for event in (by_name, by_position):
        change = Schedule(config([GOLD, TOP], [event])).changes[0]
        assert change.path == "program.tiers.1.margin_uplift" and change.favourable == +1


def test_the_uplift_is_paid_on_the_tier_lines_deals_and_counted_as_a_benefit() -> None:
    """tier_benefits is the uplift times the channel revenue of the tier's lines, plus MDF accrued."""
    model = ChannelModel(config([{**GOLD, "margin_uplift": 0.05, "min_revenue": 0.0}]), 3)
    model.step()
    row = model.recorder.values
    assert row["tier_benefits"][0, 0] == pytest.approx(0.05 * row["tier_1_revenue"][0, 0])
    assert row["tier_1_revenue"][0, 0] > 0
    assert np.isnan(row["tier_2_lines"][0, 0])  # acme has one tier
    assert row["tier_2_revenue"][0, 0] == 0.0  # a flow always has a value (result folders check it)
    assert np.isnan(row["tier_1_lines"][0, 1])  # rival has none


def test_co_sell_priority_weights_the_tier_lines_when_reps_pick_partners() -> None:
    model = ChannelModel(config([{**GOLD, "co_sell_priority": 4.0}]), 0)
    ps = model.partners
    ps.tier[:] = -1
    ps.tier[0, :] = 0
    weights = np.ones(ps.vendor.size)
    picked = tiers.pick_weights(model, weights).reshape(ps.vendor.shape)
    assert (picked[0][ps.vendor[0] == 0] == 4.0).all()
    assert (picked[1:] == 1.0).all()


# ---------------------------------------------------------------------------- direction
def arm(tier_list: list[dict[str, Any]], seeds: range, **program: Any) -> dict[str, np.ndarray]:
    out: dict[str, list[float]] = {"channel": [], "top_attention": []}
    for seed in seeds:
        model = ChannelModel(config(tier_list, **program), seed)
        output = model.run()
        acme = output.timeseries[output.timeseries.vendor == "acme"]
        out["channel"].append(acme["channel_revenue"].sum())
        ps = model.partners
        top = (ps.vendor == 0) & ps.active & (ps.tier >= 0)
        out["top_attention"].append(ps.shares[:, :-1][top].mean())
    return {k: np.array(v) for k, v in out.items()}


def test_a_richer_tier_draws_its_partners_attention_and_sells_more() -> None:
    """With a 6-point uplift for lines above 40,000 a year, those partners give acme more of their
    attention and acme's channel revenue rises, in most paired replicates."""
    seeds = range(6)
    plain = arm([GOLD], seeds)
    rich = arm([{**GOLD, "margin_uplift": 0.06, "co_sell_priority": 3.0}], seeds)
    assert (rich["top_attention"] > plain["top_attention"]).sum() >= 5
    assert rich["channel"].sum() > plain["channel"].sum()


def test_tier_schema_errors_name_the_key() -> None:
    with pytest.raises(ValueError, match=r"tiers\[1\]\.min_revenue: tiers go lowest first"):
        config([TOP, GOLD])
    with pytest.raises(ValueError, match=r"duplicate tier name 'gold'"):
        config([GOLD, {**TOP, "name": "gold"}])
    bad = {"at_month": 6, "vendor": "acme", "set": {"program.tiers.silver.margin_uplift": 0.1}}
    with pytest.raises(ValueError, match=r"acme has no tier 'silver'; its tiers are gold"):
        config([GOLD], [bad])
    bad_key = {"at_month": 6, "vendor": "acme", "set": {"program.tiers.gold.margin": 0.1}}
    with pytest.raises(ValueError, match=r"unknown tier key 'margin'; did you mean"):
        config([GOLD], [bad_key])
