"""Slot ``trust``: how a partner's trust in a vendor moves with its experiences.

Protocol, in either form (a rule writes one or both; see :mod:`sim.behaviours.forms`):

- ``surprise(relative_change, duration_months, notice_months, communication) -> ndarray``, or per
  change ``surprise_one(relative_change, duration_months, notice_months, communication) -> float``
  (all plain floats): the trust shock of a program change, before its sign. The engine spreads an
  event's surprise over the steps in which its value moves, signs it (favourable or not) and hands
  the per-link sum to ``update``.
- ``update(trust, s: TrustSignals) -> ndarray``: the new trust, ``(P, K)``, or per link
  ``update_one(trust: float, s: OneLinkTrust) -> float``: the link's new trust; within [0, 1].
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from pydantic import Field

from sim.behaviours.forms import batch_of, elementwise, first, one_of
from sim.behaviours.registry import Rule, RuleParams, register


@dataclass(frozen=True)
class TrustSignals:
    """What happened on each partner-vendor link this step; arrays are ``(P, K)``.

    Attributes:
        wins: deals the partner won with the vendor.
        conflicts_lost: partner deals a vendor rep contested and took direct.
        conflicts_kept: partner deals a rep contested but the partner kept.
        invitations: vendor-sourced deals the partner was brought into (co-sell).
        invitation_stage_sum: sum of the sales-cycle stages (0..1) at which it joined them.
        communication: the vendor's communication level, 0..1.
        profit_shortfall: relative shortfall of the vendor's partner terms below what the partner
            expects (0 = as expected, 1 = nothing left).
        surprise_loss: program-change surprise from unfavourable changes (>= 0).
        surprise_gain: program-change surprise from favourable changes (>= 0).
        anchor: the level trust drifts back to without news (the partner's prior), scalar or array.
        dt: step length in months.
        exposure: how much of a programme surprise reaches the link, 0..1 (the partner's stake in
            the vendor: its attention share relative to full exposure); 1 by default.
    """

    wins: np.ndarray
    conflicts_lost: np.ndarray
    conflicts_kept: np.ndarray
    invitations: np.ndarray
    invitation_stage_sum: np.ndarray
    communication: np.ndarray
    profit_shortfall: np.ndarray
    surprise_loss: np.ndarray
    surprise_gain: np.ndarray
    anchor: float | np.ndarray
    dt: float
    exposure: float | np.ndarray = 1.0

    def link(self, i: int, k: int) -> OneLinkTrust:
        """The signals of partner ``i``'s link in slot ``k`` alone."""
        return one_of(self, (i, k), OneLinkTrust)


@dataclass(frozen=True)
class OneLinkTrust:
    """What happened on one partner-vendor link this step, as plain numbers (see
    :class:`TrustSignals` for each field's meaning): counts of ``wins``, ``conflicts_lost``,
    ``conflicts_kept`` and ``invitations``; ``invitation_stage_sum``; the vendor's
    ``communication`` (0..1); ``profit_shortfall`` (0..1); ``surprise_loss`` and ``surprise_gain``
    (>= 0); the ``anchor`` trust drifts back to; the step length ``dt`` in months; the link's
    ``exposure`` to programme surprises (0..1)."""

    wins: float
    conflicts_lost: float
    conflicts_kept: float
    invitations: float
    invitation_stage_sum: float
    communication: float
    profit_shortfall: float
    surprise_loss: float
    surprise_gain: float
    anchor: float
    dt: float
    exposure: float = 1.0


class TrustForms:
    """Adapter: each method of the trust protocol from its other form; the registry gives a rule
    the methods it lacks from here."""

    def update(self, trust: np.ndarray, s: TrustSignals) -> np.ndarray:
        trust = np.asarray(trust, dtype=float)
        out = np.empty(trust.shape)
        for index in np.ndindex(trust.shape):
            out[index] = self.update_one(float(trust[index]), one_of(s, index, OneLinkTrust))
        return out

    def update_one(self, trust: float, s: OneLinkTrust) -> float:
        return first(self.update(np.array([trust]), batch_of(s, TrustSignals)))

    def surprise(
        self,
        relative_change: np.ndarray,
        duration_months: np.ndarray,
        notice_months: np.ndarray,
        communication: np.ndarray,
    ) -> np.ndarray:
        return elementwise(
            self.surprise_one, relative_change, duration_months, notice_months, communication
        )

    def surprise_one(
        self,
        relative_change: float,
        duration_months: float,
        notice_months: float,
        communication: float,
    ) -> float:
        return first(
            self.surprise(
                np.array([relative_change]),
                np.array([duration_months]),
                np.array([notice_months]),
                np.array([communication]),
            )
        )


class TrustParams(RuleParams):
    """Parameters every version of the asymmetric trust rule shares."""

    gain_per_win: float = Field(
        0.02, ge=0, le=1, description="Share of the gap to 1 closed per won deal."
    )
    loss_per_lost_conflict: float = Field(
        0.10, ge=0, le=1, description="Share of trust lost per deal a rep took direct."
    )
    loss_per_contest: float = Field(
        0.03, ge=0, le=1, description="Share of trust lost per contested deal the partner kept."
    )
    fair_stage: float = Field(
        0.5,
        gt=0,
        lt=1,
        description="Join stage (0..1) below which a co-sell invitation builds trust and above "
        "which it erodes it.",
    )
    gain_per_early_invite: float = Field(
        0.04, ge=0, le=1, description="Share of the gap to 1 closed per invitation at stage 0."
    )
    loss_per_late_invite: float = Field(
        0.08, ge=0, le=1, description="Share of trust lost per invitation at stage 1."
    )
    loss_profit_shortfall: float = Field(
        0.05,
        ge=0,
        le=1,
        description="Share of trust lost per month per unit of relative shortfall.",
    )
    surprise_scale: float = Field(
        1.5, ge=0, description="k: surprise of a full (100%) relative change made within one month."
    )
    surprise_exponent: float = Field(
        2.0, gt=1, le=5, description="gamma > 1: surprise is convex in the monthly rate of change."
    )
    notice_scale_months: float = Field(
        3.0, gt=0, description="Months of notice that remove 63% (1 - 1/e) of a change's surprise."
    )
    communication_relief: float = Field(
        0.5, ge=0, le=1, description="Share of surprise removed by communication level 1."
    )
    loss_per_surprise: float = Field(
        1.0,
        ge=0,
        le=10,
        description="Unfavourable surprise S keeps a share exp(-loss_per_surprise * S) of trust.",
    )
    gain_per_surprise: float = Field(
        0.4,
        ge=0,
        le=10,
        description="Favourable surprise S closes a share 1 - exp(-gain_per_surprise * S) of the "
        "gap to 1.",
    )
    recovery_per_month: float = Field(
        0.01, ge=0, le=1, description="Share of the gap to the anchor closed per month."
    )


class AsymmetricTrustParams(TrustParams):
    gain_communication: float = Field(
        0.01, ge=0, le=1, description="Share of the gap to 1 closed per month at communication 1."
    )


@register("trust", "asymmetric", version=1)
class AsymmetricTrust(Rule):
    """Trust rises slowly with wins, early engagement and communication and falls about twice as fast with lost conflicts, late engagement, profit shortfalls and program surprises, recovering only slowly.

    Gains close a share of the gap to 1 and losses remove a share of the current level, so trust stays
    in [0, 1]. Loss weights are about twice gain weights: the negativity bias of trust research
    (Slovic 1993, "Perceived risk, trust, and democracy"; Kahneman and Tversky's loss aversion). The
    surprise of a program change is convex in its monthly rate, so the same change spread over months
    hurts less than one jump, and notice and communication soften it (change-management practice).
    """

    Params = AsymmetricTrustParams
    params: AsymmetricTrustParams

    def surprise(
        self,
        relative_change: np.ndarray,
        duration_months: np.ndarray,
        notice_months: np.ndarray,
        communication: np.ndarray,
    ) -> np.ndarray:
        """Total surprise of each change: ``k * (rel / M) ** gamma * M * (1 - notice) * (1 - comm)``.

        ``M = max(duration, 1 month)`` so a change made within a month has the monthly rate ``rel``.
        """
        p = self.params
        months = np.maximum(np.asarray(duration_months, dtype=float), 1.0)
        rate = np.abs(np.asarray(relative_change, dtype=float)) / months
        notice_effect = 1.0 - np.exp(
            -np.asarray(notice_months, dtype=float) / p.notice_scale_months
        )
        communication_effect = p.communication_relief * np.asarray(communication, dtype=float)
        return (
            p.surprise_scale
            * rate**p.surprise_exponent
            * months
            * (1.0 - notice_effect)
            * (1.0 - communication_effect)
        )

    def update(self, trust: np.ndarray, s: TrustSignals) -> np.ndarray:
        p = self.params
        communication = (1.0 - p.gain_communication * s.communication) ** s.dt
        new = self._blend(trust, s, communication, s.surprise_gain, s.surprise_loss)
        recovery = 1.0 - (1.0 - p.recovery_per_month) ** s.dt
        new = new + recovery * (s.anchor - new)
        return np.clip(new, 0.0, 1.0)

    def _blend(
        self,
        trust: np.ndarray,
        s: TrustSignals,
        communication: np.ndarray | float,
        surprise_gain: np.ndarray,
        surprise_loss: np.ndarray,
    ) -> np.ndarray:
        """Trust after this step's news, before recovery: ``T * keep + (1 - T) * gain``.

        ``communication`` is the per-step factor of the gap to 1 that communication leaves
        (1 for no communication gain); the surprises are the ones this link feels.
        """
        p = self.params
        shortfall = (1.0 - np.minimum(p.loss_profit_shortfall * s.profit_shortfall, 1.0)) ** s.dt
        counts = (
            s.wins,
            s.conflicts_lost,
            s.conflicts_kept,
            s.invitations,
            surprise_gain,
            surprise_loss,
        )
        shape = np.broadcast_shapes(
            np.shape(trust),
            np.shape(communication),
            np.shape(shortfall),
            np.shape(s.invitation_stage_sum),
            *(np.shape(c) for c in counts),
        )
        # On a link with no event this step every count below is 0 and its factor exactly 1, so
        # gain and keep reduce to the communication and shortfall terms; the full products are
        # evaluated only on the links with some event (the same numbers, a fraction of the work).
        gain = _writable(1.0 - np.asarray(communication, dtype=float), shape)
        keep = _writable(shortfall, shape)
        flat = [_flat(c, shape) for c in counts]
        event = np.zeros(gain.size, dtype=bool)
        for count in flat:
            event |= count != 0
        rows = np.flatnonzero(event)
        if len(rows):
            wins, lost, kept, invitations, gained, lossy = (c[rows] for c in flat)
            early, late = self._invitation_stages(
                invitations, _flat(s.invitation_stage_sum, shape)[rows]
            )
            gain.reshape(-1)[rows] = 1.0 - (
                (1.0 - p.gain_per_win) ** wins
                * (1.0 - p.gain_per_early_invite) ** early
                * _flat(communication, shape)[rows]
                * np.exp(-p.gain_per_surprise * gained)
            )
            keep.reshape(-1)[rows] = (
                (1.0 - p.loss_per_lost_conflict) ** lost
                * (1.0 - p.loss_per_contest) ** kept
                * (1.0 - p.loss_per_late_invite) ** late
                * _flat(shortfall, shape)[rows]
                * np.exp(-p.loss_per_surprise * lossy)
            )
        return trust * keep + (1.0 - trust) * gain

    # ------------------------------------------------------------------ per-agent form
    def surprise_one(
        self,
        relative_change: float,
        duration_months: float,
        notice_months: float,
        communication: float,
    ) -> float:
        """One program change: ``k * (rel / M) ** gamma * M * (1 - notice) * (1 - comm)``."""
        p = self.params
        months = max(duration_months, 1.0)
        rate = abs(relative_change) / months
        notice_effect = 1.0 - math.exp(-notice_months / p.notice_scale_months)
        communication_effect = p.communication_relief * communication
        return (
            p.surprise_scale
            * rate**p.surprise_exponent
            * months
            * (1.0 - notice_effect)
            * (1.0 - communication_effect)
        )

    def update_one(self, trust: float, s: OneLinkTrust) -> float:
        """One link: the same rule, written for a single partner-vendor link."""
        p = self.params
        communication = (1.0 - p.gain_communication * s.communication) ** s.dt
        new = self._blend_one(trust, s, communication, s.surprise_gain, s.surprise_loss)
        recovery = 1.0 - (1.0 - p.recovery_per_month) ** s.dt
        new = new + recovery * (s.anchor - new)
        return min(max(new, 0.0), 1.0)

    def _blend_one(
        self,
        trust: float,
        s: OneLinkTrust,
        communication: float,
        surprise_gain: float,
        surprise_loss: float,
    ) -> float:
        """One link's trust after this step's news, before recovery (see :meth:`_blend`)."""
        p = self.params
        # Invitations count as early or late by how far their mean stage is from the fair stage.
        if s.invitations > 0:
            mean_stage = s.invitation_stage_sum / max(s.invitations, 1e-12)
        else:
            mean_stage = p.fair_stage
        early = s.invitations * min(max((p.fair_stage - mean_stage) / p.fair_stage, 0.0), 1.0)
        late = s.invitations * min(max((mean_stage - p.fair_stage) / (1 - p.fair_stage), 0.0), 1.0)

        # Good news closes a share of the gap to 1 ...
        stays_unconvinced = (
            (1.0 - p.gain_per_win) ** s.wins
            * (1.0 - p.gain_per_early_invite) ** early
            * communication
            * math.exp(-p.gain_per_surprise * surprise_gain)
        )
        gain = 1.0 - stays_unconvinced
        # ... bad news removes a share of the current level.
        keep = (
            (1.0 - p.loss_per_lost_conflict) ** s.conflicts_lost
            * (1.0 - p.loss_per_contest) ** s.conflicts_kept
            * (1.0 - p.loss_per_late_invite) ** late
            * (1.0 - min(p.loss_profit_shortfall * s.profit_shortfall, 1.0)) ** s.dt
            * math.exp(-p.loss_per_surprise * surprise_loss)
        )
        return trust * keep + (1.0 - trust) * gain

    def _invitation_stages(
        self, invitations: np.ndarray, stage_sum: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Invitations weighted by how early and how late (past ``fair_stage``) they came."""
        p = self.params
        invites = np.maximum(invitations, 1e-12)
        mean_stage = np.where(invitations > 0, stage_sum / invites, p.fair_stage)
        early = invitations * np.clip((p.fair_stage - mean_stage) / p.fair_stage, 0.0, 1.0)
        late = invitations * np.clip((mean_stage - p.fair_stage) / (1 - p.fair_stage), 0.0, 1.0)
        return early, late


def _flat(values: np.ndarray | float, shape: tuple[int, ...]) -> np.ndarray:
    """``values`` broadcast to ``shape``, as a flat float array (a view when it already fits)."""
    values = np.asarray(values, dtype=float)
    if values.shape == shape:
        return values.reshape(-1)
    return np.broadcast_to(values, shape).reshape(-1)


def _writable(fresh: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """A freshly computed array broadcast to ``shape`` that may be written to."""
    fresh = np.asarray(fresh, dtype=float)
    return fresh if fresh.shape == shape else np.broadcast_to(fresh, shape).copy()
