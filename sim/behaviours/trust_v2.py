"""Slot ``trust``, version 2 of ``asymmetric``: surprises scaled by the partner's stake, and
communication that repairs damage instead of raising trust without news.

Version 1 gave every link a share ``gain_communication * communication`` of its gap to full trust
each month whatever happened, so an ecosystem with nothing going on drifted toward
``recovery / (recovery + gain)`` above its anchor (0.667 at the defaults from 0.5). Version 2 keeps
every event term of version 1 and changes two things:

- **Communication repairs.** It no longer closes a gap to 1; it speeds the recovery of trust that
  has fallen below its anchor: the recovery rate is ``recovery_per_month * (1 + communication_repair
  * communication)`` below the anchor and ``recovery_per_month`` above it. With no news trust stays
  where it is anchored; after damage, a vendor that keeps partners informed regains trust faster
  (the seed articles: over-communicate in times of stress; a communication gap lets trust erode).
- **Surprises scale with exposure.** A programme surprise reaches a link in proportion to
  ``exposure`` (:class:`~sim.behaviours.trust.TrustSignals`): a partner that sells the vendor a
  little is barely touched by its margin cut; one that depends on it feels all of it.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from sim.behaviours.registry import register
from sim.behaviours.trust import AsymmetricTrust, OneLinkTrust, TrustParams, TrustSignals


class RepairingTrustParams(TrustParams):
    communication_repair: float = Field(
        1.0,
        ge=0,
        le=20,
        description="Extra speed of recovery below the anchor per unit of communication (0..1): 1 "
        "= full communication doubles it.",
    )


@register("trust", "asymmetric", version=2)
class RepairingTrust(AsymmetricTrust):
    """Trust rises slowly with wins and early engagement and falls about twice as fast with lost conflicts, late engagement, profit shortfalls and programme surprises scaled by the partner's stake; it recovers slowly toward its anchor, faster when the vendor communicates.

    The event terms are version 1's (negativity bias: Slovic 1993; loss aversion: Kahneman and
    Tversky 1979); communication no longer raises trust on its own but speeds the repair of damage,
    and a surprise is felt in proportion to the partner's exposure to the vendor.
    """

    Params = RepairingTrustParams
    params: RepairingTrustParams

    def update(self, trust: np.ndarray, s: TrustSignals) -> np.ndarray:
        exposure = np.asarray(s.exposure, dtype=float)
        new = self._blend(trust, s, 1.0, s.surprise_gain * exposure, s.surprise_loss * exposure)
        p = self.params
        below = new < s.anchor
        rate = p.recovery_per_month * (
            1.0 + np.where(below, p.communication_repair * np.asarray(s.communication), 0.0)
        )
        recovery = 1.0 - (1.0 - np.minimum(rate, 1.0)) ** s.dt
        return np.clip(new + recovery * (s.anchor - new), 0.0, 1.0)

    def update_one(self, trust: float, s: OneLinkTrust) -> float:
        """One link: news as in version 1 with the surprises scaled by its exposure, then repair."""
        p = self.params
        new = self._blend_one(
            trust, s, 1.0, s.surprise_gain * s.exposure, s.surprise_loss * s.exposure
        )
        rate = p.recovery_per_month
        if new < s.anchor:
            rate *= 1.0 + p.communication_repair * s.communication
        recovery = 1.0 - (1.0 - min(rate, 1.0)) ** s.dt
        return min(max(new + recovery * (s.anchor - new), 0.0), 1.0)


__all__ = ["RepairingTrust", "RepairingTrustParams"]
