"""Mesa agents are thin handles over the model's arrays.

The population lives in struct-of-arrays state (``model.partners``, ``model.reps``); a ``Partner``,
``DirectRep`` or ``Vendor`` agent holds only its index and reads the arrays when asked. So there is
one handle per row (recruits included), what a handle shows is always what the arrays hold now, and
a change to the arrays is visible through the handle at once, even after the arrays were reallocated
by recruitment.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.agents import DirectRep, Partner, Vendor
from sim.model.channel_model import ChannelModel
from sim.scenario.schema import ScenarioConfig

CONFIG = ScenarioConfig.model_validate(
    {
        "name": "agents",
        "time": {"horizon_months": 14},
        "market": {"opportunities_per_month": 120.0},
        "vendors": [
            {"name": "acme", "direct_reps": 5, "program": {"recruit_per_month": 3.0}},
            {"name": "rival", "direct_reps": 4},
            {"name": "nova", "direct_reps": 3},
        ],
        "partners": {"count": 50, "vendors_per_partner": 2},
        "events": [{"at_month": 12.0, "vendor": "acme", "set": {"program.margin": 0.12}}],
    }
)


@pytest.fixture
def model() -> ChannelModel:
    return ChannelModel(CONFIG, np.random.SeedSequence(entropy=5, spawn_key=(0,)))


def test_one_handle_per_row(model: ChannelModel) -> None:
    """One Partner per partner row, one DirectRep per rep, one Vendor per vendor, each with its
    own row index."""
    partners = model.agents_by_type[Partner]
    assert sorted(p.index for p in partners) == list(range(model.partners.count))
    assert sorted(r.index for r in model.agents_by_type[DirectRep]) == list(range(12))
    assert [v.name for v in model.agents_by_type[Vendor]] == ["acme", "rival", "nova"]


def test_recruits_get_handles(model: ChannelModel) -> None:
    """Partners recruited during the run get a handle each, indexed after the founders."""
    for _ in range(CONFIG.time.steps):
        model.step()
    assert model.partners.count > 50
    indices = sorted(p.index for p in model.agents_by_type[Partner])
    assert indices == list(range(model.partners.count))
    recruit = next(p for p in model.agents_by_type[Partner] if p.index == model.partners.count - 1)
    assert "acme" in recruit.portfolio


def test_attention_is_the_shares_row(model: ChannelModel) -> None:
    """A partner's attention names its vendors plus ``outside``, sums to 1 and is its shares row."""
    for _ in range(3):
        model.step()
    for partner in model.agents_by_type[Partner]:
        shares = model.partners.shares[partner.index]
        attention = partner.attention
        assert list(attention) == [*partner.portfolio, "outside"]
        names = np.array(model.vendor_names)[model.partners.vendor[partner.index]]
        for vendor in partner.portfolio:
            assert attention[vendor] == pytest.approx(shares[:-1][names == vendor].sum())
        assert attention["outside"] == shares[-1]
        assert sum(attention.values()) == pytest.approx(1.0, abs=1e-12)


def test_handles_read_the_arrays_live(model: ChannelModel) -> None:
    """Writing to the arrays changes what a handle shows, with no copy to refresh; after
    recruitment reallocates the arrays, old handles read the new ones."""
    ps = model.partners
    partner = next(
        p
        for p in model.agents_by_type[Partner]
        if ps.active[p.index].all() and len(set(ps.vendor[p.index])) == ps.slots
    )
    vendor = model.vendor_names[ps.vendor[partner.index, 0]]
    model.partners.shares[partner.index] = [0.5, 0.25, 0.25]
    model.partners.trust[partner.index, 0] = 0.9
    assert partner.attention[vendor] == 0.5 and partner.attention["outside"] == 0.25
    assert partner.link(vendor)["trust"] == 0.9
    for _ in range(CONFIG.time.steps):
        model.step()
    assert model.partners.count > 50  # the arrays were reallocated by appending recruits
    model.partners.capacity[partner.index] = 123.0
    assert partner.capacity == 123.0
    assert partner.link(vendor)["revenue"] == model.partners.revenue[partner.index, 0]


def test_agentset_aggregates_the_arrays(model: ChannelModel) -> None:
    """The Mesa way of asking (``AgentSet.agg``) gives what the arrays give."""
    partners = model.agents_by_type[Partner]
    assert partners.agg("capacity", sum) == pytest.approx(model.partners.capacity.sum())
    reps = model.agents_by_type[DirectRep]
    assert reps.agg("open_deals", sum) == model.reps.open_deals.sum()


def test_rep_handle(model: ChannelModel) -> None:
    """A rep's open deals and attainment are its rows in the arrays; pressure is 1 - attainment,
    clipped to [0, 1]."""
    model.step()
    for rep in model.agents_by_type[DirectRep]:
        i = rep.index
        assert rep.open_deals == model.reps.open_deals[i]
        assert rep.vendor == model.vendor_names[model.reps.vendor[i]]
        assert rep.attainment == pytest.approx(model.reps.credit_rate[i] / 120_000.0)
        assert rep.quota_pressure == pytest.approx(min(max(1 - rep.attainment, 0.0), 1.0))


def test_vendor_term_follows_an_event(model: ChannelModel) -> None:
    """``Vendor.term('margin')`` is the margin in force: 0.20 until the cut at month 12, then 0.12;
    the other vendors keep theirs."""
    acme, rival = model.vendor_agents[0], model.vendor_agents[1]
    seen = []
    for _ in range(CONFIG.time.steps):
        model.step()
        seen.append(acme.term("margin"))
    assert seen[:12] == [0.20] * 12 and seen[12:] == [0.12, 0.12]
    assert rival.term("margin") == 0.20
    links = acme.partner_links
    assert np.all(model.partners.vendor[links[:, 0], links[:, 1]] == 0)
    assert np.all(model.partners.active[links[:, 0], links[:, 1]])
