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
from sim.model import commitment, kernels, partner_types, recurring, registration, sampling, tiers

if TYPE_CHECKING:
    from sim.model.channel_model import ChannelModel

ONBOARDING_MONTHS = 6.0
"""Months after signing during which a recruit that has not won yet is onboarded."""
ONBOARDING_REACH = 4.0
"""Extra prospecting reach of a line during onboarding (until its first win, at most
ONBOARDING_MONTHS): the channel team plans accounts with a new partner and shares leads, so its
coverage is (1 + ONBOARDING_REACH) times what its effort alone would give."""
PRESSURE_PROSPECTING = 1.0
"""Extra prospecting reach of a rep at full quota pressure (no credit), relative to one at quota:
reps who are behind prospect harder (Basu et al. 1985; Oyer 1998 on effort and quota)."""
REP_CREDIT_MEMORY = 1.0 / 3.0
"""Share of the gap closed per month by a rep's smoothed credit rate (about a quarter's memory)."""


def link_weights(model: ChannelModel) -> np.ndarray:
    """Prospecting coverage of each link: capacity x attention x capability factor, boosted while
    the line is being onboarded."""
    ps = model.partners
    floor = model.config.market.untrained_coverage
    if kernels.compiled_for(ps.vendor.size):
        return kernels.link_weights(
            ps.capacity, ps.shares, ps.capability, ps.joined, ps.first_win, ps.active, floor,
            float(model.month), ONBOARDING_MONTHS, 1.0 + ONBOARDING_REACH,
        )  # fmt: skip
    reach = floor + (1.0 - floor) * ps.capability
    onboarding = (model.month - ps.joined < ONBOARDING_MONTHS) & np.isnan(ps.first_win)
    reach = np.where(onboarding, reach * (1.0 + ONBOARDING_REACH), reach)
    weight = ps.capacity[:, None] * ps.shares[:, : model.slots] * reach
    return np.where(ps.active, weight, 0.0)


def free_rep_slots(model: ChannelModel) -> np.ndarray:
    """Whole deals each rep can still take on (capacity is rounded down)."""
    capacity = np.floor(model.rep_capacity[model.reps.vendor])
    return np.maximum(capacity - model.reps.open_deals, 0.0)


def direct_weights(model: ChannelModel) -> np.ndarray:
    """Prospecting coverage of each vendor's direct team: the deals per month its reps can start
    (capacity over the sales cycle), whether or not they have a free slot for them, raised by
    quota pressure (a rep behind quota prospects harder: ``1 + PRESSURE_PROSPECTING * pressure``)."""
    reps = model.reps
    capacity = np.floor(model.rep_capacity[reps.vendor])
    pressure = np.clip(1.0 - reps.credit_rate / model.quota[reps.vendor], 0.0, 1.0)
    reach = capacity * (1.0 + PRESSURE_PROSPECTING * pressure)
    team = np.bincount(reps.vendor, reach, minlength=model.n_vendors)
    return team / model.config.market.sales_cycle_months


def vendor_coverage(model: ChannelModel, link_w: np.ndarray, direct_w: np.ndarray) -> np.ndarray:
    """Each vendor's total coverage: its partner links' and its direct team's."""
    ps = model.partners
    links = np.bincount(ps.vendor.reshape(-1), link_w.reshape(-1), minlength=model.n_vendors)
    return links + direct_w


def competitor_attraction(model: ChannelModel) -> float:
    """Outside competitors' attraction, so that they win ``competitor_share`` of demand now."""
    coverage = vendor_coverage(model, link_weights(model), direct_weights(model))
    inside = attraction(model, coverage).sum()
    share = model.config.market.competitor_share
    return share / (1.0 - share) * inside if inside > 0 else share


def attraction(model: ChannelModel, coverage: np.ndarray) -> np.ndarray:
    """Customers' attraction to each vendor: product preference x coverage ** elasticity."""
    m = model.config.market
    pull = np.exp(m.strength_pull * (model.strength - 0.5))
    return pull * np.power(
        coverage, m.coverage_elasticity, where=coverage > 0, out=np.zeros_like(coverage)
    )


def demand_per_step(model: ChannelModel) -> float:
    """Expected new opportunities this step, all vendors and competitors (with market growth)."""
    m = model.config.market
    growth = (1.0 + m.growth_per_year) ** (max(model.month, 0.0) / 12.0)
    return m.opportunities_per_month * model.dt * growth


def vendor_demand(model: ChannelModel, coverage: np.ndarray) -> np.ndarray:
    """Expected opportunities per vendor this step: the customers who choose it, at most as many as
    its sellers can start (coverage is in deals per month; customers beyond it go elsewhere)."""
    pulls = attraction(model, coverage)
    total = pulls.sum() + model.competitor_attraction
    if total <= 0:
        return np.zeros(model.n_vendors)
    return np.minimum(demand_per_step(model) * pulls / total, coverage * model.dt)


def source_opportunities(model: ChannelModel) -> dict[str, np.ndarray]:
    """Phase 3: customers choose a vendor by preference and coverage; its sellers find them.

    A vendor's expected opportunities are demand x attraction / (all attractions + competitors'),
    attraction = product preference x coverage ** elasticity; they are split among the vendor's
    partner links and direct team in proportion to coverage (Poisson splitting, so each seller's
    count is an independent Poisson draw).
    """
    ps, slots = model.partners, model.slots
    link_w = link_weights(model)
    direct_w = direct_weights(model)
    coverage = vendor_coverage(model, link_w, direct_w)
    demand = vendor_demand(model, coverage)
    model.ledger.sourcing = (link_w, coverage, demand)
    # Each seller's share of its vendor's coverage, then of its demand (shares first: a vendor's
    # coverage can be tiny, so demand / coverage alone could overflow).
    if kernels.compiled_for(ps.vendor.size):
        link_demand = kernels.link_demand(link_w, ps.vendor, coverage, demand)
    else:
        link_share = np.divide(
            link_w, coverage[ps.vendor], out=np.zeros_like(link_w), where=coverage[ps.vendor] > 0
        )
        link_demand = (link_share * demand[ps.vendor]).reshape(-1)
    direct_share = np.divide(direct_w, coverage, out=np.zeros_like(direct_w), where=coverage > 0)
    link_counts = model.rng.poisson(link_demand)
    direct_counts = model.rng.poisson(direct_share * demand)

    flat = np.repeat(np.arange(link_counts.size), link_counts)
    p_partner, p_slot = flat // slots, flat % slots
    p_vendor = ps.vendor[p_partner, p_slot]
    covering = covering_reps(model, p_vendor)

    d_vendor, d_rep, d_works = _assign_direct(model, direct_counts)
    n_p, n_d = len(p_vendor), len(d_vendor)
    vendor = np.concatenate([p_vendor, d_vendor])
    return {
        "vendor": vendor,
        "value": draw_deal_values(model, n_p + n_d),
        "partner": np.concatenate([p_partner, np.full(n_d, -1)]),
        "slot": np.concatenate([p_slot, np.full(n_d, -1)]),
        "rep": np.concatenate([covering, d_rep]),
        "rep_works": np.concatenate([np.zeros(n_p, bool), d_works]),
        "partner_sourced": np.concatenate([np.ones(n_p, bool), np.zeros(n_d, bool)]),
        "cosell": np.zeros(n_p + n_d, bool),
        "stage": np.zeros(n_p + n_d),
        "registered": np.concatenate(
            [model.terms.deal_registration[p_vendor] > 0.5, np.zeros(n_d, bool)]
        ),
        "disputed": np.zeros(n_p + n_d, bool),
        "taken_direct": np.zeros(n_p + n_d, bool),
        "created": np.full(n_p + n_d, model.month),
        "close_month": draw_close_months(model, n_p + n_d),
        "campaign": np.zeros(n_p + n_d, bool),
    }


def covering_reps(model: ChannelModel, vendor: np.ndarray) -> np.ndarray:
    """A rep of each deal's vendor, uniformly at random (-1 if the vendor has none)."""
    return sampling.uniform_members(model.rng, model.reps.groups(model.n_vendors), vendor)


def _assign_direct(
    model: ChannelModel, counts: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Give rep-found deals to free rep slots, without replacement; a deal beyond them is passed on
    by a rep of the vendor (``works`` False) for a partner to take (phase 4), or lost. A vendor
    with no reps finds no deals of its own."""
    groups = model.reps.groups(model.n_vendors)
    counts = np.where(groups.counts > 0, counts, 0).astype(np.int64)
    free = free_rep_slots(model).astype(np.int64)[groups.order]
    slot_rep = np.repeat(groups.order, free)  # one entry per free slot, grouped by vendor
    slot_vendor = np.repeat(groups.owner, free)
    shuffled, bounds = sampling.shuffled_within(model.rng, slot_rep, slot_vendor, model.n_vendors)
    worked = np.minimum(counts, np.diff(bounds))
    rank = np.arange(len(shuffled)) - bounds[:-1][slot_vendor]
    take = rank < worked[slot_vendor]
    extra_vendor = np.repeat(np.arange(model.n_vendors), counts - worked)
    vendor = np.concatenate([slot_vendor[take], extra_vendor])
    rep = np.concatenate(
        [shuffled[take], sampling.uniform_members(model.rng, groups, extra_vendor)]
    )
    work = np.zeros(len(rep), bool)  # the slots' deals are worked, the extra ones passed on
    work[: len(rep) - len(extra_vendor)] = True
    np.add.at(model.reps.open_deals, rep[work], 1)
    return vendor.astype(np.int64), rep.astype(np.int64), work


def draw_deal_values(model: ChannelModel, n: int) -> np.ndarray:
    size = model.config.market.deal_size
    return size.median * np.exp(size.spread * model.rng.standard_normal(n))


def draw_close_months(model: ChannelModel, n: int) -> np.ndarray:
    """Month each new deal closes: a gamma time to close, rounded to whole steps (at least one)."""
    cycle, shape = model.config.market.sales_cycle_months, model.config.market.sales_cycle_shape
    months = model.rng.gamma(shape, cycle / shape, n)
    return model.month + np.maximum(1, np.round(months / model.dt)) * model.dt


def decide_reps(model: ChannelModel, deals: dict[str, np.ndarray]) -> None:
    """Phase 4: reps bring partners into deals they found, and contest deals partners found."""
    ledger = model.ledger
    vendor = deals["vendor"]
    vendor_found = ~deals["partner_sourced"] & (deals["rep"] >= 0)
    passed = vendor_found & ~deals["rep_works"]
    p_cosell, p_contest, p_take = model.engine.rep_probabilities(model, deals)
    p_contest = registration.contest_probability(model, deals, p_contest)
    p_take = registration.takeover_probability(model, deals, p_take)
    p_take = commitment.takeover_probability(model, deals, p_take)
    invite = vendor_found & ((model.rng.random(len(vendor)) < p_cosell) | passed)
    chosen = _pick_links(model, vendor[invite])
    ok = chosen >= 0
    rows = np.flatnonzero(invite)[ok]
    deals["partner"][rows] = chosen[ok] // model.slots
    deals["slot"][rows] = chosen[ok] % model.slots
    deals["cosell"][rows] = True
    deals["stage"][rows] = commitment.join_stages(
        model, vendor[rows], deals["partner"][rows], deals["slot"][rows]
    )
    earlier = partner_types.firm_values(model, "join_stage_multiple", deals["partner"][rows])
    if earlier is not None:  # an integrator is brought in earlier (section 7.18)
        deals["stage"][rows] *= earlier
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
    ledger.add_vendor("partner_sourced_found", vendor[deals["partner_sourced"]])
    overridden = taken & deals["registered"]
    ledger.add_vendor("overrides", vendor[overridden])
    weights = registration.lost_weights(model, deals["registered"][taken])
    ledger.add_link("conflicts_lost", deals["partner"][taken], deals["slot"][taken], weights)
    kept = contested & ~taken
    ledger.add_link("conflicts_kept", deals["partner"][kept], deals["slot"][kept])
    lost = passed & (deals["partner"] < 0)  # passed on, but the vendor has no partner to take it
    if lost.any():
        deals = {name: column[~lost] for name, column in deals.items()}
    recurring.convert(model, deals)
    model.deals.add(deals)


def _pick_links(model: ChannelModel, vendor: np.ndarray) -> np.ndarray:
    """For each deal, a link (flat index) of its vendor in proportion to coverage; -1 if none."""
    if len(vendor) == 0:
        return np.full(0, -1, dtype=np.int64)
    sourcing = getattr(model.ledger, "sourcing", None)
    weights = (sourcing[0] if sourcing is not None else link_weights(model)).reshape(-1)
    weights = tiers.pick_weights(model, weights)
    groups = model.partners.groups(model.n_vendors)
    return sampling.weighted_members(model.rng, groups, weights, vendor)


def close_due_deals(model: ChannelModel) -> dict[str, np.ndarray]:
    """Phase 5: deals due this step close, won with the deal rule's probability."""
    due = model.deals["close_month"] <= model.month + 1e-9
    closed = model.deals.take(due)
    partner = closed["partner"]
    involved = (partner >= 0) & ~closed["taken_direct"]
    capability = np.where(
        involved,
        model.partners.capability[np.maximum(partner, 0), np.maximum(closed["slot"], 0)],
        0.0,
    )
    # a partner that squats on a registration does not work the deal: it adds no influence
    influence = np.where(involved & ~closed["squat"], 1.0 - closed["stage"], 0.0)
    inputs = DealInputs(
        strength=model.strength[closed["vendor"]],
        partner_capability=capability,
        influence=influence,
        has_rep=closed["rep_works"],  # a deal a rep passed on to a partner is not worked by a rep
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
    referral = partner_types.refers(model, closed["partner"])
    resold = involved if referral is None else involved & ~referral  # the partner transacts
    channel = resold & won
    ledger.add_vendor("won_value", v, revenue)
    ledger.add_vendor("channel_revenue", v, revenue * resold)
    ledger.add_vendor("partner_sourced_revenue", v, revenue * (resold & closed["partner_sourced"]))
    ledger.add_vendor("co_sell_revenue", v, revenue * (resold & closed["cosell"]))
    ledger.add_vendor("direct_revenue", v, revenue * ~resold)
    if closed["campaign"].any():
        ledger.add_vendor("mdf_revenue", v, revenue * closed["campaign"])
    ledger.add_vendor("closed", v)
    ledger.add_vendor("won", v, won.astype(float))

    rate = terms.margin[v] + terms.rebate[v]
    if model.tiered:  # a tier's margin uplift, paid with the deal like margin
        uplift = tiers.deal_uplift(model, closed["partner"], closed["slot"])
        ledger.add_vendor("tier_margin_uplift", v, channel * value * uplift)
        rate = rate + uplift
    paid = channel  # the won deals whose partner is paid: resold ones, and referred ones below
    services = value * cfg.services_attach * cfg.services_margin * closed["services_share"]
    multiple = partner_types.firm_values(model, "services_multiple", closed["partner"])
    if multiple is not None:
        services = services * multiple
    if referral is not None:  # a referral partner earns its fee on the deals it worked and won
        fee = partner_types.firm_values(model, "referral_fee", closed["partner"])
        rate = np.where(referral, fee, rate)
        paid = involved & won
        services = np.where(referral, 0.0, services)
        ledger.add_vendor("referral_revenue", v, revenue * (involved & referral))
    payout = paid * (value * rate + terms.spiff_per_deal[v])
    services = paid * services
    effort = (involved & ~closed["squat"]) * cfg.effort_cost_per_deal
    ledger.add_vendor("payouts", v, payout)
    ledger.add_vendor("partner_deal_profit", v, payout + services - effort)
    ledger.add_vendor(
        "partner_sourced_closed", v, (involved & closed["partner_sourced"]).astype(float)
    )

    p, s = closed["partner"][involved], closed["slot"][involved]
    ledger.add_link("deal_profit", p, s, (payout + services - effort)[involved])
    ledger.add_link("closed", p, s)
    ledger.add_link("wins", p, s, won[involved].astype(float))
    ledger.add_link("revenue", p, s, revenue[involved])
    ledger.add_link("deals_worked", p, s, closed["influence"][involved])

    credit_rate = np.select(
        [closed["cosell"], closed["partner_sourced"] & ~closed["taken_direct"]],
        [terms.partner_assisted_credit[v], terms.partner_sourced_credit[v]],
        default=terms.direct_credit[v],
    )
    credit_rate = credit_rate * recurring.credit_share(model, closed)
    has_rep = closed["rep"] >= 0
    credit = np.bincount(
        closed["rep"][has_rep], (revenue * credit_rate)[has_rep], minlength=model.reps.count
    )
    ledger.add_vendor("credit", model.reps.vendor, credit)
    memory = step_fraction(REP_CREDIT_MEMORY, model.dt)
    model.reps.credit_rate += memory * (credit / model.dt - model.reps.credit_rate)
    if model.recurring:  # won subscriptions become contracts; contracts due renew or churn
        recurring.sign(model, closed)
        recurring.renew(model)
