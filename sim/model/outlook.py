"""What a partner expects from each line when it plans its attention, and how those expectations
follow the market: expected profit per deal (scaled by how easily the vendor sells), the outside
option (the rest of the partner's catalog, sold with its own skill, its terms following the
modelled vendors'), and the vendors' deal flow per unit of coverage.

Functions of the model's state, like :mod:`sim.model.market`; the equations are in
``docs/model.md`` (section 7.3).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.behaviours.attention import AttentionInputs
from sim.model import campaigns, kernels, partner_types, rebates, recurring, tiers
from sim.model.partnerships import FULL_EXPOSURE_SHARE

if TYPE_CHECKING:
    from sim.model.channel_model import ChannelModel

MAX_DEAL_FLOW = 10.0
"""Most a vendor's deal flow per unit of coverage may exceed the ecosystem's average in partners'
eyes (a vendor nearly nobody sells would otherwise look infinitely easy to sell)."""


def attention_inputs(
    model: ChannelModel, rows: slice | np.ndarray = slice(None)
) -> AttentionInputs:
    """Expected profit per deal worked (fraction of the mean deal) and the other utility terms.

    Args:
        rows: the partners to plan for (default all); a partner's allocation depends only on
            its own row.
    """
    ps, cfg, terms = model.partners, model.config.partners, model.terms
    services = cfg.services_attach * cfg.services_margin
    effort = cfg.effort_cost_per_deal / model.mean_deal
    kept = campaigns.kept_share(model, rows)
    back_end = rebates.back_end_value(model, terms, rows)
    outside_margin = cfg.outside_margin + model.outside_shift
    outside_value = outside_margin + services
    levers = kept is not None or back_end is not None or model.tiered or model.recurring
    plain = not levers and not cfg.types  # the programme without levers or partner kinds
    if plain and kernels.compiled_for(ps.vendor.size):  # the lines below in one pass
        profit = kernels.line_profit(
            np.arange(ps.count)[rows], ps.vendor, ps.shares, ps.capacity, ps.win_rate,
            terms.mdf_per_partner_month, model.deal_flow, terms.margin, terms.rebate,
            terms.spiff_per_deal, services, effort, model.mean_deal, FULL_EXPOSURE_SHARE,
        )  # fmt: skip
    else:
        v, win_rate = ps.vendor[rows], ps.win_rate[rows]
        claimable = np.minimum(ps.shares[rows, : model.slots] / FULL_EXPOSURE_SHARE, 1.0)
        mdf_per_deal = (
            terms.mdf_per_partner_month[v] * claimable / ps.capacity[rows, None] / model.mean_deal
        )
        if kept is not None:  # only the MDF a partner keeps is its profit; the rest runs campaigns
            mdf_per_deal = mdf_per_deal * kept
        ease = model.deal_flow[v]
        per_value = terms.margin[v] + terms.rebate[v] + services
        if cfg.types:  # a type's services; a referral partner's fee (section 7.18)
            front = terms.margin[v] + terms.rebate[v]
            per_value, services, outside_value = _types_value(model, rows, front, outside_margin)
        if model.tiered:  # a tier's uplift, and the MDF it accrues as far as the partner keeps it
            accrual = tiers.benefit(model, terms, "mdf_accrual")[rows]
            per_value = per_value + tiers.benefit(model, terms, "margin_uplift")[rows]
            per_value = per_value + accrual * (1.0 if kept is None else kept)
        if back_end is not None:  # a promise paid later, worth what the partner trusts it to be
            per_value = per_value + ps.trust[rows] * back_end
        if model.recurring:  # subscriptions book less at close and may pay renewals later
            per_value = recurring.resale_value(model, terms, rows, per_value - services) + services
        profit = (
            ease
            * (win_rate * per_value + win_rate * terms.spiff_per_deal[v] / model.mean_deal - effort)
            + mdf_per_deal
        )
    # The rest of the catalog is sold with the partner's own skill and follows the market.
    active = ps.active[rows]
    skill = np.where(active, ps.capability[rows], 0.0).sum(axis=1) / np.maximum(
        active.sum(axis=1), 1
    )
    skill = np.where(active.any(axis=1), skill, cfg.initial_capability)
    outside_win = model.partner_win_probability(np.full(len(skill), 0.5), skill)
    outside = outside_win * outside_value - effort
    return AttentionInputs(
        profit=profit,
        trust=ps.trust[rows],
        capability=ps.capability[rows],
        conflict=ps.conflict_memory[rows],
        active=ps.active[rows],
        outside_profit=outside,
        outside_trust=cfg.initial_trust,
        outside_capability=skill,
        shares=ps.shares[rows],
        dt=model.dt,
    )


def market_terms(model: ChannelModel) -> float:
    """Mean terms of the modelled vendors' active lines as their partners count on them (margin +
    rebate + expected performance rebate); the vendors' mean margin + rebate without lines."""
    ps = model.partners
    if not ps.active.any():
        return float(model.terms_rate(model.terms).mean())
    if not model.rebate_programme:  # the same mean, from one value per vendor
        lines = np.bincount(ps.vendor[ps.active], minlength=model.n_vendors)
        return float((lines * model.terms_rate(model.terms)).sum() / lines.sum())
    return float(model.line_terms(model.terms)[ps.active].mean())


def learn_deal_flow(model: ChannelModel, follow: float) -> None:
    """Partners' sense of how easily each vendor sells: its demand per unit of coverage relative to
    the ecosystem's (1 = as easy as the average line), smoothed like expectations and at most
    ``MAX_DEAL_FLOW``. A vendor with no coverage keeps the partners' last sense of it."""
    sourcing = model.ledger.sourcing
    if sourcing is None:
        return
    _, coverage, demand = sourcing
    total_coverage, total_demand = coverage.sum(), demand.sum()
    if total_coverage <= 0 or total_demand <= 0:
        return
    # (demand_v / coverage_v) / (demand / coverage), from shares so that nothing under- or overflows;
    # a coverage share that underflows to 0 (a vendor covered 1e-300 of the total) counts as none
    coverage_share = coverage / total_coverage
    relative = np.divide(
        demand / total_demand,
        coverage_share,
        out=model.deal_flow.copy(),
        where=coverage_share > 0,
    )
    target = np.minimum(relative, MAX_DEAL_FLOW)
    model.deal_flow = model.deal_flow + follow * (target - model.deal_flow)


def _types_value(
    model: ChannelModel, rows: slice | np.ndarray, front: np.ndarray, outside_margin: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per firm of ``rows``, by its kind (section 7.18): value per unit of deal value at close of
    each line (``front`` = margin + rebate, plus services; a referral partner's fee instead), its
    services part, and the same value on the rest of its catalog (outside margin + services, or
    the fee: a referral partner refers its other vendors' deals too)."""
    cfg = model.config.partners
    firms = np.arange(model.partners.count)[rows]
    multiple = partner_types.firm_values(model, "services_multiple", firms)
    services = cfg.services_attach * cfg.services_margin * multiple
    outside = outside_margin + services
    referral = partner_types.refers(model, firms)
    if referral is not None:
        fee = partner_types.firm_values(model, "referral_fee", firms)
        services = np.where(referral, 0.0, services)
        outside = np.where(referral, fee, outside)
        front = np.where(referral[:, None], fee[:, None], front)
    return front + services[:, None], services[:, None], outside


__all__ = ["attention_inputs", "learn_deal_flow", "market_terms"]
