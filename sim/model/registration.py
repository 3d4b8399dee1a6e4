"""Deal-registration rules: which partner registrations the vendor approves, how long a registration
protects a deal, and whether the vendor lets its reps override one.

With ``program.deal_registration`` on, a partner-found deal is registered when the vendor approves
it (``program.registration_approval``, a share) and, where registrations expire
(``program.registration_window_months`` > 0), only if it is expected to close within the window: a
rep deciding on a deal anticipates that a longer one loses its protection. A contest of a registered
deal ends with the rep owning it with the rep rule's takeover probability times
``program.registration_override`` (0 = the vendor never lets a rep take a registered deal), and a
partner counts a registration taken from it as ``partners.override_conflict_weight`` lost conflicts
(a broken promise, on top of a lost deal). Partners squat: they register a share
``partners.registration_squatting`` of the deals they find without working them (to hold the
customer); such a deal gets no influence from its partner and, unworked, takes
``SQUAT_CYCLE_MULTIPLE`` times as long to close, so an expiry window frees most squats for the
vendor's reps. Functions of the model's state, like :mod:`sim.model.market`; the equations are in
``docs/model.md`` (section 7.14).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.model.channel_model import ChannelModel

EPS = 1e-9
SQUAT_CYCLE_MULTIPLE = 2.0
"""How much longer a registered deal nobody works takes to close than a worked one (the customer
moves at its own pace): its time to close is stretched by this factor."""


def review(model: ChannelModel, deals: dict[str, np.ndarray]) -> None:
    """Phase 3, last: the vendor approves registrations, partners' squats are marked, and the window
    removes protection from deals expected to outlast it (``deals["registered"]`` in place; a draw
    only where a vendor approves fewer than all, and where partners squat)."""
    terms, vendor = model.terms, deals["vendor"]
    registered = deals["registered"]
    deals["squat"] = np.zeros(len(vendor), bool)
    if not registered.any():
        return
    attempted = registered.copy()
    approval = terms.registration_approval[vendor]
    if (approval < 1.0).any():
        registered &= model.rng.random(len(vendor)) < approval
    squat(model, deals, attempted)
    window = terms.registration_window_months[vendor]
    if (window > 0).any():
        registered &= (window <= 0) | (deals["close_month"] - model.month <= window + EPS)
    model.ledger.add_vendor("registered_deals", vendor[registered])
    model.ledger.add_vendor("squatted_deals", vendor[registered & deals["squat"]])


def squat(model: ChannelModel, deals: dict[str, np.ndarray], attempted: np.ndarray) -> None:
    """Which of the deals partners tried to register are squats (a draw only where partners squat),
    approved or not, their time to close stretched by SQUAT_CYCLE_MULTIPLE (in whole steps):
    ``deals["squat"]``."""
    share = model.config.partners.registration_squatting
    if share <= 0:
        return
    squats = attempted & (model.rng.random(len(attempted)) < share)
    deals["squat"] = squats
    steps = np.round((deals["close_month"] - model.month) / model.dt)
    stretched = model.month + np.maximum(1, np.round(steps * SQUAT_CYCLE_MULTIPLE)) * model.dt
    deals["close_month"] = np.where(squats, stretched, deals["close_month"])


def contest_probability(
    model: ChannelModel, deals: dict[str, np.ndarray], p_contest: np.ndarray
) -> np.ndarray:
    """The rule's contest probabilities, cut by ``qualification_contest_cut`` where the vendor runs
    shared qualification rules (one definition of a qualified deal for reps and partners)."""
    shared = model.terms.shared_qualification[deals["vendor"]] > 0.5
    if not shared.any():
        return p_contest
    cut = model.terms.qualification_contest_cut[deals["vendor"]]
    return np.where(shared, p_contest * (1.0 - cut), p_contest)


def takeover_probability(
    model: ChannelModel, deals: dict[str, np.ndarray], p_take: np.ndarray
) -> np.ndarray:
    """The rule's takeover probabilities with the vendor's override policy on registered deals."""
    override = model.terms.registration_override[deals["vendor"]]
    if (override == 1.0).all():
        return p_take
    return np.where(deals["registered"], p_take * override, p_take)


def lost_weights(model: ChannelModel, registered: np.ndarray) -> np.ndarray | None:
    """Weight of each deal a rep took from a partner in its memory of lost conflicts and its trust:
    ``override_conflict_weight`` for a registered one, 1 otherwise; None when all are 1."""
    weight = model.config.partners.override_conflict_weight
    if weight == 1.0 or not registered.any():
        return None
    return np.where(registered, weight, 1.0)


__all__ = [
    "SQUAT_CYCLE_MULTIPLE",
    "contest_probability",
    "lost_weights",
    "review",
    "squat",
    "takeover_probability",
]
