"""Channel commitment: the vendor's own signals that it is serious about its partners, each a costed
``engagement`` key that acts through what the model already has.

- **Executive sponsorship** (``executive_sponsorship``): a senior executive holds the direct team to
  the rules of engagement, so a rep who contests a partner-found deal takes it over with the rep
  rule's probability times ``1 - sponsorship_takeover_cut`` (phase 4).
- **Joint business planning** (``joint_planning_partners``): the vendor plans with that many of its
  partners, its lines of highest trailing profit, and brings them into the deals its reps find at
  ``joint_planning_join_stage`` instead of the vendor's ``partner_join_stage`` when that is earlier
  (phase 4).
- **Partner advisory council** (``advisory_council``): partners are heard before programme
  changes, so an unfavourable change's trust surprise is cut by ``council_surprise_cut`` (phase 1).

Shared qualification rules (``shared_qualification``, :mod:`sim.model.registration`) are the fourth
signal; :func:`monthly_cost` adds every signal's cost to the vendor's programme cost. No signal draws
a random number, and with every signal off each function returns its input unchanged. Functions of
the model's state, like :mod:`sim.model.market`; the equations are in ``docs/model.md`` (section
7.16).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.model.channel_model import ChannelModel
    from sim.model.events import VendorTerms

EPS = 1e-9


def takeover_probability(
    model: ChannelModel, deals: dict[str, np.ndarray], p_take: np.ndarray
) -> np.ndarray:
    """The takeover probabilities of contested deals, cut by ``sponsorship_takeover_cut`` where the
    deal's vendor has an executive sponsor for its partners."""
    terms, vendor = model.terms, deals["vendor"]
    sponsored = terms.executive_sponsorship[vendor] > 0.5
    if not sponsored.any():
        return p_take
    return np.where(sponsored, p_take * (1.0 - terms.sponsorship_takeover_cut[vendor]), p_take)


def planned_counts(model: ChannelModel) -> np.ndarray:
    """Per vendor, how many partners it plans with: ``joint_planning_partners`` rounded down, at
    most its active lines."""
    wanted = np.floor(model.terms.joint_planning_partners + EPS)
    ps = model.partners
    lines = np.bincount(ps.vendor[ps.active], minlength=model.n_vendors)
    return np.minimum(wanted, lines)


def planned_lines(model: ChannelModel) -> np.ndarray | None:
    """``(P, K)``: True for the lines each vendor plans with, its ``planned_counts`` active lines of
    highest trailing profit (``profit_rate``, last step's); None when no vendor plans with any."""
    counts = planned_counts(model).astype(np.int64)
    if not (counts > 0).any():
        return None
    ps = model.partners
    flat_profit, flat_active = ps.profit_rate.reshape(-1), ps.active.reshape(-1)
    groups = ps.groups(model.n_vendors)
    planned = np.zeros(ps.vendor.size, dtype=bool)
    for v in np.flatnonzero(counts > 0):
        lines = groups.members(v)
        lines = lines[flat_active[lines]]
        k = int(counts[v])
        if k < len(lines):
            # The k largest, ties broken by the lower index: a stable sort, not argpartition.
            lines = lines[np.argsort(-flat_profit[lines], kind="stable")[:k]]
        planned[lines] = True
    return planned.reshape(ps.vendor.shape)


def join_stages(
    model: ChannelModel, vendor: np.ndarray, partner: np.ndarray, slot: np.ndarray
) -> np.ndarray:
    """Stage at which each invited line joins a deal its vendor found: the vendor's
    ``partner_join_stage``, or ``joint_planning_join_stage`` if the line is planned and that is
    earlier."""
    terms = model.terms
    stage = terms.partner_join_stage[vendor]
    planned = planned_lines(model) if len(vendor) else None
    if planned is None:
        return stage
    planned_stage = np.minimum(stage, terms.joint_planning_join_stage[vendor])
    return np.where(planned[partner, slot], planned_stage, stage)


def heard_share(terms: VendorTerms, vendor: int) -> float:
    """Share of an unfavourable change's surprise that the vendor's partners feel: 1, or
    ``1 - council_surprise_cut`` while the vendor runs a partner advisory council."""
    if terms.advisory_council[vendor] > 0.5:
        return 1.0 - float(terms.council_surprise_cut[vendor])
    return 1.0


def monthly_cost(model: ChannelModel) -> np.ndarray:
    """Per vendor, what its commitment signals cost per month (in ``program_cost``): shared
    qualification, executive sponsorship and an advisory council while on, and joint planning per
    partner planned with."""
    terms = model.terms
    return (
        terms.shared_qualification * terms.shared_qualification_cost_per_month
        + terms.executive_sponsorship * terms.executive_sponsorship_cost_per_month
        + terms.advisory_council * terms.advisory_council_cost_per_month
        + planned_counts(model) * terms.joint_planning_cost_per_partner_month
    )


__all__ = [
    "heard_share",
    "join_stages",
    "monthly_cost",
    "planned_counts",
    "planned_lines",
    "takeover_probability",
]
