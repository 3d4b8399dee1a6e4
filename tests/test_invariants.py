"""Model invariants (fact 8 of docs/model.md §1), checked after every step and every phase.

Accounting holds exactly, attention is a probability distribution over each partner's portfolio and
outside option, trust and capability stay in [0, 1], nothing that counts money, deals or partners goes
negative, reps' slot bookkeeping matches the open deals they work, and an exited link never comes
back. The checks run on hand-picked configurations (monthly and weekly steps, program events,
recruitment, churn-inducing low trust, single-vendor portfolios, vendors without reps) and, through
Hypothesis, on random valid scenarios.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.model.agents import Partner
from sim.model.channel_model import ChannelModel
from sim.model.events import DIRECTION
from sim.scenario.schema import ScenarioConfig

PHASES = (
    "apply_program_events",
    "allocate_attention",
    "source_opportunities",
    "decide_reps",
    "progress_deals",
    "book_accounts",
    "learn",
    "churn_and_recruit",
    "collect",
)
"""The nine phases of ``ChannelModel.step`` (docs/model.md §3)."""

FLOW_METRICS = (
    "channel_revenue",
    "partner_sourced_revenue",
    "co_sell_revenue",
    "direct_revenue",
    "conflicts",
)
NON_NEGATIVE_STOCKS = ("active_partners", "pipeline_value", "attention_share")


# ---------------------------------------------------------------------------- scenarios
def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Deep merge of two scenario dicts (lists replaced), as ``extends`` does."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


BASE: dict[str, Any] = {
    "name": "invariants",
    "time": {"horizon_months": 15, "step": "month"},
    "market": {"opportunities_per_month": 200.0},
    "vendors": [
        {"name": "acme", "direct_reps": 12},
        {"name": "rival", "direct_reps": 12},
        {"name": "nova", "direct_reps": 6, "product_strength": 0.55},
    ],
    "partners": {"count": 120, "vendors_per_partner": 2},
}

CASES: dict[str, dict[str, Any]] = {
    "monthly": {},
    "weekly-with-events": {
        "time": {"horizon_months": 9, "step": "week"},
        "events": [
            {"at_month": 3.0, "vendor": "acme", "set": {"program.margin": 0.12}},
            {
                "at_month": 2.0,
                "vendor": "rival",
                "set": {"program.margin": 0.28, "comp_plan.direct_credit": 1.5},
                "ramp_months": 4.0,
                "notice_months": 2.0,
            },
            {"at_month": 4.0, "vendor": "nova", "set": {"program.deal_registration": False}},
            {"at_month": 0.0, "vendor": "nova", "set": {"engagement.partner_join_stage": 0.7}},
        ],
    },
    "recruiting": {
        "vendors": [
            {"name": "acme", "direct_reps": 12, "program": {"recruit_per_month": 4.0}},
            {"name": "rival", "direct_reps": 12},
            {"name": "nova", "direct_reps": 6, "program": {"recruit_per_month": 2.0}},
        ],
    },
    "low-trust-churn": {
        "vendors": [
            {
                "name": "acme",
                "direct_reps": 12,
                "program": {"deal_registration": False, "communication": 0.0},
                "comp_plan": {"partner_sourced_credit": 0.0, "direct_credit": 2.0},
                "engagement": {"partner_join_stage": 0.9},
            },
            {"name": "rival", "direct_reps": 12},
            {"name": "nova", "direct_reps": 6},
        ],
        "partners": {"initial_trust": 0.15, "exit_trust": 0.2, "exit_months": 2.0},
        "events": [{"at_month": 2.0, "vendor": "acme", "set": {"program.margin": 0.05}}],
    },
    "one-vendor-portfolios-no-reps": {
        "vendors": [
            {"name": "acme", "direct_reps": 0},
            {"name": "rival", "direct_reps": 3, "rep_capacity": 2.5},
        ],
        "partners": {
            "count": 60,
            "vendors_per_partner": 1,
            "capacity": {"distribution": "constant"},
        },
        "time": {"horizon_months": 8, "step": "week"},
    },
}


def scenario(case: str) -> ScenarioConfig:
    return ScenarioConfig.model_validate(merge(BASE, CASES[case]))


# ---------------------------------------------------------------------------- checks
def check_population(model: ChannelModel, where: str) -> None:
    """Invariants that hold between any two phases: shares, trust and capability."""
    ps, k = model.partners, model.slots
    shares = ps.shares
    assert shares.shape == (ps.count, k + 1), where
    assert np.all(np.isfinite(shares)), f"{where}: non-finite attention share"
    assert shares.min() >= 0.0, f"{where}: negative attention share {shares.min()}"
    assert shares.max() <= 1.0 + 1e-12, f"{where}: attention share above 1: {shares.max()}"
    np.testing.assert_allclose(shares.sum(axis=1), 1.0, rtol=0, atol=1e-9, err_msg=where)
    assert np.all(shares[:, :k][~ps.active] == 0.0), f"{where}: attention on an exited link"
    for name in ("trust", "capability"):
        values = getattr(ps, name)
        assert np.all((values >= 0.0) & (values <= 1.0)), f"{where}: {name} outside [0, 1]"


def check_step(model: ChannelModel, history: dict[str, Any]) -> None:
    """Every invariant that must hold at the end of a step."""
    step = model.step_index - 1  # the step just completed: `step()` ends by advancing the clock
    where = f"step {step}"
    check_population(model, where)
    ledger, ps, reps = model.ledger, model.partners, model.reps
    row = {name: values[step] for name, values in model.recorder.values.items()}

    # Accounting: every won deal is booked once, as channel or direct revenue.
    won = ledger.flow("won_value")
    channel, direct = ledger.flow("channel_revenue"), ledger.flow("direct_revenue")
    np.testing.assert_allclose(channel + direct, won, rtol=1e-12, atol=1e-6, err_msg=where)
    np.testing.assert_allclose(
        ledger.flow("partner_sourced_revenue") + ledger.flow("co_sell_revenue"),
        channel,
        rtol=1e-12,
        atol=1e-6,
        err_msg=where,
    )
    np.testing.assert_array_equal(row["channel_revenue"], channel, err_msg=where)
    np.testing.assert_array_equal(row["direct_revenue"], direct, err_msg=where)

    # Link-level revenue adds up to the vendor's cumulative channel revenue.
    cumulative = np.nansum(model.recorder.values["channel_revenue"][: step + 1], axis=0)
    by_vendor = np.bincount(ps.vendor.reshape(-1), ps.revenue.reshape(-1), minlength=len(won))
    by_vendor += [sum(retired) for retired in model.retired_revenue]  # slots signed again
    np.testing.assert_allclose(by_vendor, cumulative, rtol=1e-9, atol=1e-6, err_msg=where)

    # Capacity-weighted attention over vendors plus the outside option is all the capacity.
    outside = (ps.capacity * ps.shares[:, model.slots]).sum() / ps.capacity.sum()
    assert row["attention_share"].sum() + outside == pytest.approx(1.0, abs=1e-9), where

    # Nothing that counts money, deals or partners is negative.
    for name in FLOW_METRICS + NON_NEGATIVE_STOCKS:
        assert np.all(row[name] >= 0.0), f"{where}: negative {name}: {row[name]}"
    assert np.all(np.isfinite(row["vendor_net_revenue"])), where
    assert np.all(row["mdf_revenue"] <= won + 1e-6), f"{where}: MDF revenue above won value"
    for name in ("mean_trust", "trust_p10", "mean_capability", "win_rate", "rebate_attainment"):
        finite = row[name][~np.isnan(row[name])]
        assert np.all((finite >= 0.0) & (finite <= 1.0)), f"{where}: {name} outside [0, 1]"
    links = np.bincount(ps.vendor[ps.active], minlength=len(won))
    assert np.array_equal(np.isnan(row["mean_trust"]), links == 0), where
    assert np.all(row["active_partners"] <= links), where

    # Pipeline is the open deals' value; reps' slot counts are the open deals they work.
    deals = model.deals
    assert np.all(deals["value"] > 0.0), where
    assert np.all(deals["close_month"] > model.month - 1e-9), f"{where}: an open deal is overdue"
    np.testing.assert_allclose(
        row["pipeline_value"],
        np.bincount(deals["vendor"], deals["value"], minlength=len(won)),
        rtol=1e-12,
        err_msg=where,
    )
    assert reps.open_deals.min(initial=0) >= 0, f"{where}: negative open deals"
    worked = deals["rep"][deals["rep_works"]]
    np.testing.assert_array_equal(
        reps.open_deals, np.bincount(worked, minlength=reps.count), err_msg=where
    )
    # Reps take rep-found deals only into free slots; only deals taken direct from partners can
    # push a rep over its capacity.
    found = deals["rep"][deals["rep_works"] & ~deals["taken_direct"]]
    capacity = np.floor(model.rep_capacity[reps.vendor])
    assert np.all(np.bincount(found, minlength=reps.count) <= capacity), where

    # An exited line never comes back: a slot that is active again holds a line signed this step.
    # Lines that stay exited keep their trust and capability frozen.
    was_active = history.get("active")
    if was_active is not None:
        old = slice(0, was_active.shape[0])
        back = ps.active[old] & ~was_active
        signed_now = ps.joined[old] >= model.month - model.dt - 1e-9
        assert np.all(signed_now[back]), f"{where}: an exited line came back"
        assert np.all(ps.revenue[old][back] == 0.0), f"{where}: a new line starts with revenue"
        frozen = ~was_active & ~ps.active[old]
        assert np.array_equal(ps.trust[old][frozen], history["trust"][frozen]), where
        assert np.array_equal(ps.capability[old][frozen], history["capability"][frozen]), where
    history.update(active=ps.active.copy(), trust=ps.trust.copy(), capability=ps.capability.copy())

    # One Mesa handle per partner row, recruits included.
    assert len(model.agents_by_type[Partner]) == ps.count, where


def watch_phases(model: ChannelModel) -> None:
    """Check shares, trust and capability after every phase, not only at the end of a step."""
    for name in PHASES:
        phase = getattr(model, name)

        def checked(*args: Any, _phase=phase, _name=name) -> Any:
            result = _phase(*args)
            check_population(model, f"step {model.step_index}, after {_name}")
            return result

        setattr(model, name, checked)


def run_checked(config: ScenarioConfig, seed: np.random.SeedSequence | int) -> ChannelModel:
    """Run ``config`` step by step, checking every invariant after every phase and step."""
    model = ChannelModel(config, seed)
    check_population(model, "after initialisation")
    watch_phases(model)
    history: dict[str, Any] = {}
    for _ in range(config.time.steps):
        model.step()
        check_step(model, history)
    return model


# ---------------------------------------------------------------------------- tests
@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("replicate", range(3))
def test_invariants_hold_after_every_step(case: str, replicate: int) -> None:
    """Every invariant holds after every phase and step, for each configuration and seed."""
    run_checked(scenario(case), np.random.SeedSequence(entropy=20240, spawn_key=(replicate,)))


def test_low_trust_case_really_churns_and_recruiting_case_really_recruits() -> None:
    """The churn and recruitment cases exercise what they are named for (else they test little)."""
    churned = run_checked(scenario("low-trust-churn"), 1)
    acme_links = churned.partners.vendor == 0
    assert (~churned.partners.active & acme_links).sum() > 10
    recruited = run_checked(scenario("recruiting"), 1)
    assert recruited.partners.count > BASE["partners"]["count"]


# ---------------------------------------------------------------------------- property test
FRACTION = st.floats(0.0, 1.0)
TIERS = [
    {"name": "gold", "min_revenue": 20_000.0, "margin_uplift": 0.05, "co_sell_priority": 3.0},
    {"name": "top", "min_revenue": 80_000.0, "min_capability": 0.4, "mdf_accrual": 0.02},
]
"""Two tiers a small market's lines reach and leave (docs/model.md §7.15)."""


def event_value(key: str) -> st.SearchStrategy[float | bool]:
    """A valid value for an event key."""
    if key in (
        "program.deal_registration",
        "program.replace_exits",
        "program.mdf_proof_of_performance",
        "engagement.shared_qualification",
        "engagement.executive_sponsorship",
        "engagement.advisory_council",
        "program.partner_owns_renewals",
        "comp_plan.credit_contract_value",
    ):
        return st.booleans()
    if key == "program.contract_months":
        return st.floats(1.0, 24.0)
    if key == "program.perpetual_multiple":
        return st.floats(1.0, 10.0)
    if key == "engagement.joint_planning_partners":
        return st.floats(0.0, 50.0)
    if key in (
        "program.partner_management_per_partner_month",
        "program.onboarding_cost_per_partner",
    ):
        return st.floats(0.0, 5000.0)
    if key in ("program.spiff_per_deal", "program.mdf_per_partner_month"):
        return st.floats(0.0, 5000.0)
    if key == "program.enablement_per_partner_month":
        return st.floats(0.0, 5000.0)
    if key == "program.recruit_per_month":
        return st.floats(0.0, 5.0)
    if key.startswith("comp_plan.") and key.endswith("_credit"):
        return st.floats(0.0, 3.0)
    if key == "comp_plan.quota_per_rep_month":
        return st.floats(1000.0, 500_000.0)
    if key == "program.rebate_target":
        return st.floats(0.0, 500_000.0)
    if key in ("program.rebate_period_months", "program.tier_review_months"):
        return st.sampled_from([3.0, 6.0, 12.0])
    if key == "program.rebate_delay_months":
        return st.floats(0.0, 12.0)
    return FRACTION


@st.composite
def vendors(draw: st.DrawFn, name: str) -> dict[str, Any]:
    return {
        "name": name,
        "direct_reps": draw(st.integers(0, 8)),
        "rep_capacity": draw(st.floats(0.5, 8.0)),
        "product_strength": draw(FRACTION),
        "program": {
            "margin": draw(FRACTION),
            "rebate": draw(st.floats(0.0, 0.1)),
            "spiff_per_deal": draw(st.sampled_from([0.0, 500.0, 5000.0])),
            "mdf_per_partner_month": draw(st.floats(0.0, 2000.0)),
            "enablement_per_partner_month": draw(st.floats(0.0, 2000.0)),
            "deal_registration": draw(st.booleans()),
            "communication": draw(FRACTION),
            "recruit_per_month": draw(st.sampled_from([0.0, 0.5, 3.0])),
            "performance_rebate": draw(st.sampled_from([0.0, 0.0, 0.08])),
            "rebate_target": draw(st.sampled_from([0.0, 20_000.0, 200_000.0])),
            "rebate_period_months": draw(st.sampled_from([3, 6, 12])),
            "mdf_proof_of_performance": draw(st.booleans()),
            "tiers": draw(st.sampled_from([[], TIERS])),
            "tier_review_months": draw(st.sampled_from([3, 12])),
            "subscription_share": draw(st.sampled_from([0.0, 0.0, 0.6, 1.0])),
            "contract_months": draw(st.sampled_from([1.0, 3.0, 12.0])),
            "perpetual_multiple": draw(st.floats(1.0, 10.0)),
            "renewal_rate": draw(FRACTION),
            "expansion_rate": draw(FRACTION),
            "partner_owns_renewals": draw(st.booleans()),
        },
        "comp_plan": {
            "credit_contract_value": draw(st.booleans()),
            "conversion_propensity": draw(FRACTION),
            "direct_credit": draw(st.floats(0.0, 3.0)),
            "partner_sourced_credit": draw(st.floats(0.0, 3.0)),
            "partner_assisted_credit": draw(st.floats(0.0, 3.0)),
        },
        "engagement": {"partner_join_stage": draw(FRACTION)},
    }


@st.composite
def scenarios(draw: st.DrawFn) -> ScenarioConfig:
    """Random valid scenarios: 1-4 vendors, small populations, short horizons, random events."""
    n_vendors = draw(st.integers(1, 4))
    names = [f"v{i}" for i in range(n_vendors)]
    step = draw(st.sampled_from(["month", "week"]))
    horizon = draw(st.integers(1, 12 if step == "month" else 5))
    capacity = draw(
        st.one_of(
            st.builds(
                lambda shape: {"distribution": "pareto", "shape": shape}, st.floats(1.05, 4.0)
            ),
            st.builds(
                lambda shape: {"distribution": "lognormal", "shape": shape}, st.floats(0.05, 2.0)
            ),
            st.just({"distribution": "constant"}),
        )
    )
    vendor_list = [draw(vendors(name)) for name in names]
    event_keys = sorted(DIRECTION)
    keys = st.tuples(st.sampled_from(names), st.sampled_from(event_keys))
    chosen = draw(st.lists(keys, max_size=4, unique=True))
    events = [
        {
            "at_month": draw(st.floats(0.0, float(horizon))),
            "vendor": vendor,
            "set": {key: draw(event_value(key))},
            "ramp_months": draw(st.sampled_from([0.0, 0.5, 1.0, 3.0, 6.0])),
            "notice_months": draw(st.sampled_from([0.0, 1.0, 3.0])),
        }
        for vendor, key in chosen
    ]
    return ScenarioConfig.model_validate(
        {
            "name": "property",
            "seed": draw(st.integers(0, 2**32)),
            "time": {"horizon_months": horizon, "step": step},
            "market": {
                "opportunities_per_month": draw(st.floats(0.0, 400.0)),
                "sales_cycle_months": draw(st.floats(0.5, 6.0)),
                "competitor_share": draw(st.floats(0.0, 0.9)),
                "mdf_opportunities_per_10k": draw(st.sampled_from([0.0, 0.0, 5.0])),
                "untrained_coverage": draw(FRACTION),
            },
            "vendors": vendor_list,
            "partners": {
                "count": draw(st.integers(1, 60)),
                "vendors_per_partner": draw(st.integers(1, n_vendors)),
                "capacity": capacity,
                "initial_trust": draw(FRACTION),
                "initial_capability": draw(FRACTION),
                "initial_dispersion": draw(st.floats(0.0, 0.3)),
                "exit_trust": draw(st.floats(0.0, 0.5)),
                "exit_months": draw(st.floats(0.5, 6.0)),
            },
            "events": events,
        }
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(config=scenarios())
def test_invariants_hold_for_any_valid_scenario(config: ScenarioConfig) -> None:
    """Any valid scenario keeps every invariant at every phase and step."""
    run_checked(config, config.seed)


# ---------------------------------------------------------------------------- edge cases
# Each test below reproduces a crash the property test once found, so it cannot come back.
def tiny(**override: Any) -> ScenarioConfig:
    """A one- or two-vendor scenario small enough to read, with ``override`` merged in."""
    return ScenarioConfig.model_validate(
        merge(
            {
                "name": "edge",
                "time": {"horizon_months": 6},
                "market": {"opportunities_per_month": 50.0},
                "vendors": [
                    {"name": "acme", "direct_reps": 2},
                    {"name": "rival", "direct_reps": 2},
                ],
                "partners": {"count": 20, "vendors_per_partner": 1},
            },
            override,
        )
    )


def test_scenario_without_any_direct_rep_runs() -> None:
    """A pure-channel market (no vendor has direct reps) is valid and keeps every invariant."""
    config = tiny(vendors=[{"name": "acme", "direct_reps": 0}, {"name": "rival", "direct_reps": 0}])
    run_checked(config, 0)


def test_single_vendor_recruits() -> None:
    """A single vendor recruiting partners adds partner rows like any other vendor."""
    config = tiny(
        vendors=[{"name": "acme", "direct_reps": 2, "program": {"recruit_per_month": 3.0}}]
    )
    model = run_checked(config, 0)
    assert model.partners.count > 20


def test_market_with_no_competitors_and_no_free_sellers_runs() -> None:
    """With no competitors, demand nobody in the model can take is lost, not a crash."""
    config = tiny(
        market={"competitor_share": 0.0, "untrained_coverage": 0.0},
        vendors=[{"name": "acme", "direct_reps": 1, "rep_capacity": 1.0}],
        partners={"initial_capability": 0.0, "initial_dispersion": 0.0},
    )
    run_checked(config, 0)


def test_tiny_initial_dispersion_gives_finite_links() -> None:
    """Valid but extreme initial trust and dispersion still give links with trust in [0, 1]."""
    from sim.model.population import beta_around

    rng = np.random.default_rng(0)
    near_zero_sd = beta_around(rng, 0.5, 1e-160, (4,))
    assert np.all((near_zero_sd >= 0) & (near_zero_sd <= 1))
    subnormal_mean = beta_around(rng, 5e-324, 0.25, (4,))
    assert np.all((subnormal_mean >= 0) & (subnormal_mean <= 1))


@pytest.mark.parametrize(
    "override",
    [
        {"vendors": [{"name": "acme", "program": {"spiff_per_deal": math.inf}}]},
        {"vendors": [{"name": "acme", "program": {"mdf_per_partner_month": math.inf}}]},
        {"market": {"deal_size": {"median": math.inf}}},
    ],
    ids=["spiff", "mdf", "deal-size"],
)
def test_infinite_values_are_rejected_by_the_schema(override: dict[str, Any]) -> None:
    """YAML's ``.inf`` is a float; the schema must reject it where the model needs finite numbers."""
    try:
        tiny(**override)
    except ValueError:  # pydantic's ValidationError is a ValueError
        return
    raise AssertionError(f"{override} was accepted")
