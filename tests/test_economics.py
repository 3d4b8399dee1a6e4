"""The mechanisms of the decision-grade model, each pinned by its direction or its exact arithmetic.

Customer demand with vendor identity (customers choose vendors by preference and coverage), real
costs (a direct team that costs money, programme costs), partner economics (carrying costs, lines
that lapse at renewal, recruits that replace them), a spin-up so month 0 is a steady state, and the
new metrics. docs/model.md has the equations; each test names the section it pins.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest

from sim.model import market, partnerships
from sim.model.channel_model import ChannelModel, simulate
from sim.model.state import DropLog
from sim.scenario.schema import ScenarioConfig
from sim.validation.stall import stall_statistic

SMALL: dict[str, Any] = {
    "name": "economics",
    "time": {"horizon_months": 12, "step": "month", "spin_up_months": 24},
    "market": {"opportunities_per_month": 120.0},
    "vendors": [
        {"name": "acme", "direct_reps": 8},
        {"name": "rival", "direct_reps": 8},
    ],
    "partners": {"count": 120, "vendors_per_partner": 2},
}


def config(**changes: Any) -> ScenarioConfig:
    doc = copy.deepcopy(SMALL)
    for path, value in changes.items():
        *parents, last = path.split("__")
        node: Any = doc
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node.setdefault(key, {})
        node[last] = value
    return ScenarioConfig.model_validate(doc)


# ---------------------------------------------------------------------------- customer demand
def test_customers_prefer_the_stronger_product_at_equal_coverage() -> None:
    """Section 7.4: attraction = exp(strength_pull (s - 0.5)) x coverage ** elasticity."""
    model = ChannelModel(config(vendors__0__product_strength=0.8), 0)
    coverage = np.array([100.0, 100.0])
    pull = market.attraction(model, coverage)
    assert pull[0] / pull[1] == pytest.approx(np.exp(2.0 * (0.8 - 0.6)))


@pytest.mark.parametrize("elasticity", [0.0, 0.35, 1.0])
def test_coverage_moves_demand_by_its_elasticity(elasticity: float) -> None:
    """Doubling a vendor's coverage multiplies its attraction by 2 ** elasticity: 0 = customers'
    preference alone decides, 1 = coverage alone (the first version's market)."""
    model = ChannelModel(config(market__coverage_elasticity=elasticity), 0)
    pull = market.attraction(model, np.array([100.0, 200.0]))
    assert pull[1] / pull[0] == pytest.approx(2.0**elasticity)


def test_a_vendor_cannot_start_more_deals_than_its_sellers_reach() -> None:
    """Demand a vendor's coverage (deals per month its sellers can start) cannot take goes
    elsewhere: its expected opportunities are at most coverage x step length."""
    model = ChannelModel(config(market__opportunities_per_month=1e6), 0)
    coverage = np.array([3.0, 5.0])
    assert np.all(market.vendor_demand(model, coverage) <= coverage * model.dt + 1e-9)


# ---------------------------------------------------------------------------- costs
def test_net_revenue_is_revenue_minus_programme_and_sales_cost() -> None:
    """Section 7.7: vendor net revenue = total revenue - programme cost - sales cost, every step;
    sales cost carries every rep's monthly cost even in a month it closes nothing."""
    ts = simulate(config(), 3).timeseries
    net = ts["total_revenue"] - ts["program_cost"] - ts["sales_cost"]
    np.testing.assert_allclose(ts["vendor_net_revenue"], net, rtol=1e-12, atol=1e-6)
    np.testing.assert_allclose(
        ts["total_revenue"], ts["channel_revenue"] + ts["direct_revenue"], rtol=1e-12
    )
    assert (ts["sales_cost"] >= 8 * 15_000.0 - 1e-6).all()


def test_more_reps_cost_more_and_commission_is_paid_on_credit() -> None:
    """Twice the reps cost at least twice the fixed part; commission 0 removes the variable part."""
    few, many = simulate(config(), 1), simulate(config(vendors__0__direct_reps=16), 1)
    acme = lambda out: out.timeseries.query("vendor == 'acme'")  # noqa: E731
    assert acme(many)["sales_cost"].sum() > acme(few)["sales_cost"].sum() + 8 * 15_000.0 * 11
    free = simulate(config(vendors__0__comp_plan={"commission_rate": 0.0}), 1)
    np.testing.assert_allclose(acme(free)["sales_cost"], 8 * 15_000.0, rtol=1e-12)


# ---------------------------------------------------------------------------- partner lines
def test_lines_lapse_at_renewal_only_when_unprofitable_and_distrusted() -> None:
    """Section 7.9: at renewal the drop probability is uncovered cost x commitment; a line whose
    trailing profit covers its carrying cost is never dropped, a loss-making distrustful one
    always (probability capped at 1)."""
    model = ChannelModel(config(time__spin_up_months=0), 0)
    ps = model.partners
    ps.joined[:] = model.month - model.config.partners.renewal_months + model.dt / 2
    cost = partnerships.carrying_costs(model)
    ps.profit_rate[:] = cost * 2.0  # every line covers its cost twice over
    assert not partnerships.lapsed_renewals(model).any()
    ps.profit_rate[:] = 0.0
    ps.trust[:] = 0.05  # (0.95 / 0.5) ** 5 = 25: commitment gone
    assert partnerships.lapsed_renewals(model)[ps.active].all()


def test_lines_not_due_for_renewal_never_lapse() -> None:
    model = ChannelModel(config(time__spin_up_months=0), 0)
    ps = model.partners
    ps.joined[:] = model.month - 3.0  # three months into a twelve-month agreement
    ps.profit_rate[:], ps.trust[:] = 0.0, 0.0
    assert not partnerships.lapsed_renewals(model).any()


def test_exits_are_replaced_and_recruits_sign_with_the_recruiting_vendor() -> None:
    """With replace_exits, lines that lapse are replaced toward the starting base; a vendor's
    recruits beyond replacement are new firms that carry only its line."""
    out = simulate(config(time__horizon_months=24), 2)
    ts = out.timeseries
    assert ts["partner_exits"].sum() > 0 and ts["partner_recruits"].sum() > 0
    start = 120  # 120 partners x 2 slots / 2 vendors
    assert ts.groupby("vendor")["linked_partners"].mean().between(0.85 * start, start).all()
    model = ChannelModel(config(time__spin_up_months=0), 2)
    before = model.partners.count
    model.use_stream(8)
    partnerships.add_firms(model, np.array([0, 0, 1]))
    new = model.partners
    assert new.count == before + 3
    assert list(new.vendor[before:, 0]) == [0, 0, 1]
    assert not new.active[before:, 1:].any() and np.isnan(new.joined[before:, 1:]).all()


def test_a_signed_line_gets_a_fresh_start_in_a_free_slot() -> None:
    """A firm signing a vendor in a freed slot starts a new line: recruit skill, no revenue, signed
    now; a slot with open deals of the line that left is not free."""
    model = ChannelModel(config(time__spin_up_months=0, time__horizon_months=1), 4)
    model.step()
    ps = model.partners
    ps.active[:, 1] = False
    free = partnerships.free_slots(model)
    busy = np.flatnonzero(~free[:, 1])
    assert len(busy) > 0, "some freed slot still has an open deal"
    row = int(np.flatnonzero(free[:, 1])[0])
    ps.revenue[row, 1] = 5.0
    old_vendor = int(ps.vendor[row, 1])
    partnerships.sign_lines(model, np.array([row]), np.array([1]), np.array([old_vendor]))
    assert ps.active[row, 1] and ps.vendor[row, 1] == old_vendor
    assert ps.revenue[row, 1] == 0.0 and ps.joined[row, 1] == model.month
    assert model.retired_revenue[old_vendor] == [5.0]  # the old line's revenue is kept


def _drop_vendor_zero(cooloff: float, rows: int = 10):
    """A model where ``rows`` firms have just ended their free line with vendor 0, and vendor 0's
    channel team wants far more lines than it has (so it courts every firm it may)."""
    model = ChannelModel(config(time__spin_up_months=0, partners__resign_cooloff_months=cooloff), 3)
    ps = model.partners
    exits = np.zeros_like(ps.active)
    exits[np.flatnonzero(ps.vendor[:, 0] == 0)[:rows], 0] = True
    partnerships.end_lines(model, exits)
    left = np.flatnonzero(exits[:, 0] & partnerships.free_slots(model)[:, 0])
    drops = model.drops
    logged = set(zip(drops.firm.tolist(), drops.vendor.tolist(), drops.month.tolist(), strict=True))
    assert len(left) > 0 and all((int(f), 0, model.month) in logged for f in left)
    model.line_target[0] += 900  # about 300 replacements this step
    return model, left


def test_a_firm_that_dropped_a_vendor_is_not_courted_again_until_its_cool_off_ends() -> None:
    """Section 7.9.4: within ``resign_cooloff_months`` of ending a line a firm cannot be signed
    again by that vendor; the replacements go to new firms instead; after it, the firm can be."""
    model, left = _drop_vendor_zero(12.0)
    ps = model.partners
    before = ps.count
    partnerships.recruit(model)
    again = (ps.active[left] & (ps.vendor[left] == 0)).any(axis=1)
    assert not again.any()
    assert ps.count > before + 200  # no firm qualified: the replacements are new firms
    assert (model.partners.vendor[before:, 0] == 0).all()
    ps = model.partners
    model.drops.month -= 12.0  # a year has passed since the lines ended
    partnerships.recruit(model)
    again = (ps.active[left] & (ps.vendor[left] == 0)).any(axis=1)
    assert again.all()


def test_the_log_of_ended_lines_forgets_what_no_cool_off_can_reach() -> None:
    log = DropLog()
    log.add(np.array([3, 4]), np.array([0, 1]), 1.0, forget_before=-10.0)
    log.add(np.array([5]), np.array([2]), 2.0, forget_before=1.0)  # month 1 is forgotten
    assert log.firm.tolist() == [5] and log.vendor.tolist() == [2] and log.month.tolist() == [2.0]
    # in a run without a cool-off the log never holds more than a month of ends
    model = ChannelModel(config(time__spin_up_months=12, partners__resign_cooloff_months=0.0), 2)
    model.run()
    assert len(model.drops.month) > 0
    assert model.drops.month.max() - model.drops.month.min() < 1.0


def test_without_a_cool_off_the_firm_that_left_is_courted_at_once_and_nothing_new_joins() -> None:
    model, left = _drop_vendor_zero(0.0)
    before = model.partners.count
    partnerships.recruit(model)
    ps = model.partners
    assert (ps.active[left] & (ps.vendor[left] == 0)).any(axis=1).all()
    assert ps.count == before  # replacements wait for a free slot; none is a new firm


# ---------------------------------------------------------------------------- steady start
def test_the_spin_up_makes_month_zero_a_steady_state() -> None:
    """Section 5.6: after the spin-up, mean trust and attention hardly move in a year with no
    events; started from the drawn population they drift (trust rises with wins)."""
    steady = ChannelModel(config(time__spin_up_months=120), 5)
    cold = ChannelModel(config(time__spin_up_months=0), 5)
    drift = {}
    for name, model in (("steady", steady), ("cold", cold)):
        start = model.partners.trust[model.partners.active].mean()
        for _ in range(12):
            model.step()
        drift[name] = model.partners.trust[model.partners.active].mean() - start
    assert abs(drift["steady"]) < 0.01 < abs(drift["cold"]), drift


# ---------------------------------------------------------------------------- quota and stall
def test_quota_rebase_moves_quota_toward_attainment_once_a_year() -> None:
    """comp_plan.quota_rebase: at each year end quota moves that share of the way to the team's
    attainment; 0 keeps it fixed."""
    fixed = ChannelModel(config(time__horizon_months=13), 6)
    moving = ChannelModel(
        config(time__horizon_months=13, vendors__0__comp_plan={"quota_rebase": 0.5}), 6
    )
    for model in (fixed, moving):
        for _ in range(13):
            model.step()
    assert fixed.quota[0] == 120_000.0
    assert moving.quota[0] != 120_000.0 and moving.quota[1] == 120_000.0


def test_stall_statistic_separates_stalled_from_flat_and_growing() -> None:
    """Known answers: rose then flat is stalled; flat from the start is flat; steady growth is
    growing; a run too short has no statistic."""
    months = np.arange(1, 49)
    rise_then_flat = np.minimum(months, 18.0)
    assert stall_statistic(rise_then_flat).kind == "stalled"
    assert stall_statistic(np.full(48, 5.0)).kind == "flat"
    assert stall_statistic(1.0 + months).kind == "growing"
    assert stall_statistic(np.ones(30)) is None
    ratio = stall_statistic(1.0 + months).late_growth_ratio
    assert ratio == pytest.approx(1.0)  # a straight line keeps its pace exactly


def test_stall_conditions_in_linear_form_are_finite_and_test_the_mean_series() -> None:
    """A launch with no revenue in months 1-6 has an infinite rise but a finite excess over 1.5x
    its start; the excesses are linear, so their mean over runs is the excess of the mean series
    (what the validation tests), while the mean of per-run ratios is not the mean series' ratio."""
    months = np.arange(1, 49, dtype=float)
    late_start = np.where(months <= 6, 0.0, np.minimum(months, 18.0))
    stall = stall_statistic(late_start)
    assert stall.rise == np.inf and np.isfinite(stall.rise_excess) and stall.rise_excess > 0
    line = stall_statistic(1.0 + months)
    assert line.pace_excess == pytest.approx(2 / 3)  # slope 1: late pace 1 less 1/3 of 1
    runs = [np.minimum(months, 18.0), 1.0 + 3 * months, np.full(48, 5.0)]
    mean_series = stall_statistic(np.mean(runs, axis=0))
    each = [stall_statistic(r) for r in runs]
    assert np.mean([s.rise_excess for s in each]) == pytest.approx(mean_series.rise_excess)
    assert np.mean([s.pace_excess for s in each]) == pytest.approx(mean_series.pace_excess)
    assert np.nanmean([s.late_growth_ratio for s in each]) != pytest.approx(
        mean_series.late_growth_ratio
    )
