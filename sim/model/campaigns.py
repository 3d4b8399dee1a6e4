"""MDF that makes demand: partners spend the MDF they claim on campaigns that create opportunities,
with diminishing returns and a lag, or keep part of it as margin when the vendor asks no proof.

Off unless ``market.mdf_opportunities_per_10k > 0``: then MDF is partner profit only, as before the
key existed. On, each active line's campaign spend per month follows the MDF it claims and does not
keep, with a first-order lag of ``market.mdf_lag_months``; it creates
``E / 10,000 x S x (1 - exp(-spend / S))`` partner-sourced opportunities per month for the line
(``E`` = ``mdf_opportunities_per_10k``, ``S`` = ``mdf_saturation_per_line_month``), on top of the
market's demand. Functions of the model's state, like :mod:`sim.model.market`; the equations are in
``docs/model.md`` (section 7.13).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model import market

if TYPE_CHECKING:
    from sim.model.channel_model import ChannelModel

PER = 10_000.0
"""``mdf_opportunities_per_10k`` is per this much campaign spend."""


def active(model: ChannelModel) -> bool:
    """Whether MDF funds campaigns that create demand in this run."""
    return model.config.market.mdf_opportunities_per_10k > 0


def kept_share(model: ChannelModel, rows: slice | np.ndarray = slice(None)) -> np.ndarray | None:
    """Share of the MDF each line claims that its partner keeps as profit: ``partners.
    mdf_diversion`` without proof of performance, 0 with it; None when campaigns are off (then
    all of it is profit)."""
    if not active(model):
        return None
    proof = model.terms.mdf_proof_of_performance[model.partners.vendor[rows]] > 0.5
    return np.where(proof, 0.0, model.config.partners.mdf_diversion)


def kept_mdf(model: ChannelModel, claims: np.ndarray) -> np.ndarray:
    """The part of each line's MDF ``claims`` its partner keeps as profit (all of it without
    campaigns)."""
    kept = kept_share(model)
    return claims if kept is None else claims * kept


def follow_spend(model: ChannelModel, claims: np.ndarray) -> None:
    """Phase 7: each line's lagged campaign spend moves toward the MDF it claims and does not keep."""
    kept = kept_share(model)
    if kept is None:
        return
    ps = model.partners
    spend = np.where(ps.active, claims * (1.0 - kept), 0.0)
    follow = 1.0 - np.exp(-model.dt / model.config.market.mdf_lag_months)
    ps.campaign_spend += follow * (spend - ps.campaign_spend)


def opportunity_rate(model: ChannelModel) -> np.ndarray:
    """Opportunities per month each line's campaigns create: ``E / PER x S (1 - exp(-c / S))``."""
    m, ps = model.config.market, model.partners
    saturation = m.mdf_saturation_per_line_month
    rate = (
        m.mdf_opportunities_per_10k / PER * saturation * -np.expm1(-ps.campaign_spend / saturation)
    )
    return np.where(ps.active, rate, 0.0)


def add_campaign_deals(model: ChannelModel, deals: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Phase 3, after the market's opportunities: each line's campaign opportunities this step (a
    Poisson draw), partner-sourced deals of its vendor (registered where the vendor registers
    deals, covered by one of its reps), appended to ``deals``; ledger ``mdf_opportunities``."""
    if not active(model):
        return deals
    slots = model.slots
    counts = model.rng.poisson(opportunity_rate(model).reshape(-1) * model.dt)
    flat = np.repeat(np.arange(counts.size), counts)
    n = len(flat)
    if n == 0:
        return deals
    partner, slot = flat // slots, flat % slots
    vendor = model.partners.vendor[partner, slot]
    model.ledger.add_vendor("mdf_opportunities", vendor)
    new = {
        "vendor": vendor,
        "value": market.draw_deal_values(model, n),
        "partner": partner,
        "slot": slot,
        "rep": market.covering_reps(model, vendor),
        "rep_works": np.zeros(n, bool),
        "partner_sourced": np.ones(n, bool),
        "cosell": np.zeros(n, bool),
        "stage": np.zeros(n),
        "registered": model.terms.deal_registration[vendor] > 0.5,
        "disputed": np.zeros(n, bool),
        "taken_direct": np.zeros(n, bool),
        "created": np.full(n, model.month),
        "close_month": market.draw_close_months(model, n),
        "campaign": np.ones(n, bool),
    }
    return {name: np.concatenate([deals[name], new[name]]) for name in deals}


__all__ = [
    "active",
    "add_campaign_deals",
    "follow_spend",
    "kept_mdf",
    "kept_share",
    "opportunity_rate",
]
