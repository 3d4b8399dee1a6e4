"""``trust: forgiving@1``: gains and losses weigh the same, and bad experiences are partly forgiven."""

from __future__ import annotations

import numpy as np
from pydantic import Field

from sim.behaviours import Rule, RuleParams, register
from sim.behaviours.trust import TrustSignals


class ForgivingTrustParams(RuleParams):
    gain_per_win: float = Field(
        0.02, ge=0, le=1, description="Share of the gap to 1 closed per won deal (default 0.02)."
    )
    loss_per_lost_conflict: float = Field(
        0.05,
        ge=0,
        le=1,
        description="Share of trust lost per deal a rep took direct, before forgiveness (default "
        "0.05: the same weight as a win, no negativity bias).",
    )
    loss_per_contest: float = Field(
        0.02,
        ge=0,
        le=1,
        description="Share of trust lost per contested deal the partner kept, before forgiveness.",
    )
    forgiveness: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Share of each conflict's loss forgiven at once (0 = none, 1 = all; default 0.5).",
    )
    gain_communication: float = Field(
        0.01, ge=0, le=1, description="Share of the gap to 1 closed per month at communication 1."
    )
    loss_profit_shortfall: float = Field(
        0.05,
        ge=0,
        le=1,
        description="Share of trust lost per month per unit of relative profit shortfall.",
    )
    surprise_scale: float = Field(
        1.5, ge=0, description="Surprise of a full (100%) relative change made within one month."
    )
    notice_scale_months: float = Field(
        3.0, gt=0, description="Months of notice that remove 63% (1 - 1/e) of a change's surprise."
    )
    loss_per_surprise: float = Field(
        0.5,
        ge=0,
        le=10,
        description="Unfavourable surprise S keeps a share exp(-loss_per_surprise * S) of trust.",
    )
    gain_per_surprise: float = Field(
        0.5,
        ge=0,
        le=10,
        description="Favourable surprise S closes a share 1 - exp(-gain_per_surprise * S) of the "
        "gap to 1.",
    )
    recovery_per_month: float = Field(
        0.05,
        ge=0,
        le=1,
        description="Share of the gap to the anchor closed per month (default 0.05: five times the "
        "built-in asymmetric rule, so damage fades within about two years).",
    )


@register("trust", "forgiving", version=1)
class ForgivingTrust(Rule):
    """Trust gains and losses weigh the same, part of every conflict's loss is forgiven at once, and trust returns to its anchor five times as fast as under asymmetric@1: the counterpoint to negativity bias.

    A test of how much the model's stylized facts owe to the negativity bias of asymmetric@1:
    forgiving strategies such as generous tit-for-tat sustain cooperation in repeated games with
    noise (Axelrod 1984, "The Evolution of Cooperation"; Nowak and Sigmund 1992). Gains close a share
    of the gap to 1 and losses remove a share of trust, so trust stays in [0, 1]. Co-sell invitations
    are ignored. The surprise of a program change is convex in its monthly rate (squared) and
    notice softens it, as in asymmetric@1, without a communication term.
    """

    Params = ForgivingTrustParams
    params: ForgivingTrustParams

    def surprise(
        self,
        relative_change: np.ndarray,
        duration_months: np.ndarray,
        notice_months: np.ndarray,
        communication: np.ndarray,
    ) -> np.ndarray:
        """``scale * (rel / M) ** 2 * M * exp(-notice / notice_scale)``, ``M = max(duration, 1)``."""
        p = self.params
        months = np.maximum(np.asarray(duration_months, dtype=float), 1.0)
        rate = np.abs(np.asarray(relative_change, dtype=float)) / months
        notice = np.exp(-np.asarray(notice_months, dtype=float) / p.notice_scale_months)
        return p.surprise_scale * rate**2 * months * notice

    def update(self, trust: np.ndarray, s: TrustSignals) -> np.ndarray:
        p = self.params
        kept = 1.0 - p.forgiveness
        gain = 1.0 - (
            (1.0 - p.gain_per_win) ** s.wins
            * (1.0 - p.gain_communication * s.communication) ** s.dt
            * np.exp(-p.gain_per_surprise * s.surprise_gain)
        )
        keep = (
            (1.0 - p.loss_per_lost_conflict * kept) ** s.conflicts_lost
            * (1.0 - p.loss_per_contest * kept) ** s.conflicts_kept
            * (1.0 - np.minimum(p.loss_profit_shortfall * s.profit_shortfall, 1.0)) ** s.dt
            * np.exp(-p.loss_per_surprise * s.surprise_loss)
        )
        new = trust * keep + (1.0 - trust) * gain
        recovery = 1.0 - (1.0 - p.recovery_per_month) ** s.dt
        return np.clip(new + recovery * (s.anchor - new), 0.0, 1.0)
