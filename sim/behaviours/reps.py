"""Slot ``rep_engagement``: when direct reps bring partners into deals and when they contest them.

Protocol (arrays are per deal):

- ``cosell_probability(assisted_credit, direct_credit) -> p``: a rep brings a partner into a deal it
  found.
- ``contest_probability(direct_credit, sourced_credit, pressure, registered) -> p``: a rep contests a
  partner-found deal ("takes it direct").
- ``takeover_probability(registered) -> p``: a contest ends with the rep owning the deal.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from sim.behaviours.registry import Rule, RuleParams, register


def logistic(x: np.ndarray) -> np.ndarray:
    """The logistic function ``1 / (1 + exp(-x))``."""
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


def logit(p: float) -> float:
    """The inverse of :func:`logistic`."""
    return float(np.log(p / (1.0 - p)))


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
