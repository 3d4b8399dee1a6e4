"""Partner lines come and go (phase 8): what a line costs and earns its partner, when a partner drops
it, and how vendors sign new ones.

Functions of the model's state, like :mod:`sim.model.market`; ``ChannelModel.churn_and_recruit``
calls them. Every draw comes from ``model.rng``. The equations and their reasoning are in
``docs/model.md`` (section 7.9).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model import campaigns, kernels, partner_types, rebates, tiers
from sim.model.agents import Partner
from sim.model.events import period_ends
from sim.model.population import new_partners
from sim.model.sampling import weighted_sample
from sim.model.state import LINK_FIELDS, VendorGroups

if TYPE_CHECKING:
    from sim.model.channel_model import ChannelModel

FULL_EXPOSURE_SHARE = 0.3
"""Attention share at which a partner is fully exposed to a vendor: it feels the whole of a programme
surprise and claims its whole MDF allowance; below it, in proportion."""
LINE_COST_FLOOR = 0.2
"""Share of a line's carrying cost paid however little the partner sells it (admin, renewals)."""
RECRUIT_LAG_MONTHS = 3.0
"""Months a channel team takes, on average, to replace a partner line that left."""
RECRUIT_FOCUS = 0.5
"""Share of its selling effort a new firm starts with on the line it signed up for."""
NEW_LINE_FOCUS = 0.35
"""Least share of its effort an established firm starts a newly signed line with."""


def exposure(model: ChannelModel) -> np.ndarray:
    """Each link's exposure to its vendor, 0..1: attention share over FULL_EXPOSURE_SHARE, capped."""
    ps = model.partners
    return np.minimum(ps.shares[:, : model.slots] / FULL_EXPOSURE_SHARE, 1.0)


def mdf_claims(model: ChannelModel) -> np.ndarray:
    """MDF each link claims per month: the vendor's allowance, in proportion to the campaigns the
    partner runs for it (its exposure)."""
    ps = model.partners
    allowance = model.terms.mdf_per_partner_month[ps.vendor]
    claims = allowance * exposure(model) + tiers.accrued_mdf(model)
    return np.where(ps.active, claims, 0.0)


def carrying_costs(
    model: ChannelModel, lines: tuple[np.ndarray, np.ndarray] | None = None
) -> np.ndarray:
    """Each active line's carrying cost per month: a floor plus the part that grows with the selling
    effort (capacity x attention) the partner gives it: certified staff, training, admin.

    Args:
        lines: (rows, slots) of active lines to cost (default every link, 0 where inactive).
    """
    ps, cfg = model.partners, model.config.partners
    if lines is None:
        effort = ps.capacity[:, None] * ps.shares[:, : model.slots]
    else:
        effort = ps.capacity[lines[0]] * ps.shares[lines]
    cost = cfg.carrying_cost_per_line_month * (LINE_COST_FLOOR + (1 - LINE_COST_FLOOR) * effort)
    multiple = partner_types.firm_values(model, "carrying_cost_multiple")
    if multiple is not None:
        cost = cost * (multiple[:, None] if lines is None else multiple[lines[0]])
    return cost if lines is not None else np.where(ps.active, cost, 0.0)


def learn_profit(model: ChannelModel) -> None:
    """Phase 7: settle the step's performance rebates, move MDF campaigns' spend, and update each
    line's trailing profit (deal profit, the MDF its partner keeps, rebates paid) and, where a
    vendor offers a performance rebate, its trailing revenue (docs/model.md §7.8.3)."""
    ps, cfg, ledger, dt = model.partners, model.config.partners, model.ledger, model.dt
    rebates.settle(model)
    claims = mdf_claims(model)
    campaigns.follow_spend(model, claims)
    profit = ledger.link("deal_profit") + campaigns.kept_mdf(model, claims) * dt
    if model.rebate_programme:
        profit = profit + ledger.link("rebate_paid")
    # A trailing average, corrected for a young line: until it is profit_memory_months old a
    # line is judged on its mean since signing, not on an average that starts from 0.
    settled = 1.0 - np.exp(-dt / cfg.profit_memory_months)
    trailing = [(ps.profit_rate, profit)]
    if model.rebate_programme or model.tiered:
        trailing.append((ps.revenue_rate, ledger.link("revenue")))
    if kernels.compiled_for(ps.vendor.size):
        for rate, amount in trailing:
            kernels.trailing_rate(rate, amount, ps.joined, float(model.month), dt, float(settled))
    else:
        age = model.month - ps.joined
        memory = np.minimum(np.fmax(settled, dt / (age + dt)), 1.0)
        for rate, amount in trailing:
            rate += memory * (amount / dt - rate)
    tiers.review(model)


def distrust_exits(model: ChannelModel) -> np.ndarray:
    """Active lines whose trust has stayed below ``exit_trust`` for ``exit_months``."""
    ps, cfg = model.partners, model.config.partners
    low = ps.active & (ps.trust < cfg.exit_trust)
    ps.months_low_trust = np.where(low, ps.months_low_trust + model.dt, 0.0)
    return low & (ps.months_low_trust >= cfg.exit_months - 1e-9)


def lapsed_renewals(model: ChannelModel) -> np.ndarray:
    """Lines whose partner lets the agreement lapse at its renewal.

    Each line comes up for renewal every ``partners.renewal_months`` after it was signed. At renewal
    the partner drops it with probability ``min(1, uncovered * commitment)``: ``uncovered`` is the
    share of the line's carrying cost its trailing profit does not cover, and ``commitment = ((1 -
    trust) / (1 - initial_trust)) ** distrust_exit_elasticity``, so a partner that trusts the vendor
    keeps a marginal line and a distrustful one drops it (trust breeds commitment and lowers the
    propensity to leave: Morgan and Hunt 1994).
    """
    ps, cfg = model.partners, model.config.partners
    age = model.month - ps.joined
    period = cfg.renewal_months
    due = ps.active & period_ends(age, age + model.dt, period)
    if not due.any():
        return due
    draws = model.rng.random(ps.vendor.shape)  # one per link, due or not
    lines = np.nonzero(due)  # a renewal month's share of the lines: work on them alone
    cost = carrying_costs(model, lines)
    uncovered = np.clip(1.0 - ps.profit_rate[lines] / np.maximum(cost, 1e-9), 0.0, 1.0)
    relative = (1.0 - ps.trust[lines]) / max(1.0 - cfg.initial_trust, 1e-9)
    drop = np.minimum(uncovered * relative**cfg.distrust_exit_elasticity, 1.0)
    lapsed = np.zeros_like(due)
    lapsed[lines] = draws[lines] < drop
    return lapsed


def end_lines(model: ChannelModel, exits: np.ndarray) -> None:
    """End the lines ``exits``: inactive for good, their attention moves to the outside option."""
    ps = model.partners
    rows, slots = np.nonzero(exits)  # a few of the links: work on them, not on every link
    vendor = ps.vendor[rows, slots]
    model.ledger.add_vendor("exits", vendor)
    if len(rows):
        if model.deal_log is not None:
            model.deal_log.ended(model, exits)
        flat = rows * model.slots + slots
        rebates.forfeit(model, flat)
        # ends older than the cool-off can never close a firm again (a month spare for rounding)
        cooloff = model.config.partners.resign_cooloff_months
        model.drops.add(rows, vendor, model.month, model.month - cooloff - 1.0)
        ps.active = ps.active & ~exits
        first = np.ones(len(rows), bool)
        first[1:] = rows[1:] != rows[:-1]
        firms = rows[first]  # (rows ascend) their attention to
        # the lines that end moves to the outside option
        shares = ps.shares[firms]
        ended = exits[firms]
        shares[:, model.slots] += np.where(ended, shares[:, : model.slots], 0.0).sum(axis=1)
        shares[:, : model.slots][ended] = 0.0
        ps.shares[firms] = shares


def recruit(model: ChannelModel) -> None:
    """Vendors sign new partner lines: replacements for lines that left (back toward the starting
    base, when ``replace_exits``) and ``recruit_per_month`` more.

    A recruit is a firm of the market that does not carry the vendor, has a free slot and has not
    dropped the vendor in the last ``partners.resign_cooloff_months``, courted in proportion to its
    capacity (channel teams look for reach). When no firm qualifies, a recruit beyond replacement
    is a new firm, whose other slots stay free for other vendors to fill; a replacement is one too
    when there is a cool-off (the firms that left will not come back soon), and otherwise waits
    for a slot to free.
    """
    ps = model.partners
    lines = np.bincount(ps.vendor[ps.active], minlength=model.n_vendors)
    gap = np.maximum(model.line_target - lines, 0) * (model.terms.replace_exits > 0.5)
    replacements = model.rng.poisson(gap / RECRUIT_LAG_MONTHS * model.dt)
    growth = model.rng.poisson(model.terms.recruit_per_month * model.dt)
    if replacements.sum() + growth.sum() == 0:
        return
    free = free_slots(model)
    cooloff = model.config.partners.resign_cooloff_months
    # Only firms with a free slot can sign; the firms a vendor may not court are listed as pairs
    # and struck out of the open ones vendor by vendor (the same eligible firms, in the same order).
    candidates = np.flatnonzero(free.any(axis=1))
    closed, bounds = _closed_to(model, candidates, cooloff)
    taken = np.zeros(len(candidates), dtype=bool)  # one new line per firm per step
    weight = ps.capacity[candidates]
    new_firms: list[int] = []
    picked_rows: list[np.ndarray] = []
    picked_slots: list[np.ndarray] = []
    picked_vendors: list[np.ndarray] = []
    signed = np.zeros(model.n_vendors, dtype=np.int64)
    for v in np.flatnonzero(replacements + growth):
        n = int(replacements[v] + growth[v])
        open_to = ~taken
        open_to[closed[bounds[v] : bounds[v + 1]]] = False
        eligible = np.flatnonzero(open_to)
        take = min(n, len(eligible))
        if take:
            chosen = eligible[weighted_sample(model.rng, weight[eligible], take)]
            rows = candidates[chosen]
            picked_rows.append(rows)
            picked_slots.append(np.argmax(free[rows], axis=1))
            picked_vendors.append(np.full(take, v, dtype=np.int64))
            taken[chosen] = True
        extra = n - take if cooloff > 0 else min(n - take, int(growth[v]))
        new_firms += [int(v)] * extra
        signed[v] = take + extra
    if picked_rows:  # all vendors' lines signed at once: one draw and one plan per step
        sign_lines(
            model,
            np.concatenate(picked_rows),
            np.concatenate(picked_slots),
            np.concatenate(picked_vendors),
        )
    model.ledger.add_vendor("recruits", np.repeat(np.arange(model.n_vendors), signed))
    if new_firms:
        add_firms(model, np.array(new_firms, dtype=np.int64))


def _closed_to(
    model: ChannelModel, candidates: np.ndarray, cooloff: float
) -> tuple[np.ndarray, np.ndarray]:
    """Which of ``candidates`` (firms, ascending) each vendor may not court: a vendor it carries, or
    one it dropped less than ``cooloff`` months ago. Positions in ``candidates`` grouped by vendor,
    and each vendor's bounds in them.

    Only these pairs are listed (a vendors x firms mask would cost vendors x firms every step).
    A pair may be listed twice (a carried vendor dropped earlier, or two drops in the log).
    """
    ps, drops = model.partners, model.drops
    position = np.full(ps.count, -1, dtype=np.int64)
    position[candidates] = np.arange(len(candidates))
    rows, slots = np.nonzero(ps.active[candidates])
    recent = (position[drops.firm] >= 0) & (model.month - drops.month < cooloff - 1e-9)
    where = np.concatenate([rows, position[drops.firm[recent]]])
    vendor = np.concatenate([ps.vendor[candidates[rows], slots], drops.vendor[recent]])
    groups = VendorGroups(vendor, model.n_vendors)
    return where[groups.order], groups.bounds


def _fresh_lines(model: ChannelModel, portfolios: np.ndarray):
    """New partner rows for ``portfolios``, signed now (a recruit's first line at recruit skill)."""
    return new_partners(
        model.rng,
        model.config.partners,
        portfolios,
        model.recruit_win_rate,
        model.terms_rate(model.announced),
        month=model.month,
        recruit=True,
    )


def free_slots(model: ChannelModel) -> np.ndarray:
    """Slots a firm can sign a new line in: not active, and with no open deal of the line that left
    (those deals still close through it)."""
    ps = model.partners
    busy = np.zeros(ps.vendor.size, dtype=bool)
    deals = model.deals
    involved = deals["partner"] >= 0
    busy[deals["partner"][involved] * model.slots + deals["slot"][involved]] = True
    return ~ps.active & ~busy.reshape(ps.vendor.shape)


def sign_lines(
    model: ChannelModel, rows: np.ndarray, slots: np.ndarray, vendors: np.ndarray
) -> None:
    """Existing firms ``rows`` (distinct) sign a line with ``vendors`` in their free ``slots``."""
    ps = model.partners
    used = np.isfinite(ps.joined[rows, slots])  # a slot signed before: keep its line's revenue
    retired = VendorGroups(ps.vendor[rows, slots][used], model.n_vendors)
    revenue = ps.revenue[rows, slots][used]
    for vendor in np.flatnonzero(retired.counts):
        model.retired_revenue[vendor].extend(revenue[retired.members(vendor)].tolist())
    fresh = _fresh_lines(model, np.asarray(vendors, dtype=np.int64)[:, None])
    flat = rows * model.slots + slots  # one flat index for every field (put is in C order)
    for name in LINK_FIELDS:
        getattr(ps, name).put(flat, getattr(fresh, name).reshape(-1))
    ps.invalidate_groups()
    # A plan depends only on its own row, so the rows are planned in ascending order (their
    # inputs are then read in sequence, not scattered over the population) and put back.
    order = np.argsort(rows)
    ascending = rows[order]
    planned = np.empty((len(rows), model.slots + 1))
    planned[order] = model.engine.allocate_attention(
        model, model.attention_inputs(ascending), initial=True, rows=ascending
    )
    share = np.maximum(planned[np.arange(len(rows)), slots], NEW_LINE_FOCUS)
    if kernels.compiled_for(ps.vendor.size):
        kernels.make_room(ps.shares, rows, slots, share)
    else:
        ps.shares[rows] *= (1.0 - share)[:, None]
        ps.shares[rows, slots] = share


def add_firms(model: ChannelModel, vendors: np.ndarray) -> None:
    """New firms join the market, each signed by one vendor (slot 0); their other slots are free."""
    recruits = _fresh_lines(model, np.repeat(vendors[:, None], model.slots, axis=1))
    recruits.active[:, 1:] = False
    recruits.joined[:, 1:] = np.nan
    first = model.partners.count
    model.partners.append(recruits)
    model.partner_agents += [Partner(model, i) for i in range(first, model.partners.count)]
    planned = model.engine.allocate_attention(
        model, model.attention_inputs(slice(first, None)), initial=True, start=first
    )
    # It signed up to sell the recruiting vendor's line: at least RECRUIT_FOCUS of its effort.
    focus = np.maximum(planned[:, 0], RECRUIT_FOCUS)
    rest = planned[:, 1:].sum(axis=1)
    scale = np.divide(1.0 - focus, rest, out=np.zeros_like(rest), where=rest > 0)
    planned[:, 1:] *= scale[:, None]
    planned[:, 0] = focus
    model.partners.shares[first:] = planned


def rebase_quota(model: ChannelModel) -> None:
    """Once a year (after months 12, 24, ...) quota moves ``quota_rebase`` of the way to the team's
    attainment; the quota in force is the comp plan's times that factor."""
    model.quota = model.terms.quota_per_rep_month * model.quota_factor
    rebase = model.terms.quota_rebase
    if not rebase.any() or model.clock < 0:
        return
    year, now = 12.0, model.month
    if not period_ends(now, now + model.dt, year):
        return
    credit = np.bincount(model.reps.vendor, model.reps.credit_rate, minlength=model.n_vendors)
    reps = np.maximum(np.bincount(model.reps.vendor, minlength=model.n_vendors), 1)
    attainment = credit / reps / model.quota
    model.quota_factor = model.quota_factor * (1.0 + rebase * (attainment - 1.0))
    model.quota = model.terms.quota_per_rep_month * model.quota_factor


__all__ = [
    "FULL_EXPOSURE_SHARE",
    "add_firms",
    "carrying_costs",
    "distrust_exits",
    "end_lines",
    "exposure",
    "free_slots",
    "lapsed_renewals",
    "learn_profit",
    "mdf_claims",
    "rebase_quota",
    "recruit",
    "sign_lines",
]
