"""Slot ``partner_attention``: how a partner splits its selling attention over vendors and the outside option.

Protocol, in either form (a rule writes one or both; see :mod:`sim.behaviours.forms`):

- population: ``allocate(x: AttentionInputs, initial: bool = False) -> shares``, a ``(P, K + 1)``
  array of attention shares (columns: the partner's ``K`` portfolio vendors, then the outside option,
  i.e. the rest of its catalog).
- per-agent: ``allocate_one(x: OnePartnerAttention, initial: bool = False) -> shares``, one
  partner's ``K + 1`` shares (an array or a list of floats).

Each row sums to 1; links that are not active get 0. With ``initial=True`` the rule returns the
partner's planned allocation with no inertia (used when a partner joins the population).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from pydantic import Field

from sim.behaviours.forms import batch_of, one_of
from sim.behaviours.registry import Rule, RuleParams, register


@dataclass(frozen=True)
class AttentionInputs:
    """What a partner knows when it plans its attention; arrays are ``(P, K)`` unless noted.

    Attributes:
        profit: expected partner profit per deal worked for the vendor, as a fraction of the mean
            deal value (learned win rate x (margin + rebate + services) + SPIFF, MDF share and effort
            cost per deal, each divided by the mean deal value).
        trust: trust in the vendor, 0..1.
        capability: capability to sell the vendor, 0..1.
        conflict: recent lost channel conflicts with the vendor's reps (decaying count).
        active: the link exists (not exited).
        outside_profit: expected profit per deal worked on the outside option, ``(P,)``.
        outside_trust: trust in the outside option (the partner's established lines), scalar.
        outside_capability: capability on the outside option: a scalar, or ``(P,)`` (version 2
            of the inputs gives each partner its own mean skill).
        shares: current shares ``(P, K + 1)``.
        dt: step length in months.
    """

    profit: np.ndarray
    trust: np.ndarray
    capability: np.ndarray
    conflict: np.ndarray
    active: np.ndarray
    outside_profit: np.ndarray
    outside_trust: float
    outside_capability: float | np.ndarray
    shares: np.ndarray
    dt: float

    def partner(self, i: int) -> OnePartnerAttention:
        """The inputs of partner row ``i`` alone."""
        return one_of(self, i, OnePartnerAttention)


@dataclass(frozen=True)
class OnePartnerAttention:
    """What one partner knows when it plans its attention: ``K`` entries per portfolio vendor.

    Attributes:
        profit: expected profit per deal worked for each vendor, a fraction of the mean deal value.
        trust: trust in each vendor, 0..1.
        capability: capability to sell each vendor, 0..1.
        conflict: recent lost channel conflicts with each vendor's reps (decaying count).
        active: whether each link exists (not exited).
        outside_profit: expected profit per deal worked on the outside option.
        outside_trust: trust in the outside option.
        outside_capability: capability on the outside option.
        shares: current shares, ``K + 1`` entries (the vendors, then the outside option).
        dt: step length in months.
    """

    profit: np.ndarray
    trust: np.ndarray
    capability: np.ndarray
    conflict: np.ndarray
    active: np.ndarray
    outside_profit: float
    outside_trust: float
    outside_capability: float
    shares: np.ndarray
    dt: float


class AttentionForms:
    """Adapter: ``allocate`` from ``allocate_one`` (row by row) and ``allocate_one`` from
    ``allocate`` (on one row); the registry gives a rule that lacks one of them this one."""

    def allocate(self, x: AttentionInputs, initial: bool = False) -> np.ndarray:
        rows = [
            np.asarray(self.allocate_one(x.partner(i), initial), dtype=float)
            for i in range(len(x.active))
        ]
        return np.stack(rows) if rows else np.empty_like(x.shares, dtype=float)

    def allocate_one(self, x: OnePartnerAttention, initial: bool = False) -> np.ndarray:
        batch = batch_of(x, AttentionInputs, shared=("outside_trust", "outside_capability", "dt"))
        return np.asarray(self.allocate(batch, initial))[0]


def softmax_rows(utility: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Row-wise softmax of ``utility`` over entries where ``mask`` is true; others get 0."""
    everywhere = bool(mask.all())
    masked = utility if everywhere else np.where(mask, utility, -np.inf)
    peak = masked.max(axis=1, keepdims=True)
    weights = np.exp(masked - peak)
    # exp(-inf - peak) is already 0 where masked out, unless a row's peak is not finite.
    if not (everywhere or np.isfinite(peak).all()):
        weights = np.where(mask, weights, 0.0)
    return weights / weights.sum(axis=1, keepdims=True)


def step_fraction(rate_per_month: float, dt: float) -> float:
    """Fraction of a gap closed in one step of ``dt`` months at ``rate_per_month`` (compounded)."""
    return 1.0 - (1.0 - rate_per_month) ** dt


class SoftmaxUtilityParams(RuleParams):
    temperature: float = Field(
        0.6, gt=0, le=100, description="Softmax temperature, utility units; lower = sharper choice."
    )
    inertia: float = Field(
        0.25,
        gt=0,
        le=1,
        description="Fraction of the gap to the target allocation closed per month.",
    )
    profit_weight: float = Field(
        15.0,
        ge=0,
        description="Utility per unit of expected profit per deal, as a fraction of the mean deal "
        "value (15: 6.7% of deal value = 1 utility unit).",
    )
    trust_weight: float = Field(2.0, ge=0, description="Utility per unit of trust (0..1).")
    capability_weight: float = Field(
        1.0, ge=0, description="Utility per unit of capability (0..1)."
    )
    conflict_weight: float = Field(
        0.5, ge=0, description="Utility lost per recent lost conflict (decaying count)."
    )


@register("partner_attention", "softmax-utility", version=1)
class SoftmaxUtility(Rule):
    """Partners aim their attention by a softmax over the utility of each vendor and the outside option, and move a fixed fraction of the way there each month.

    Utility = profit_weight x expected profit per deal + trust_weight x trust + capability_weight x
    capability - conflict_weight x recent conflicts. The softmax is the standard logit choice model
    of discrete-choice theory (McFadden 1974); partial adjustment toward the target (inertia)
    reflects that partners re-plan their business slowly (sales coverage, staff, marketing plans).
    """

    Params = SoftmaxUtilityParams
    params: SoftmaxUtilityParams

    def utility(self, x: AttentionInputs) -> np.ndarray:
        """Utility of each portfolio vendor and of the outside option, ``(P, K + 1)``."""
        p = self.params
        vendors = (
            p.profit_weight * self.profit_value(x.profit)
            + p.trust_weight * x.trust
            + p.capability_weight * x.capability
            - p.conflict_weight * x.conflict
        )
        outside = (
            p.profit_weight * self.profit_value(x.outside_profit)
            + p.trust_weight * x.outside_trust
            + p.capability_weight * x.outside_capability
        )
        return np.column_stack([vendors, outside])

    def target(self, x: AttentionInputs) -> np.ndarray:
        """The allocation a partner would choose with no inertia."""
        mask = np.column_stack([x.active, np.ones(len(x.active), dtype=bool)])
        return softmax_rows(self.utility(x) / self.params.temperature, mask)

    def allocate(self, x: AttentionInputs, initial: bool = False) -> np.ndarray:
        target = self.target(x)
        if initial:
            return target
        move = step_fraction(self.params.inertia, x.dt)
        return x.shares + move * (target - x.shares)

    def profit_value(self, profit):
        """What expected profit per deal is worth in the utility: the profit itself."""
        return profit

    def score_one(self, profit: float, trust: float, capability: float, conflict: float) -> float:
        """The utility of one line (or of the outside option, with no conflict)."""
        p = self.params
        return (
            p.profit_weight * self.profit_value(profit)
            + p.trust_weight * trust
            + p.capability_weight * capability
            - p.conflict_weight * conflict
        )

    def allocate_one(self, x: OnePartnerAttention, initial: bool = False) -> np.ndarray:
        """One partner: the same rule written for a single partner, vendor by vendor."""
        p = self.params
        utilities = [
            self.score_one(x.profit[k], x.trust[k], x.capability[k], x.conflict[k])
            for k in range(len(x.profit))
        ]
        utilities.append(
            self.score_one(x.outside_profit, x.outside_trust, x.outside_capability, 0.0)
        )
        # The outside option is always open; an exited link gets no attention.
        open_ = [bool(a) for a in x.active] + [True]
        scaled = [u / p.temperature for u in utilities]
        peak = max(s for s, is_open in zip(scaled, open_, strict=True) if is_open)
        weights = [
            math.exp(s - peak) if is_open else 0.0 for s, is_open in zip(scaled, open_, strict=True)
        ]
        total = sum(weights)
        target = [w / total for w in weights]
        if initial:
            return np.array(target)
        move = step_fraction(p.inertia, x.dt)
        return np.array([s + move * (t - s) for s, t in zip(x.shares, target, strict=True)])


class LogProfitParams(SoftmaxUtilityParams):
    profit_weight: float = Field(
        1.2,
        ge=0,
        le=20,
        description="Utility per unit of log expected profit per deal: with temperature 0.6, a line "
        "paying twice the profit per deal gets 2 ** (1.2 / 0.6) = 4 times the attention, other "
        "things equal.",
    )
    profit_floor: float = Field(
        0.001,
        gt=0,
        le=1,
        description="Expected profit per deal (fraction of the mean deal) below which a line counts "
        "as paying this little: a line that does not pay is all but ignored.",
    )


@register("partner_attention", "softmax-utility", version=2)
class LogProfitUtility(SoftmaxUtility):
    """Partners aim their attention by a softmax whose profit term is the log of expected profit per deal, so attention is proportional to a power of profit: a line that barely pays is ignored, and a rise of a well-paid line's margin buys less attention than the same rise of a poorly paid one.

    Version 1's utility was linear in profit, so attention grew exponentially with margin and a
    vendor's revenue kept rising with its margin up to 40%. Taking the log makes attention a
    constant-elasticity function of profit (the attraction form of market-share models: Cooper and
    Nakanishi 1988): shares respond to profit in proportion, not in absolute points.
    """

    Params = LogProfitParams
    params: LogProfitParams

    def profit_value(self, profit):
        """The log of expected profit per deal, floored at ``profit_floor``."""
        if isinstance(profit, np.ndarray):
            return np.log(np.maximum(profit, self.params.profit_floor))
        return math.log(max(profit, self.params.profit_floor))
