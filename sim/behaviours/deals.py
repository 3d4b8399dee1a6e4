"""Slot ``deal_outcome``: the probability that an open deal closes won.

Protocol, in either form (a rule writes one or both; see :mod:`sim.behaviours.forms`):

- population: ``win_probability(x: DealInputs) -> p`` per closing deal, and ``services_share(x)``:
  the share of the full services attach a partner gets on the deal (a partner who joins late
  attaches less);
- per-agent: ``win_probability_one(deal: OneDeal) -> float`` and ``services_share_one(deal:
  OneDeal) -> float`` for one deal.

Rules return probabilities; the engine draws the outcomes from the model's generator.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from pydantic import Field

from sim.behaviours.forms import batch_of, first, one_of
from sim.behaviours.registry import Rule, RuleParams, register
from sim.behaviours.reps import logistic, logistic_one, logit


@dataclass(frozen=True)
class DealInputs:
    """Closing deals, one entry each.

    Attributes:
        strength: the vendor's product strength, 0..1.
        partner_capability: capability of the partner on the deal (0 if none).
        influence: the partner's influence on the deal, 0..1: 1 if it found the deal, ``1 - stage``
            if it joined a vendor deal at ``stage``, 0 without a partner.
        has_rep: a direct rep works the deal.
        disputed: a rep contested the deal.
    """

    strength: np.ndarray
    partner_capability: np.ndarray
    influence: np.ndarray
    has_rep: np.ndarray
    disputed: np.ndarray

    def deal(self, j: int) -> OneDeal:
        """The inputs of deal ``j`` alone."""
        return one_of(self, j, OneDeal)


@dataclass(frozen=True)
class OneDeal:
    """One closing deal, plain values (see :class:`DealInputs`): the vendor's product
    ``strength``, the ``partner_capability`` and its ``influence`` (0..1, 0 without a partner),
    whether a rep works it (``has_rep``) and whether it was ``disputed``."""

    strength: float
    partner_capability: float
    influence: float
    has_rep: bool
    disputed: bool


class DealForms:
    """Adapter: each method of the deal protocol from its other form; the registry gives a rule the
    methods it lacks from here."""

    def win_probability(self, x: DealInputs) -> np.ndarray:
        n = len(np.atleast_1d(x.strength))
        return np.array([self.win_probability_one(x.deal(j)) for j in range(n)], dtype=float)

    def win_probability_one(self, deal: OneDeal) -> float:
        return first(self.win_probability(batch_of(deal, DealInputs, shared=())))

    def services_share(self, x: DealInputs) -> np.ndarray:
        n = len(np.atleast_1d(x.strength))
        return np.array([self.services_share_one(x.deal(j)) for j in range(n)], dtype=float)

    def services_share_one(self, deal: OneDeal) -> float:
        return first(self.services_share(batch_of(deal, DealInputs, shared=())))


class LogisticLiftParams(RuleParams):
    base_win: float = Field(
        0.25,
        gt=0,
        lt=1,
        description="Win probability at product strength 0.5 with no partner, no rep and no dispute.",
    )
    strength_weight: float = Field(2.0, ge=0, description="Log-odds per unit of product strength.")
    partner_lift: float = Field(
        1.2, ge=0, description="Log-odds added by a fully capable partner with full influence."
    )
    rep_lift: float = Field(0.2, ge=0, description="Log-odds added by a direct rep on the deal.")
    dispute_penalty: float = Field(
        0.5, ge=0, description="Log-odds lost when the deal was contested (customer confusion)."
    )


@register("deal_outcome", "logistic-lift", version=1)
class LogisticLift(Rule):
    """A deal's log-odds of winning rise with product strength, with the partner's capability times its influence (1 minus the stage at which it joined), and with a rep, and fall when the deal was contested.

    Early partner involvement shapes requirements and adds more than a late order-taker (solution
    selling practice); a contested deal confuses the customer and loses some win probability.
    """

    Params = LogisticLiftParams
    params: LogisticLiftParams

    def win_probability(self, x: DealInputs) -> np.ndarray:
        p = self.params
        score = (
            logit(p.base_win)
            + p.strength_weight * (np.asarray(x.strength) - 0.5)
            + p.partner_lift * np.asarray(x.partner_capability) * np.asarray(x.influence)
            + p.rep_lift * np.asarray(x.has_rep, dtype=float)
            - p.dispute_penalty * np.asarray(x.disputed, dtype=float)
        )
        return logistic(score)

    def services_share(self, x: DealInputs) -> np.ndarray:
        """A partner attaches services in proportion to its influence on the deal."""
        return np.asarray(x.influence, dtype=float)

    # ------------------------------------------------------------------ per-agent form
    def win_probability_one(self, deal: OneDeal) -> float:
        """One deal: the same log-odds, term by term."""
        p = self.params
        log_odds = math.log(p.base_win / (1.0 - p.base_win))
        log_odds += p.strength_weight * (deal.strength - 0.5)
        log_odds += p.partner_lift * deal.partner_capability * deal.influence
        if deal.has_rep:
            log_odds += p.rep_lift
        if deal.disputed:
            log_odds -= p.dispute_penalty
        return logistic_one(log_odds)

    def services_share_one(self, deal: OneDeal) -> float:
        """A partner attaches services in proportion to its influence on the deal."""
        return deal.influence


class LogisticLift2Params(LogisticLiftParams):
    base_win: float = Field(
        0.15,
        gt=0,
        lt=1,
        description="Win probability at product strength 0.5 with no partner, no rep and no dispute.",
    )


@register("deal_outcome", "logistic-lift", version=2)
class LogisticLift2(LogisticLift):
    """Version 1's log-odds with a base win rate of 0.15, so a vendor's closed deals are won 20-35% of the time once partners are skilled.

    Version 1's base of 0.25 gave won/closed rates of 0.4-0.45 in the settled ecosystem; typical B2B
    win rates over qualified opportunities are 15-35% (docs/model.md, pattern P6).
    """

    Params = LogisticLift2Params
    params: LogisticLift2Params
