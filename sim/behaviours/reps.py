"""Slot ``rep_engagement``: when direct reps bring partners into deals and when they contest them.

Protocol, in either form (a rule writes one or both; see :mod:`sim.behaviours.forms`). The population
form takes arrays with one entry per deal; the per-agent form, the same names ending in ``_one``,
takes one deal's plain floats and bools and returns one probability:

- ``cosell_probability(assisted_credit, direct_credit) -> p`` /
  ``cosell_probability_one(assisted_credit: float, direct_credit: float) -> float``: a rep brings a
  partner into a deal it found.
- ``contest_probability(direct_credit, sourced_credit, pressure, registered) -> p`` /
  ``contest_probability_one(direct_credit: float, sourced_credit: float, pressure: float,
  registered: bool) -> float``: a rep contests a partner-found deal ("takes it direct");
  ``pressure`` is the rep's quota pressure, 0..1.
- ``takeover_probability(registered) -> p`` / ``takeover_probability_one(registered: bool) ->
  float``: a contest ends with the rep owning the deal.

Rules return probabilities; the engine draws the outcomes from the model's generator.
"""

from __future__ import annotations

import math

import numpy as np
from pydantic import Field

from sim.behaviours.forms import elementwise, first
from sim.behaviours.registry import Rule, RuleParams, register


def logistic(x: np.ndarray) -> np.ndarray:
    """The logistic function ``1 / (1 + exp(-x))``."""
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


def logit(p: float) -> float:
    """The inverse of :func:`logistic`."""
    return float(np.log(p / (1.0 - p)))


def logistic_one(x: float) -> float:
    """The logistic function of one number, without overflow for large negative ``x``."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


class RepForms:
    """Adapter: each method of the rep protocol from its other form; the registry gives a rule the
    methods it lacks from here."""

    def cosell_probability(
        self, assisted_credit: np.ndarray, direct_credit: np.ndarray
    ) -> np.ndarray:
        return elementwise(self.cosell_probability_one, assisted_credit, direct_credit)

    def cosell_probability_one(self, assisted_credit: float, direct_credit: float) -> float:
        return first(
            self.cosell_probability(np.array([assisted_credit]), np.array([direct_credit]))
        )

    def contest_probability(
        self,
        direct_credit: np.ndarray,
        sourced_credit: np.ndarray,
        pressure: np.ndarray,
        registered: np.ndarray,
    ) -> np.ndarray:
        return elementwise(
            self.contest_probability_one, direct_credit, sourced_credit, pressure, registered
        )

    def contest_probability_one(
        self, direct_credit: float, sourced_credit: float, pressure: float, registered: bool
    ) -> float:
        return first(
            self.contest_probability(
                np.array([direct_credit]),
                np.array([sourced_credit]),
                np.array([pressure]),
                np.array([registered]),
            )
        )

    def takeover_probability(self, registered: np.ndarray) -> np.ndarray:
        return elementwise(self.takeover_probability_one, registered)

    def takeover_probability_one(self, registered: bool) -> float:
        return first(self.takeover_probability(np.array([registered])))


class CreditLogitParams(RuleParams):
    cosell_base: float = Field(
        0.5,
        gt=0,
        lt=1,
        description="Co-sell probability when assisted credit equals direct credit.",
    )
    cosell_credit_weight: float = Field(
        3.0, ge=0, description="Log-odds of co-selling per unit of (assisted - direct) credit."
    )
    contest_base: float = Field(
        0.05,
        gt=0,
        lt=1,
        description="Contest probability with equal credit, no quota pressure and no registration.",
    )
    contest_credit_weight: float = Field(
        2.0,
        ge=0,
        description="Log-odds of contesting per unit of (direct - partner-sourced) credit.",
    )
    contest_pressure_weight: float = Field(
        1.5, ge=0, description="Log-odds of contesting at full quota pressure (attainment 0)."
    )
    contest_registration_weight: float = Field(
        1.0, ge=0, description="Log-odds of contesting removed by deal registration."
    )
    takeover_registered: float = Field(
        0.25, ge=0, le=1, description="Probability a contest of a registered deal ends direct."
    )
    takeover_unregistered: float = Field(
        0.6, ge=0, le=1, description="Probability a contest of an unregistered deal ends direct."
    )


@register("rep_engagement", "credit-logit", version=1)
class CreditLogit(Rule):
    """Reps co-sell more when partner-assisted credit beats direct credit, and contest partner deals more when direct credit beats partner-sourced credit and their quota is far off, less under deal registration.

    Logistic choice in the credit gap: reps respond to how they are paid (agency theory of sales
    compensation, Basu et al. 1985); quota pressure (smoothed credit below quota) raises opportunism; registration
    protects the partner's claim.
    """

    Params = CreditLogitParams
    params: CreditLogitParams

    def cosell_probability(
        self, assisted_credit: np.ndarray, direct_credit: np.ndarray
    ) -> np.ndarray:
        p = self.params
        gap = np.asarray(assisted_credit, dtype=float) - np.asarray(direct_credit, dtype=float)
        return logistic(logit(p.cosell_base) + p.cosell_credit_weight * gap)

    def contest_probability(
        self,
        direct_credit: np.ndarray,
        sourced_credit: np.ndarray,
        pressure: np.ndarray,
        registered: np.ndarray,
    ) -> np.ndarray:
        p = self.params
        gap = np.asarray(direct_credit, dtype=float) - np.asarray(sourced_credit, dtype=float)
        return logistic(
            logit(p.contest_base)
            + p.contest_credit_weight * gap
            + p.contest_pressure_weight * np.asarray(pressure, dtype=float)
            - p.contest_registration_weight * np.asarray(registered, dtype=float)
        )

    def takeover_probability(self, registered: np.ndarray) -> np.ndarray:
        p = self.params
        return np.where(
            np.asarray(registered, dtype=bool), p.takeover_registered, p.takeover_unregistered
        )

    # ------------------------------------------------------------------ per-agent form
    def cosell_probability_one(self, assisted_credit: float, direct_credit: float) -> float:
        """One vendor-found deal: log-odds rise with assisted credit over direct credit."""
        p = self.params
        gap = assisted_credit - direct_credit
        return logistic_one(
            math.log(p.cosell_base / (1.0 - p.cosell_base)) + p.cosell_credit_weight * gap
        )

    def contest_probability_one(
        self, direct_credit: float, sourced_credit: float, pressure: float, registered: bool
    ) -> float:
        """One partner-found deal: log-odds rise with the credit gap and quota pressure, fall with
        deal registration."""
        p = self.params
        log_odds = math.log(p.contest_base / (1.0 - p.contest_base))
        log_odds += p.contest_credit_weight * (direct_credit - sourced_credit)
        log_odds += p.contest_pressure_weight * pressure
        if registered:
            log_odds -= p.contest_registration_weight
        return logistic_one(log_odds)

    def takeover_probability_one(self, registered: bool) -> float:
        """One contest: registration protects the partner's claim."""
        p = self.params
        return p.takeover_registered if registered else p.takeover_unregistered
