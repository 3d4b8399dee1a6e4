"""Partner types (docs/model.md §7.18): kinds of partner firm mixed in one population, each with
its share, capacity, carrying cost, services, join stage, and whether it resells or refers."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError

from sim.model import partner_types, partnerships
from sim.model.channel_model import ChannelModel, simulate
from sim.scenario.schema import PartnersConfig, ScenarioConfig
from tests.test_economics import SMALL  # two vendors, 120 partners, 12 months after a spin-up

REFERRAL = {"name": "referral", "share": 1.0, "resells": False, "referral_fee": 0.1}


def config(types: list[dict[str, Any]], **partners: Any) -> ScenarioConfig:
    doc = copy.deepcopy(SMALL)
    doc["partners"] = {**doc["partners"], "types": types, **partners}
    return ScenarioConfig.model_validate(doc)


def test_firms_are_drawn_in_proportion_to_the_shares_and_without_types_nothing_is_drawn() -> None:
    cfg = PartnersConfig(
        types=[
            {"name": "var", "share": 0.6},
            {"name": "si", "share": 0.3},
            REFERRAL | {"share": 0.1},
        ]
    )
    kinds = partner_types.draw(np.random.default_rng(1), cfg, 50_000)
    np.testing.assert_allclose(np.bincount(kinds, minlength=3) / 50_000, [0.6, 0.3, 0.1], atol=0.01)
    rng = np.random.default_rng(1)
    assert not partner_types.draw(rng, PartnersConfig(), 10).any()
    assert rng.random() == np.random.default_rng(1).random()  # the generator did not move


@pytest.mark.parametrize(
    ("types", "message"),
    [
        ([{"name": "var", "share": 0.6}, {"name": "si", "share": 0.3}], "must sum to 1, got 0.9"),
        ([{"name": "var", "share": 0.5}, {"name": "var", "share": 0.5}], "duplicate partner type"),
    ],
)
def test_types_must_partition_the_population(types: list[dict[str, Any]], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        PartnersConfig(types=types)


def test_a_type_scales_capacity_and_the_cost_of_carrying_a_line() -> None:
    """With a constant capacity law each firm's capacity is the mean times its kind's multiple; at
    equal attention a line's carrying cost is its kind's multiple of a reseller's."""
    types = [
        {"name": "var", "share": 0.5},
        {"name": "msp", "share": 0.5, "capacity_multiple": 0.5, "carrying_cost_multiple": 3.0},
    ]
    model = ChannelModel(config(types, capacity={"distribution": "constant", "mean": 2.0}), 0)
    ps = model.partners
    assert 0 < ps.kind.sum() < ps.count
    np.testing.assert_allclose(ps.capacity, np.where(ps.kind == 1, 1.0, 2.0))
    ps.capacity[:] = 1.0
    ps.shares[:] = 1.0 / (model.slots + 1)
    ps.active[:] = True
    cost = partnerships.carrying_costs(model)
    assert np.allclose(cost[ps.kind == 1], 3.0 * cost[ps.kind == 0][0]) and cost.min() > 0


def booked(doc: ScenarioConfig, seed: int) -> tuple[list[dict[str, np.ndarray]], ChannelModel]:
    """Every call of phase 6 in a run of ``doc``: the deals it booked and the ledger's payouts and
    referral revenue that call added."""
    model = ChannelModel(doc, seed)
    seen: list[dict[str, np.ndarray]] = []
    book = model.book_accounts

    def spy(closed: dict[str, np.ndarray]) -> None:
        before = {k: model.ledger.flow(k).copy() for k in ("payouts", "referral_revenue")}
        book(closed)
        after = {k: model.ledger.flow(k) - before[k] for k in before}
        seen.append({k: np.asarray(v).copy() for k, v in closed.items()} | after)

    model.book_accounts = spy  # type: ignore[method-assign]
    model.run()
    return seen, model


def test_a_referral_partner_is_paid_its_fee_and_its_deals_are_direct_revenue() -> None:
    """An ecosystem of referral partners transacts nothing: no channel revenue, every deal a
    partner worked and won is referral revenue (part of direct), and the payout on it is the fee."""
    doc = config([REFERRAL])
    ts = simulate(doc, 3).timeseries
    assert not ts["channel_revenue"].any() and ts["referral_revenue"].sum() > 0
    assert (ts["direct_revenue"] >= ts["referral_revenue"] - 1e-6).all()
    calls, _ = booked(doc, 3)
    referred = sum(c["referral_revenue"].sum() for c in calls)
    assert referred > 0
    paid = sum(c["payouts"].sum() for c in calls)
    assert paid == pytest.approx(0.1 * referred)  # SMALL pays no SPIFF


def test_an_integrator_joins_the_deals_its_vendor_found_earlier() -> None:
    """A kind's join_stage_multiple scales the stage at which it is brought into a vendor-found
    deal; partner-found deals start at 0 whatever the kind."""
    types = [
        {"name": "var", "share": 0.5},
        {"name": "si", "share": 0.5, "join_stage_multiple": 0.4},
    ]
    doc = config(types)
    calls, model = booked(doc, 1)
    stage = np.concatenate([c["stage"] for c in calls])
    cosell = np.concatenate([c["cosell"] for c in calls])
    partner = np.concatenate([c["partner"] for c in calls])
    vendor = np.concatenate([c["vendor"] for c in calls])
    si = model.partners.kind[np.maximum(partner, 0)] == 1
    usual = np.array([v.engagement.partner_join_stage for v in doc.vendors])[vendor]
    assert (cosell & si).sum() > 20 and (cosell & ~si).sum() > 20
    np.testing.assert_allclose(stage[cosell & si], 0.4 * usual[cosell & si])
    np.testing.assert_allclose(stage[cosell & ~si], usual[cosell & ~si])


def arm(types: list[dict[str, Any]], seeds: range) -> dict[str, np.ndarray]:
    out: dict[str, list[float]] = {}
    for seed in seeds:
        ts = simulate(config(types), seed).timeseries
        ts = ts[ts.vendor == "acme"]
        for metric in ("channel_revenue", "direct_revenue", "partner_profit", "total_revenue"):
            out.setdefault(metric, []).append(ts[metric].sum())
    return {k: np.array(v) for k, v in out.items()}


@pytest.fixture(scope="module")
def arms() -> dict[str, dict[str, np.ndarray]]:
    seeds = range(10)
    half = [{"name": "var", "share": 0.5}]
    return {
        "resellers": arm([], seeds),
        "referral": arm([*half, REFERRAL | {"share": 0.5}], seeds),
        "services": arm([{"name": "si", "share": 1.0, "services_multiple": 3.0}], seeds),
    }


def test_referral_partners_move_revenue_from_the_channel_to_direct(
    arms: dict[str, dict[str, np.ndarray]],
) -> None:
    """Half the firms referring: acme's channel revenue falls and its direct revenue rises in
    every replicate."""
    base, referral = arms["resellers"], arms["referral"]
    assert np.all(referral["channel_revenue"] < 0.85 * base["channel_revenue"])
    assert np.all(referral["direct_revenue"] > base["direct_revenue"])


def test_a_services_heavy_type_earns_more_from_each_line(
    arms: dict[str, dict[str, np.ndarray]],
) -> None:
    """Three times the services per unit of product: partners' profit from acme is higher."""
    base, services = arms["resellers"], arms["services"]
    assert services["partner_profit"].mean() > 1.3 * base["partner_profit"].mean()
    assert np.mean(services["partner_profit"] > base["partner_profit"]) >= 0.9
