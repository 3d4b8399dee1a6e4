"""``partner_attention: satisficing@1``: keep what is good enough, drop what disappoints."""

from __future__ import annotations

import numpy as np
from pydantic import Field

from sim.behaviours import Rule, RuleParams, register
from sim.behaviours.attention import AttentionInputs, step_fraction


class SatisficingParams(RuleParams):
    aspiration_profit: float = Field(
        0.02,
        ge=-1,
        le=1,
        description="Expected profit per deal worked, as a fraction of the mean deal value, that a "
        "vendor must reach to be good enough (default 0.02: 2% of deal value).",
    )
    aspiration_trust: float = Field(
        0.3, ge=0, le=1, description="Trust (0..1) a vendor must keep to be good enough."
    )
    exploration: float = Field(
        0.05,
        ge=0,
        le=1,
        description="Attention share (0..1) added to every good-enough option before normalising, "
        "so a neglected vendor can win attention back (default 0.05).",
    )
    adjustment: float = Field(
        0.2,
        gt=0,
        le=1,
        description="Fraction of the gap to the target allocation closed per month (default 0.2).",
    )


@register("partner_attention", "satisficing", version=1)
class Satisficing(Rule):
    """Partners keep their attention split among vendors that are good enough (profit and trust at or above an aspiration level) and move it away from vendors that fall short, toward their other good-enough options.

    Satisficing (Simon 1955, "A behavioral model of rational choice"): a partner does not re-optimise
    its business every month; it searches for alternatives only when a vendor disappoints. The target
    keeps each good-enough option's current share plus a little exploration, gives 0 to a vendor that
    falls short or has exited, and is approached at the adjustment rate. The outside option (the rest
    of the catalog) is always good enough.
    """

    Params = SatisficingParams
    params: SatisficingParams

    def good_enough(self, x: AttentionInputs) -> np.ndarray:
        """``(P, K + 1)``: each active vendor meeting both aspirations, and the outside option."""
        p = self.params
        vendors = x.active & (x.profit >= p.aspiration_profit) & (x.trust >= p.aspiration_trust)
        return np.column_stack([vendors, np.ones(len(vendors), dtype=bool)])

    def target(self, x: AttentionInputs, initial: bool = False) -> np.ndarray:
        """Current shares (uniform when planning from scratch) plus exploration, on good-enough
        options only, normalised."""
        ok = self.good_enough(x)
        base = np.ones(ok.shape) if initial else np.clip(x.shares, 0.0, None)
        weights = np.where(ok, base + self.params.exploration, 0.0)
        total = weights.sum(axis=1, keepdims=True)
        outside_only = np.zeros(ok.shape)
        outside_only[:, -1] = 1.0
        return np.where(total > 0, weights / np.where(total > 0, total, 1.0), outside_only)

    def allocate(self, x: AttentionInputs, initial: bool = False) -> np.ndarray:
        target = self.target(x, initial)
        if initial:
            return target
        move = step_fraction(self.params.adjustment, x.dt)
        return x.shares + move * (target - x.shares)
