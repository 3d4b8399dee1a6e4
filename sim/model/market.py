"""The deal flow of one step: sourcing (phase 3), rep decisions (phase 4), closing deals (phase 5)
and accounting (phase 6).

Functions of the model's state; ``ChannelModel`` calls them from its schedule. Every draw comes from
``model.rng``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.behaviours.attention import step_fraction
from sim.behaviours.deals import DealInputs
from sim.model.state import VendorGroups

if TYPE_CHECKING:
    from sim.model.channel_model import ChannelModel

CLOSE_TIME_SHAPE = 4.0
"""Gamma shape of the time from opportunity to close (coefficient of variation 0.5)."""
REP_CREDIT_MEMORY = 1.0 / 3.0
"""Share of the gap closed per month by a rep's smoothed credit rate (about a quarter's memory)."""


def link_weights(model: ChannelModel) -> np.ndarray:
    """Prospecting coverage of each link: capacity x attention x capability factor x strength."""
    ps = model.partners
    floor = model.config.market.untrained_coverage
    weight = (
        ps.capacity[:, None]
        * ps.shares[:, : model.slots]
        * (floor + (1.0 - floor) * ps.capability)
        * model.strength[ps.vendor]
    )
    return np.where(ps.active, weight, 0.0)


def free_rep_slots(model: ChannelModel) -> np.ndarray:
    """Whole deals each rep can still take on (capacity is rounded down)."""
    capacity = np.floor(model.rep_capacity[model.reps.vendor])
    return np.maximum(capacity - model.reps.open_deals, 0.0)


def direct_weights(model: ChannelModel) -> np.ndarray:
    """Prospecting coverage of each vendor's direct team: free deal slots per month x strength."""
    free = np.bincount(model.reps.vendor, free_rep_slots(model), minlength=model.n_vendors)
    return free / model.config.market.sales_cycle_months * model.strength


def source_opportunities(model: ChannelModel) -> dict[str, np.ndarray]:
    """Phase 3: Poisson demand split by coverage among partner links, direct teams, competitors."""
    ps, slots = model.partners, model.slots
    link_w = link_weights(model)
    # Phase 4 picks co-sell partners by the same coverage; nothing it depends on moves in between.
    model._sourcing_coverage = (model.step_index, ps.count, link_w)
    direct_w = direct_weights(model)
    total = link_w.sum() + direct_w.sum() + model.competitor_weight
    # With no competitors and no seller free to take a deal, the month's demand is lost.
    demand = model.config.market.opportunities_per_month * model.dt if total > 0 else 0.0
    total = total if total > 0 else 1.0
    # Splitting a Poisson total by weights gives independent Poisson counts per seller.
    link_counts = model.rng.poisson(demand * link_w.reshape(-1) / total)
    direct_counts = model.rng.poisson(demand * direct_w / total)

    flat = np.repeat(np.arange(link_counts.size), link_counts)
    p_partner, p_slot = flat // slots, flat % slots
    p_vendor = ps.vendor[p_partner, p_slot]
    covering = _covering_reps(model, p_vendor)

    d_vendor, d_rep = _assign_direct(model, direct_counts)
    n_p, n_d = len(p_vendor), len(d_vendor)
    vendor = np.concatenate([p_vendor, d_vendor])
    return {
        "vendor": vendor,
        "value": _draw_deal_values(model, n_p + n_d),
        "partner": np.concatenate([p_partner, np.full(n_d, -1)]),
        "slot": np.concatenate([p_slot, np.full(n_d, -1)]),
        "rep": np.concatenate([covering, d_rep]),
        "rep_works": np.concatenate([np.zeros(n_p, bool), np.ones(n_d, bool)]),
        "partner_sourced": np.concatenate([np.ones(n_p, bool), np.zeros(n_d, bool)]),
        "cosell": np.zeros(n_p + n_d, bool),
        "stage": np.zeros(n_p + n_d),
        "registered": np.concatenate(
            [model.terms.deal_registration[p_vendor] > 0.5, np.zeros(n_d, bool)]
        ),
        "disputed": np.zeros(n_p + n_d, bool),
        "taken_direct": np.zeros(n_p + n_d, bool),
        "close_step": _draw_close_steps(model, n_p + n_d),
    }


def _covering_reps(model: ChannelModel, vendor: np.ndarray) -> np.ndarray:
    """A rep of each deal's vendor, uniformly at random (-1 if the vendor has none)."""
    out = np.full(len(vendor), -1, dtype=np.int64)
    if len(vendor) == 0:
        return out
    deals = VendorGroups(vendor, model.n_vendors)
    reps = model.reps.groups(model.n_vendors)
    for v in np.flatnonzero(deals.counts):
        mine = reps.members(v)
        if len(mine):
            out[deals.members(v)] = mine[model.rng.integers(len(mine), size=int(deals.counts[v]))]
    return out


def _assign_direct(model: ChannelModel, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Give rep-found deals to free rep slots, without replacement; deals beyond them are lost."""
    free = free_rep_slots(model).astype(np.int64)
    groups = model.reps.groups(model.n_vendors)
    vendors, reps = [], []
    for v in np.flatnonzero(counts):
        mine = groups.members(v)
        slots = np.repeat(mine, free[mine])
        n = min(int(counts[v]), len(slots))
        vendors.append(np.full(n, v))
        reps.append(model.rng.choice(slots, size=n, replace=False))
    vendor = np.concatenate(vendors) if vendors else np.empty(0, dtype=np.int64)
    rep = np.concatenate(reps) if reps else np.empty(0, dtype=np.int64)
    np.add.at(model.reps.open_deals, rep, 1)
    return vendor.astype(np.int64), rep.astype(np.int64)


def _draw_deal_values(model: ChannelModel, n: int) -> np.ndarray:
    size = model.config.market.deal_size
    return size.median * np.exp(size.spread * model.rng.standard_normal(n))


def _draw_close_steps(model: ChannelModel, n: int) -> np.ndarray:
    cycle = model.config.market.sales_cycle_months
    months = model.rng.gamma(CLOSE_TIME_SHAPE, cycle / CLOSE_TIME_SHAPE, n)
    return model.step_index + np.maximum(1, np.round(months / model.dt)).astype(np.int64)


def decide_reps(model: ChannelModel, deals: dict[str, np.ndarray]) -> None:
    """Phase 4: reps bring partners into deals they found, and contest deals partners found."""
    terms, ledger = model.terms, model.ledger
    vendor = deals["vendor"]
    vendor_found = ~deals["partner_sourced"] & (deals["rep"] >= 0)
    p_cosell, p_contest, p_take = model.engine.rep_probabilities(model, deals)
    invite = vendor_found & (model.rng.random(len(vendor)) < p_cosell)
    chosen = _pick_links(model, vendor[invite])
    ok = chosen >= 0
    rows = np.flatnonzero(invite)[ok]
    deals["partner"][rows] = chosen[ok] // model.slots
    deals["slot"][rows] = chosen[ok] % model.slots
    deals["cosell"][rows] = True
    deals["stage"][rows] = terms.partner_join_stage[vendor[rows]]
    ledger.add_link("invitations", deals["partner"][rows], deals["slot"][rows])
    ledger.add_link(
        "invitation_stage_sum",
        deals["partner"][rows],
        deals["slot"][rows],
        deals["stage"][rows],
    )

    partner_found = deals["partner_sourced"] & (deals["rep"] >= 0)
    rep = deals["rep"]
    contested = partner_found & (model.rng.random(len(vendor)) < p_contest)
    taken = contested & (model.rng.random(len(vendor)) < p_take)
    deals["taken_direct"] |= taken
    deals["rep_works"] |= taken
    deals["disputed"] |= contested & ~taken
    np.add.at(model.reps.open_deals, rep[taken], 1)
    ledger.add_vendor("conflicts", vendor[contested])
    ledger.add_link("conflicts_lost", deals["partner"][taken], deals["slot"][taken])
    kept = contested & ~taken
    ledger.add_link("conflicts_kept", deals["partner"][kept], deals["slot"][kept])
    model.deals.add(deals)


def _pick_links(model: ChannelModel, vendor: np.ndarray) -> np.ndarray:
    """For each deal, a link (flat index) of its vendor in proportion to coverage; -1 if none."""
    out = np.full(len(vendor), -1, dtype=np.int64)
    if len(vendor) == 0:
        return out
    cached = getattr(model, "_sourcing_coverage", None)
    if cached is not None and cached[:2] == (model.step_index, model.partners.count):
        weights = cached[2].reshape(-1)
    else:
        weights = link_weights(model).reshape(-1)
    groups = model.partners.groups(model.n_vendors)
    deals = VendorGroups(vendor, model.n_vendors)
    for v in np.flatnonzero(deals.counts):
        members = groups.members(v)
        links = members[weights[members] > 0]
        if len(links) == 0:
            continue
        cumulative = np.cumsum(weights[links])
        draws = model.rng.random(int(deals.counts[v])) * cumulative[-1]
        out[deals.members(v)] = links[
            np.minimum(np.searchsorted(cumulative, draws, side="right"), len(links) - 1)
        ]
    return out


def close_due_deals(model: ChannelModel) -> dict[str, np.ndarray]:
    """Phase 5: deals due this step close, won with the deal rule's probability."""
    due = model.deals["close_step"] <= model.step_index
    closed = model.deals.take(due)
    partner = closed["partner"]
    involved = (partner >= 0) & ~closed["taken_direct"]
    capability = np.where(
        involved,
        model.partners.capability[np.maximum(partner, 0), np.maximum(closed["slot"], 0)],
        0.0,
    )
    influence = np.where(involved, 1.0 - closed["stage"], 0.0)
    inputs = DealInputs(
        strength=model.strength[closed["vendor"]],
        partner_capability=capability,
        influence=influence,
        has_rep=closed["rep_works"] | closed["cosell"],
        disputed=closed["disputed"],
    )
    p_win, services_share = model.engine.deal_probabilities(model, inputs)
    closed["won"] = model.rng.random(len(partner)) < p_win
    closed["involved"] = involved
    closed["influence"] = influence
    closed["services_share"] = services_share
    working = closed["rep"][closed["rep_works"]]
    np.subtract.at(model.reps.open_deals, working, 1)
    return closed


def book_accounts(model: ChannelModel, closed: dict[str, np.ndarray]) -> None:
    """Phase 6: revenue, partner payouts and profit, vendor net revenue and rep credit."""
    terms, cfg, ledger = model.terms, model.config.partners, model.ledger
    v, value, won, involved = (
        closed["vendor"],
        closed["value"],
        closed["won"],
        closed["involved"],
    )
    revenue = value * won
    channel = involved & won
    ledger.add_vendor("won_value", v, revenue)
    ledger.add_vendor("channel_revenue", v, revenue * involved)
    ledger.add_vendor(
        "partner_sourced_revenue", v, revenue * (involved & closed["partner_sourced"])
    )
    ledger.add_vendor("co_sell_revenue", v, revenue * (involved & closed["cosell"]))
    ledger.add_vendor("direct_revenue", v, revenue * ~involved)
    ledger.add_vendor("closed", v)
    ledger.add_vendor("won", v, won.astype(float))

    payout = channel * (value * (terms.margin[v] + terms.rebate[v]) + terms.spiff_per_deal[v])
    services = (
        channel * value * cfg.services_attach * cfg.services_margin * closed["services_share"]
    )
    effort = involved * cfg.effort_cost_per_deal
    ledger.add_vendor("payouts", v, payout)
    ledger.add_vendor("partner_deal_profit", v, payout + services - effort)

    p, s = closed["partner"][involved], closed["slot"][involved]
    ledger.add_link("closed", p, s)
    ledger.add_link("wins", p, s, won[involved].astype(float))
    ledger.add_link("revenue", p, s, revenue[involved])
    ledger.add_link("deals_worked", p, s, closed["influence"][involved])

    credit_rate = np.select(
        [closed["cosell"], closed["partner_sourced"] & ~closed["taken_direct"]],
        [terms.partner_assisted_credit[v], terms.partner_sourced_credit[v]],
        default=terms.direct_credit[v],
    )
    has_rep = closed["rep"] >= 0
    credit = np.bincount(
        closed["rep"][has_rep], (revenue * credit_rate)[has_rep], minlength=model.reps.count
    )
    memory = step_fraction(REP_CREDIT_MEMORY, model.dt)
    model.reps.credit_rate += memory * (credit / model.dt - model.reps.credit_rate)
