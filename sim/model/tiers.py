"""Partner tiers: lines placed by their trailing revenue (and skill) at each review, and what a tier
gives them.

A vendor's ``program.tiers`` lists tiers lowest first. Every ``program.tier_review_months`` (reviews
at multiples of it from month 0, the spin-up included) each active line takes the highest tier
whose ``min_revenue`` its trailing channel revenue per year reaches (the smoothed monthly rate of
:func:`sim.model.partnerships.learn_profit` times 12) and whose ``min_capability`` its capability
reaches; a line that reaches none is untiered (``tier = -1``). A tier's benefits:

- ``margin_uplift``: front margin added to the programme's on the line's deals (paid at close,
  counted in the line's terms, attention and expectations);
- ``mdf_accrual``: MDF accrued on the line's channel revenue and claimed like the programme's MDF;
- ``co_sell_priority``: the weight of the line when a rep picks a partner for a deal the vendor
  found (untiered lines weigh 1).

A demotion takes benefits away at once: the partner feels it as an unannounced programme cut of
the size of the terms it loses (trust rule's surprise, no ramp, no notice). Functions of the
model's state like :mod:`sim.model.rebates`; without tiers nothing here is computed. The equations
are in ``docs/model.md`` (section 7.15).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model.events import REFERENCE, Change, VendorTerms, period_ends, tier_key_path
from sim.scenario.schema import MAX_TIERS, ScenarioConfig

if TYPE_CHECKING:
    from sim.model.channel_model import ChannelModel

UNTIERED = -1
"""``PartnerState.tier`` of a line in no tier."""
MONTHS_PER_YEAR = 12.0


def offered(config: ScenarioConfig) -> bool:
    """Whether any vendor of the scenario has partner tiers."""
    return any(v.program.tiers for v in config.vendors)


def positions(terms: VendorTerms) -> int:
    """Number of tier positions in the schedule (the most tiers any vendor has)."""
    return sum(
        1
        for path in terms.paths()
        if path.startswith("program.tiers.") and path.endswith(".min_revenue")
    )


def table(terms: VendorTerms, key: str) -> np.ndarray:
    """``(V, T + 1)`` values of a tier key per vendor and position, with the untiered column last
    (so ``table[v, tier]`` reads an untiered line's ``tier = -1`` as no tier)."""
    columns = [terms[tier_key_path(k, key)] for k in range(positions(terms))]
    base = {"co_sell_priority": 1.0, "min_revenue": 0.0, "min_capability": 0.0}.get(key, 0.0)
    return np.column_stack([*columns, np.full(len(terms.margin), base)])


def benefit(model: ChannelModel, terms: VendorTerms, key: str) -> np.ndarray:
    """``(P, K)`` value of a tier key for each line's vendor and current tier."""
    ps = model.partners
    return table(terms, key)[ps.vendor, ps.tier]


def margin_uplift(model: ChannelModel, terms: VendorTerms) -> np.ndarray | float:
    """The front margin each line's tier adds (0.0 without tiers)."""
    if not model.tiered:
        return 0.0
    return benefit(model, terms, "margin_uplift")


def deal_uplift(model: ChannelModel, partner: np.ndarray, slot: np.ndarray) -> np.ndarray | float:
    """Margin uplift of each closing deal: its line's tier now (0 for a deal with no partner)."""
    if not model.tiered:
        return 0.0
    uplift = margin_uplift(model, model.terms)
    return np.where(partner >= 0, uplift[np.maximum(partner, 0), np.maximum(slot, 0)], 0.0)


def accrued_mdf(model: ChannelModel) -> np.ndarray | float:
    """MDF per month each line accrues from its tier on this step's channel revenue."""
    if not model.tiered:
        return 0.0
    return benefit(model, model.terms, "mdf_accrual") * step_revenue(model) / model.dt


def step_revenue(model: ChannelModel) -> np.ndarray:
    """Each line's channel revenue this step; 0 for firms that joined after the ledger opened (in
    phase 8, when phase 9 reads it)."""
    revenue = model.ledger.link("revenue")
    joined = model.partners.count - revenue.shape[0]
    return np.pad(revenue, ((0, joined), (0, 0))) if joined else revenue


def pick_weights(model: ChannelModel, weights: np.ndarray) -> np.ndarray:
    """A rep's weights for picking a partner line: coverage times the line's co-sell priority."""
    if not model.tiered:
        return weights
    return weights * benefit(model, model.terms, "co_sell_priority").reshape(-1)


def reset_surprise(model: ChannelModel) -> None:
    """Phase 1: no programme surprise yet this step, per vendor and (with tiers) per line."""
    model.surprise_loss = np.zeros(model.n_vendors)
    model.surprise_gain = np.zeros(model.n_vendors)
    if model.tiered:
        model.tier_surprise = {
            "loss": np.zeros(model.partners.vendor.shape),
            "gain": np.zeros(model.partners.vendor.shape),
        }


def feel(model: ChannelModel, change: Change, amount: float) -> None:
    """Phase 1: a programme change's surprise this step. A change of one tier's key reaches the
    active lines in that tier; any other change reaches all of its vendor's lines."""
    side = "gain" if change.favourable > 0 else "loss"
    parts = change.path.split(".")
    if parts[:2] != ["program", "tiers"]:
        getattr(model, f"surprise_{side}")[change.vendor] += amount
        return
    ps = model.partners
    lines = ps.active & (ps.vendor == change.vendor) & (ps.tier == int(parts[2]))
    model.tier_surprise[side] += np.where(lines, amount, 0.0)


def line_surprise(model: ChannelModel, side: str) -> np.ndarray:
    """Each line's programme surprise (``side`` "loss" or "gain") this step: its vendor's, plus,
    with tiers, its tier's changes (phase 1) and its demotion (phase 7)."""
    vendor = getattr(model, f"surprise_{side}")[model.partners.vendor]
    return vendor + model.tier_surprise[side] if model.tiered else vendor


def review(model: ChannelModel) -> None:
    """Phase 7, at a vendor's review: place its active lines in tiers and count the moves.

    A demoted line's partner loses ``margin_uplift + mdf_accrual`` per unit of deal value at once:
    a programme surprise of relative size ``lost / max(terms it had, 0.20)`` (as a margin cut of
    that size, :class:`sim.model.events.Change`), with no notice. Promotions and demotions go to the
    ledger per vendor.
    """
    if not model.tiered:
        return
    ps, terms = model.partners, model.terms
    reviewed = period_ends(model.month, model.month + model.dt, terms.tier_review_months)
    lines = reviewed[ps.vendor] & ps.active
    if not lines.any():
        return
    v, annual = ps.vendor[lines], ps.revenue_rate[lines] * MONTHS_PER_YEAR
    capability = ps.capability[lines]
    count = positions(terms)
    reach = (annual[:, None] >= table(terms, "min_revenue")[v, :count]) & (
        capability[:, None] >= table(terms, "min_capability")[v, :count]
    )
    # the highest position reached; -1 (untiered) when none is
    new = np.where(reach.any(axis=1), count - 1 - np.argmax(reach[:, ::-1], axis=1), UNTIERED)
    old = ps.tier[lines]
    worth = table(terms, "margin_uplift") + table(terms, "mdf_accrual")
    lost = np.maximum(worth[v, old] - worth[v, new], 0.0)
    had = model.line_terms(terms)[lines]
    size = lost / np.maximum(had, REFERENCE["program.margin"])
    down = new < old
    if down.any():
        shock = model.trust_rule.surprise(
            size[down],
            np.zeros(down.sum()),
            np.zeros(down.sum()),
            terms.communication[v[down]],
        )
        rows, slots = np.nonzero(lines)
        model.tier_surprise["loss"][rows[down], slots[down]] += shock
    model.ledger.add_vendor("tier_promotions", v[new > old])
    model.ledger.add_vendor("tier_demotions", v[down])
    ps.tier[lines] = new


def step_metrics(model: ChannelModel) -> dict[str, np.ndarray]:
    """Phase 9's tier metrics per vendor: lines (NaN where the vendor has no such tier) and channel
    revenue (0 there) in each tier position, promotions and demotions, and what the tiers' benefits
    cost the vendor this step (margin uplift paid and MDF accrued)."""
    n, ledger = model.n_vendors, model.ledger
    out = {
        "tier_promotions": ledger.flow("tier_promotions"),
        "tier_demotions": ledger.flow("tier_demotions"),
        "tier_benefits": ledger.flow("tier_margin_uplift").copy(),
    }
    has = np.array([len(v.program.tiers) for v in model.config.vendors])[:, None] > np.arange(
        MAX_TIERS
    )
    lines = np.full((n, MAX_TIERS), np.nan)
    revenue = np.zeros((n, MAX_TIERS))  # a flow always has a value: 0 for a tier it lacks
    if model.tiered:
        ps = model.partners
        tiered = ps.active & (ps.tier >= 0)
        flat = ps.vendor[tiered] * MAX_TIERS + ps.tier[tiered]
        counts = np.bincount(flat, minlength=n * MAX_TIERS).reshape(n, MAX_TIERS)
        booked = step_revenue(model)[tiered]
        sums = np.bincount(flat, booked, minlength=n * MAX_TIERS).reshape(n, MAX_TIERS)
        lines = np.where(has, counts, np.nan)
        revenue = np.where(has, sums, 0.0)
        accrued = np.where(ps.active, accrued_mdf(model), 0.0) * model.dt
        out["tier_benefits"] += np.bincount(ps.vendor.reshape(-1), accrued.reshape(-1), minlength=n)
    for k in range(MAX_TIERS):
        out[f"tier_{k + 1}_lines"] = lines[:, k]
        out[f"tier_{k + 1}_revenue"] = revenue[:, k]
    return out


__all__ = [
    "UNTIERED",
    "accrued_mdf",
    "deal_uplift",
    "margin_uplift",
    "offered",
    "pick_weights",
    "review",
    "step_metrics",
    "feel",
    "line_surprise",
    "reset_surprise",
    "table",
]
