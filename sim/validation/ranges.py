"""Plausible ranges of the model parameters a validation draws from, and how a draw is applied.

Each :class:`Range` is a dotted key path in a resolved scenario document with bounds and the
reasoning behind them; :func:`apply_draw` sets one parameter set (and a fact's program level) in the
config documents of a fact's variants.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.validation.facts import Fact


@dataclass(frozen=True)
class Range:
    """A plausible range of one model parameter, with the reason for it.

    ``path`` is a dotted key path in a resolved scenario document (``behaviours.trust.gain_per_win``);
    with ``scale`` set the drawn value multiplies the scenario's own value instead of replacing it.
    """

    path: str
    low: float
    high: float
    reason: str
    scale: bool = False
    integer: bool = False


B = "behaviours."
RANGES: tuple[Range, ...] = (
    # Partner attention (softmax-utility@2).
    Range(B + "partner_attention.temperature", 0.4, 1.0,
          "softmax noise: partners from concentrated (0.4) to spread (1.0) effort; default 0.6"),
    Range(B + "partner_attention.inertia", 0.15, 0.40,
          "partners re-plan coverage over 1.5-4 months (half-life of a gap); default 0.25"),
    Range(B + "partner_attention.profit_weight", 0.8, 1.6,
          "attention proportional to profit ** (weight / temperature): an elasticity of 1.3 to 2.7 "
          "at the default temperature; default 1.2 (2.0)"),
    Range(B + "partner_attention.trust_weight", 1.2, 3.0,
          "trust as a driver of effort (Morgan and Hunt 1994): 0.1 of trust worth 20-50% more "
          "attention; default 2.0"),
    # Trust (asymmetric@2).
    Range(B + "trust.gain_per_win", 0.01, 0.03,
          "success builds trust slowly: 0.5x to 1.5x the default 0.02 per won deal"),
    Range(B + "trust.loss_per_lost_conflict", 0.06, 0.15,
          "a deal taken direct is the strongest breach: 3x to 15x a win (default 5x)"),
    Range(B + "trust.loss_per_late_invite", 0.05, 0.12,
          "late invitations erode trust 1.25x to 3x as fast as early ones build it (default 2x)"),
    Range(B + "trust.loss_per_surprise", 0.6, 1.5,
          "negativity bias 1.5x to 3.75x the favourable-surprise weight 0.4 (Slovic 1993)"),
    Range(B + "trust.surprise_scale", 1.0, 2.5,
          "an abrupt, unannounced 40% cut removes 11% to 26% of a fully exposed partner's trust; "
          "default 1.5 (16%)"),
    Range(B + "trust.surprise_exponent", 1.5, 3.0,
          "convexity of surprise in the monthly rate of change: a 9-month ramp is 1/3 to 1/81 of "
          "the abrupt surprise; default 2 (1/9)"),
    Range(B + "trust.notice_scale_months", 1.5, 6.0,
          "notice that removes 63% of a surprise: six weeks to half a year; default 3 months"),
    Range(B + "trust.communication_repair", 0.5, 2.0,
          "full communication speeds the repair of damaged trust by 1.5x to 3x; default 2x"),
    Range(B + "trust.recovery_per_month", 0.005, 0.02,
          "half-life of trust damage without news: 3 to 11.5 years; default 0.01 (5.8 years)"),
    Range(B + "trust.loss_profit_shortfall", 0.03, 0.08,
          "trust lost per month per unit of relative shortfall of terms; default 0.05"),
    Range(B + "trust.fair_stage", 0.4, 0.6,
          "the join stage that neither builds nor erodes trust: before or after mid-cycle"),
    # Reps (credit-logit@1) and deals (logistic-lift@2).
    Range(B + "rep_engagement.contest_base", 0.03, 0.08,
          "contest probability at equal credit, no pressure, unregistered; default 0.05"),
    Range(B + "rep_engagement.contest_credit_weight", 1.5, 3.0,
          "log-odds of a contest per unit of direct over partner-sourced credit; default 2"),
    Range(B + "rep_engagement.cosell_base", 0.35, 0.65,
          "share of their own deals reps co-sell at neutral credit; default 0.5"),
    Range(B + "deal_outcome.partner_lift", 0.8, 1.6,
          "log-odds a fully capable partner adds with full influence; default 1.2"),
    # Market and customer pull.
    Range("market.sales_cycle_months", 2.0, 5.0,
          "B2B mid-market sales cycles of one to two quarters"),
    Range("market.sales_cycle_shape", 2.0, 8.0,
          "gamma shape of the time to close: cycle lengths with a coefficient of variation of "
          "0.35 (8) to 0.71 (2); default 4 (0.5)"),
    Range("market.deal_size.spread", 0.6, 1.2,
          "log-s.d. of deal size: mean 1.2x to 2x the median (right-skewed B2B deals)"),
    Range("market.competitor_share", 0.2, 0.4,
          "share of demand won outside the modelled ecosystem at month 0; default 0.3"),
    Range("market.coverage_elasticity", 0.25, 0.5,
          "how much a vendor's reach moves its share of customers: doubling coverage brings "
          "19% to 41% more demand; default 0.35 (27%)"),
    Range("market.strength_pull", 1.0, 3.0,
          "customers' preference for a stronger product: 0.1 of strength worth 10% to 35% more "
          "attraction; default 2 (22%)"),
    # Partners: population, economics, exits.
    Range("partners.count", 0.75, 1.25,
          "partner density around the scenario's (x its own count); productivity depends on it",
          scale=True, integer=True),
    Range("partners.capacity.shape", 1.2, 1.8,
          "Pareto tail of partner capacity: the top 10% hold 68% (1.2) to 36% (1.8) of capacity, "
          "uncapped; the default 1.3 gives 59%"),
    Range("partners.services_attach", 0.15, 0.40,
          "services revenue per unit of product revenue attached by partners"),
    Range("partners.outside_margin", 0.20, 0.30,
          "margin on the rest of a partner's catalog, around the modelled vendors' 20% + 2%"),
    Range("partners.effort_cost_per_deal", 2000.0, 3000.0,
          "presales cost of working one deal: 3% to 5% of the mean deal; default 2,500"),
    Range("partners.carrying_cost_per_line_month", 700.0, 1400.0,
          "cost of carrying a line at full effort (certified staff, training); default 1,000"),
    Range("partners.exit_trust", 0.10, 0.20,
          "trust below which, held for exit_months, a partner leaves; default 0.15"),
    Range("partners.distrust_exit_elasticity", 3.0, 7.0,
          "how steeply distrust makes a partner drop an unprofitable line at renewal; default 5"),
    Range("partners.renewal_months", 9.0, 15.0,
          "months between renewals of a line's agreement (about a year); default 12"),
    Range("partners.resign_cooloff_months", 0.0, 24.0,
          "months before a vendor may sign again a firm that dropped it (and replaces it with a "
          "new firm meanwhile); default 0"),
)  # fmt: skip
"""The parameters a validation draws (Latin hypercube) and their plausible ranges."""


@dataclass(frozen=True)
class Draw:
    """One parameter set: values of :data:`RANGES` (by path) and a program level in [0, 1]."""

    index: int
    values: dict[str, float] = field(default_factory=dict)
    lever: float = 0.5


def apply_draw(documents: dict[str, dict[str, Any]], fact: Fact, draw: Draw | None) -> None:
    """Set ``draw``'s parameter values and the fact's program level in the documents (in place)."""
    if draw is None:
        return
    for spec in RANGES:
        value = draw.values[spec.path]
        for doc in documents.values():
            *parents, last = spec.path.split(".")
            node = doc
            for key in parents:
                node = node[key]
            new = node[last] * value if spec.scale else value
            node[last] = int(round(new)) if spec.integer else float(new)
    if fact.lever is not None:
        _, low, high, apply = fact.lever
        apply(documents, low + draw.lever * (high - low))


__all__ = ["RANGES", "Draw", "Range", "apply_draw"]
