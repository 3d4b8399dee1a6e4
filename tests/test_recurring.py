"""Recurring revenue (docs/model.md §7.17): subscription deals valued at their term, reps turning them
into discounted licences when that pays more credit, contracts that renew through their owner, and
the annuity a partner counts on when it owns renewals.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest

from sim.model import recurring
from sim.model.channel_model import ChannelModel, simulate
from sim.model.metrics import METRICS
from sim.scenario.schema import ScenarioConfig
from tests.test_economics import SMALL  # two vendors, 120 partners, 12 months after a spin-up

SUBSCRIPTIONS = {"subscription_share": 1.0, "contract_months": 12.0, "perpetual_multiple": 3.0}
RECURRING = ("arr", "renewal_revenue", "churned_arr", "perpetual_conversions")


def config(
    program: dict[str, Any] | None = None,
    comp_plan: dict[str, Any] | None = None,
    events: list[dict[str, Any]] = (),
    **partners: Any,
) -> ScenarioConfig:
    """SMALL with acme's programme and comp-plan keys, events and partner keys."""
    doc = copy.deepcopy(SMALL)
    doc["vendors"][0]["program"] = dict(program or {})
    doc["vendors"][0]["comp_plan"] = dict(comp_plan or {})
    doc["partners"].update(partners)
    doc["events"] = list(events)
    return ScenarioConfig.model_validate(doc)


def deals(model: ChannelModel, n: int, **columns: Any) -> dict[str, np.ndarray]:
    """``n`` new acme deals of value 30,000 found by rep 0, with columns overridden."""
    base = {
        "vendor": np.zeros(n, np.int64),
        "value": np.full(n, 30_000.0),
        "partner": np.full(n, -1),
        "slot": np.full(n, -1),
        "rep": np.zeros(n, np.int64),
        "rep_works": np.ones(n, bool),
        "cosell": np.zeros(n, bool),
        "subscription": np.ones(n, bool),
        "partner_sourced": np.zeros(n, bool),
    }
    base.update(columns)
    return base


def test_recurring_keys_without_subscriptions_change_no_number() -> None:
    """With no subscription sold, renewal, comp-plan and portability keys are inert: every metric of
    every step equals that of the model without them (no draw is added)."""
    plain = simulate(config(), 3).timeseries
    keys = {"renewal_rate": 0.3, "expansion_rate": 0.9, "partner_owns_renewals": False}
    comp = {"credit_contract_value": True, "conversion_propensity": 1.0}
    inert = simulate(config(keys, comp, customer_portability=1.0), 3).timeseries
    assert plain[list(METRICS)].equals(inert[list(METRICS)])
    assert (plain[list(RECURRING)] == 0).all().all()


def test_subscriptions_are_drawn_at_their_share_and_valued_at_their_term() -> None:
    """A deal of perpetual value V sold as a subscription books V T / (12 M)."""
    model = ChannelModel(config({**SUBSCRIPTIONS, "subscription_share": 0.5}), 0)
    n = 4000
    new = {"vendor": np.zeros(n, np.int64), "value": np.full(n, 36_000.0)}
    recurring.mark(model, new)
    assert new["subscription"].mean() == pytest.approx(0.5, abs=0.03)
    assert (new["value"][new["subscription"]] == 36_000.0 * 12 / 36).all()
    assert (new["value"][~new["subscription"]] == 36_000.0).all()
    rival = {"vendor": np.ones(n, np.int64), "value": np.full(n, 36_000.0)}
    recurring.mark(model, rival)  # rival sells none
    assert not rival["subscription"].any()


@pytest.mark.parametrize(
    ("months", "tcv", "chance"),
    [
        (36.0, False, 0.5),  # licence 2.4 x ACV vs first year 1 x ACV: gain 1.4, capped at 1
        (36.0, True, 0.0),  # vs 3 x ACV: the licence pays less
        (24.0, True, 0.5 * 0.2),  # vs 2 x ACV: gain 0.2
        (12.0, True, 0.5),  # a one-year term's total value is its first year
    ],
)
def test_a_rep_converts_with_the_propensity_times_the_credit_gain(
    months: float, tcv: bool, chance: float
) -> None:
    program = {**SUBSCRIPTIONS, "contract_months": months}
    comp = {"credit_contract_value": tcv, "perpetual_discount": 0.2, "conversion_propensity": 0.5}
    model = ChannelModel(config(program, comp), 0)
    model.ledger = model._new_ledger()
    n = 20_000
    term = 30_000.0 * months / 36.0  # a 30,000 licence's term, at three years per licence
    new = deals(model, n, value=np.full(n, term))
    recurring.convert(model, new)
    converted = ~new["subscription"]
    assert converted.mean() == pytest.approx(chance, abs=0.015)
    assert np.allclose(new["value"][converted], 30_000.0 * 0.8)
    assert model.ledger.flow("perpetual_conversions")[0] == converted.sum()


def test_only_deals_a_rep_works_are_converted_and_a_cosell_partner_feels_it() -> None:
    comp = {"conversion_propensity": 1.0}
    model = ChannelModel(config(SUBSCRIPTIONS, comp), 0)
    model.ledger = model._new_ledger()
    n = 200
    works = np.arange(n) % 2 == 0
    new = deals(model, n, rep_works=works, cosell=works, partner=np.zeros(n, np.int64))
    new["slot"] = np.zeros(n, np.int64)
    recurring.convert(model, new)
    assert (new["subscription"] == ~works).all()
    assert model.ledger.link("conflicts_lost")[0, 0] == works.sum()


def contracted(program: dict[str, Any], **partners: Any) -> tuple[ChannelModel, tuple, float]:
    """A model whose contracts are replaced by one acme contract of 12,000 a year sold by an active
    acme line and due now; returns the model, the line and the month."""
    model = ChannelModel(config({**SUBSCRIPTIONS, **program}, **partners), 0)
    ps = model.partners
    p, s = (int(i[0]) for i in np.nonzero((ps.vendor == 0) & ps.active))
    model.contracts = recurring.Contracts()
    month = model.month
    model.contracts.add(
        vendor=[0],
        partner=[p],
        slot=[s],
        annual=[12_000.0],
        wallet=[36_000.0],
        due=[month],
        signed=[ps.joined[p, s] + 1.0],
        sourced=[True],
    )
    model.ledger = model._new_ledger()
    return model, (p, s), month


def test_a_partner_owned_renewal_is_channel_revenue_with_its_margin() -> None:
    program = {"renewal_rate": 1.0, "expansion_rate": 0.1, "renewal_margin": 0.1}
    model, (p, s), month = contracted(program)
    recurring.renew(model)
    ledger = model.ledger
    value = 12_000.0 * 1.1  # one year at the grown annual value
    assert ledger.flow("channel_revenue")[0] == pytest.approx(value)
    assert ledger.flow("partner_sourced_revenue")[0] == pytest.approx(value)
    assert ledger.flow("direct_revenue")[0] == 0.0
    assert ledger.flow("payouts")[0] == pytest.approx(0.1 * value)
    assert ledger.link("revenue")[p, s] == pytest.approx(value)
    assert ledger.link("deal_profit")[p, s] == pytest.approx(0.1 * value)
    assert model.contracts["due"][0] == month + 12.0
    assert model.contracts["annual"][0] == pytest.approx(value)


def test_a_vendor_owned_renewal_is_direct_revenue_at_its_cost_and_stays_the_vendors() -> None:
    program = {"renewal_rate": 1.0, "expansion_rate": 0.0, "partner_owns_renewals": False}
    model, _, _ = contracted({**program, "vendor_renewal_cost": 0.05})
    recurring.renew(model)
    assert model.ledger.flow("direct_revenue")[0] == pytest.approx(12_000.0)
    assert model.ledger.flow("channel_revenue")[0] == 0.0
    assert model.ledger.flow("renewal_cost")[0] == pytest.approx(600.0)
    assert model.contracts["partner"][0] == -1


def test_customers_of_a_dropped_line_leave_with_their_partner() -> None:
    """Portability 1: a contract whose partner dropped the line never renews; it counts as
    churned annual value."""
    model, (p, s), _ = contracted({"renewal_rate": 1.0}, customer_portability=1.0)
    model.partners.active[p, s] = False
    recurring.renew(model)
    assert len(model.contracts) == 0
    assert model.ledger.flow("churned_arr")[0] == pytest.approx(12_000.0)
    assert model.ledger.flow("won_value")[0] == 0.0


def test_expansion_stops_at_the_customers_wallet() -> None:
    model, _, _ = contracted({"renewal_rate": 1.0, "expansion_rate": 1.0})
    for _ in range(4):
        model.contracts["due"][:] = model.month
        recurring.renew(model)
    assert model.contracts["annual"][0] == pytest.approx(12_000.0 * recurring.WALLET_MULTIPLE)


def test_renewal_income_is_an_annuity_a_partner_counts_on_only_if_it_owns_it() -> None:
    """Per unit of perpetual value: the booked share at the resale rate, plus renewal margin x
    x / (1 - x) x T / 12M, weighed by trust."""
    program = {**SUBSCRIPTIONS, "renewal_rate": 0.9, "expansion_rate": 0.0, "renewal_margin": 0.1}
    model = ChannelModel(config(program), 0)
    terms, rows = model.terms, slice(None)
    owned = recurring.resale_value(model, terms, rows, np.full(model.partners.vendor.shape, 0.2))
    acme = model.partners.vendor == 0
    x = 0.9 * np.exp(-0.02 * 12.0)
    annuity = 0.1 * x / (1 - x) / 3.0
    expected = 0.2 / 3.0 + model.partners.trust * annuity
    assert np.allclose(owned[acme], expected[acme])
    assert np.allclose(owned[~acme], 0.2)  # rival sells licences only
    vendor = ChannelModel(config({**program, "partner_owns_renewals": False}), 0)
    shape = vendor.partners.vendor.shape
    alone = recurring.resale_value(vendor, vendor.terms, rows, np.full(shape, 0.2))
    assert np.allclose(alone[vendor.partners.vendor == 0], 0.2 / 3.0)


# ---------------------------------------------------------------------------- direction
BOOKED = {"subscription_share": 0.7, "contract_months": 12.0}


def arm(events: list[dict[str, Any]], seeds: range, comp: dict[str, Any]) -> dict[str, np.ndarray]:
    out: dict[str, list[float]] = {m: [] for m in ("channel_revenue", "arr", "conversions")}
    for seed in seeds:
        ts = simulate(config(BOOKED, comp, events), seed).timeseries
        acme = ts[ts.vendor == "acme"]
        out["channel_revenue"].append(acme["channel_revenue"].sum())
        out["arr"].append(acme["arr"].iloc[-1])
        out["conversions"].append(acme["perpetual_conversions"].sum())
    return {k: np.array(v) for k, v in out.items()}


def test_taking_renewals_in_house_moves_them_out_of_the_channel() -> None:
    """From month 2 acme renews contracts itself: its channel revenue falls in every paired
    replicate (renewals become direct, and partners lose the income they worked for)."""
    seeds = range(4)
    base = arm([], seeds, {})
    event = {"at_month": 2, "vendor": "acme", "set": {"program.partner_owns_renewals": False}}
    inside = arm([event], seeds, {})
    assert (inside["channel_revenue"] < base["channel_revenue"]).all()


def test_crediting_the_whole_contract_ends_conversions_and_keeps_the_recurring_base() -> None:
    """Three-year terms: with first-year credit a licence pays a rep 2.4x, so reps convert; with
    total-contract credit it pays 0.8x and nobody converts, so more annual value stays under
    contract."""
    seeds = range(4)
    comp = {"conversion_propensity": 0.5}
    three_years = {**BOOKED, "contract_months": 36.0}
    first_year = [simulate(config(three_years, comp), s).timeseries for s in seeds]
    tcv = {**comp, "credit_contract_value": True}
    whole = [simulate(config(three_years, tcv), s).timeseries for s in seeds]
    for a, b in zip(first_year, whole, strict=True):
        a, b = a[a.vendor == "acme"], b[b.vendor == "acme"]
        assert a["perpetual_conversions"].sum() > 0
        assert b["perpetual_conversions"].sum() == 0
        assert b["arr"].iloc[-1] > a["arr"].iloc[-1]


def test_recurring_schema_errors_name_the_key() -> None:
    with pytest.raises(ValueError, match=r"contract_months"):
        config({"contract_months": 0.0})
    with pytest.raises(ValueError, match=r"perpetual_multiple"):
        config({"perpetual_multiple": 0.5})
    with pytest.raises(ValueError, match=r"credit_contract_value"):
        config(comp_plan={"credit_contract_value": "yes"})
    with pytest.raises(ValueError, match=r"customer_portability"):
        config(customer_portability=1.5)


def test_contracts_signed_in_the_coarse_spin_up_renew_in_every_month_of_the_run() -> None:
    """The spin-up's 3-month steps each stand for three months of sales: their contracts are
    spread over those months, so renewals do not come in quarterly lumps."""
    doc = copy.deepcopy(SMALL)
    doc["time"]["spin_up_months"] = 60
    doc["vendors"][0]["program"] = dict(SUBSCRIPTIONS)
    ts = simulate(ScenarioConfig.model_validate(doc), 0).timeseries
    renewals = ts.loc[ts.vendor == "acme", "renewal_revenue"].to_numpy()
    assert (renewals > 0).all()
    assert renewals.max() < 3 * renewals.min()
