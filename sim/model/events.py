"""Scheduled program changes: announcement, linear ramp, and the terms partners see each step.

An event ``{at_month: m, vendor: v, set: {program.margin: 0.12}, ramp_months: R, notice_months: N}``
is announced at ``m - N``, starts moving at ``m`` and reaches its new value at ``m + R`` (at once when
``R = 0``). The value in force during a step is the schedule's value at the step's start. An event at
month 0 with no ramp (whatever its notice) sets a launch term: the program starts that way, with no
surprise.

Each change carries a *direction* for partners: a margin rise is favourable, a margin cut
unfavourable; comp-plan and engagement changes are internal and neutral (they reach partners only
through rep behaviour) unless the event is ``announced``, when more credit for partner deals is
favourable and more direct credit or a later join stage unfavourable. The engine turns each change into a trust *surprise* with the trust rule and spreads it
over the steps in which the value moves, in proportion to how far it moves in each.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.model import commitment
from sim.scenario.schema import (
    EVENT_SECTIONS,
    TIER_FIELDS,
    ScenarioConfig,
    tier_index,
    tier_path,
)

if TYPE_CHECKING:
    from sim.model.channel_model import ChannelModel

DIRECTION: dict[str, int] = {
    "program.margin": +1,
    "program.rebate": +1,
    "program.performance_rebate": +1,
    "program.rebate_target": -1,  # a higher bar is worse for partners
    "program.rebate_period_months": -1,  # a longer period pays later and is harder to plan for
    "program.rebate_delay_months": -1,
    "program.spiff_per_deal": +1,
    "program.mdf_per_partner_month": +1,
    "program.enablement_per_partner_month": +1,
    "program.deal_registration": +1,
    "program.mdf_proof_of_performance": -1,  # partners can no longer keep part of MDF as margin
    "program.registration_approval": +1,
    "program.registration_window_months": +1,  # longer protection (0 = never expires: EXPIRY_KEYS)
    "program.registration_override": -1,  # reps may take more registered deals
    "program.communication": 0,
    "program.recruit_per_month": 0,
    "program.replace_exits": 0,
    "program.partner_management_per_partner_month": 0,
    "program.onboarding_cost_per_partner": 0,
    "program.tier_review_months": 0,
    # The offering's recurring terms: what partners gain or lose from them is their profit (first
    # payouts and renewal income, docs/model.md §7.17); only renewal ownership and its margin are
    # terms the vendor gives or takes from partners.
    "program.subscription_share": 0,
    "program.contract_months": 0,
    "program.perpetual_multiple": 0,
    "program.renewal_rate": 0,
    "program.expansion_rate": 0,
    "program.partner_owns_renewals": +1,
    "program.renewal_margin": +1,
    "program.vendor_renewal_cost": 0,
    # Comp plans and engagement policy are internal: partners feel them through what reps do
    # (contests, co-sell invitations and their stage), not as a programme surprise, unless the
    # vendor announces them (ANNOUNCED_DIRECTION).
    "comp_plan.direct_credit": 0,
    "comp_plan.partner_sourced_credit": 0,
    "comp_plan.partner_assisted_credit": 0,
    "comp_plan.quota_per_rep_month": 0,
    "comp_plan.commission_rate": 0,
    "comp_plan.quota_rebase": 0,
    "comp_plan.credit_contract_value": 0,
    "comp_plan.perpetual_discount": 0,
    "comp_plan.conversion_propensity": 0,
    "engagement.partner_join_stage": 0,
    "engagement.shared_qualification": 0,
    "engagement.qualification_contest_cut": 0,
    "engagement.shared_qualification_cost_per_month": 0,
    "engagement.executive_sponsorship": 0,
    "engagement.sponsorship_takeover_cut": 0,
    "engagement.executive_sponsorship_cost_per_month": 0,
    # Joint plans are made with each planned partner, not announced to all: the planned feel them
    # through earlier invitations (docs/model.md §7.16), so the count is neutral even if announced.
    "engagement.joint_planning_partners": 0,
    "engagement.joint_planning_join_stage": 0,
    "engagement.joint_planning_cost_per_partner_month": 0,
    "engagement.advisory_council": 0,
    "engagement.council_surprise_cut": 0,
    "engagement.advisory_council_cost_per_month": 0,
}
"""+1: partners gain when the value rises; -1: they lose; 0: no direct effect on partners."""

TIER_DIRECTION: dict[str, int] = {
    "min_revenue": -1,  # a higher bar to reach or keep a tier
    "min_capability": -1,
    "margin_uplift": +1,
    "mdf_accrual": +1,
    "co_sell_priority": +1,
}
"""Direction for partners of a change to one tier's key (``program.tiers.<tier>.<key>``)."""
TIER_REFERENCE: dict[str, float] = {
    "min_revenue": 250_000.0,  # currency per year: about five mean deals
    "min_capability": 0.5,
    "margin_uplift": 0.20,  # measured against a typical total margin, like program.margin
    "mdf_accrual": 0.20,
    "co_sell_priority": 1.0,
}
"""Smallest denominator of a tier change's relative size, per tier key (see REFERENCE)."""
UNTIERED = {"min_revenue": np.inf, "min_capability": 0.0, "co_sell_priority": 1.0}
"""A tier position a vendor does not have: nobody reaches it, and it gives nothing."""

ANNOUNCED_DIRECTION: dict[str, int] = {
    "comp_plan.direct_credit": -1,
    "comp_plan.partner_sourced_credit": +1,
    "comp_plan.partner_assisted_credit": +1,
    "engagement.partner_join_stage": -1,
    "engagement.shared_qualification": +1,
    "engagement.executive_sponsorship": +1,
    "engagement.advisory_council": +1,
    # Credit on the whole contract ends reps' reason to turn partners' subscriptions into licences.
    "comp_plan.credit_contract_value": +1,
}
"""Direction of an internal change the vendor announces (event ``announced: true``): more credit for
partner deals is good news for partners, more for direct deals or a later join stage is bad news."""

REFERENCE: dict[str, float] = {
    "program.margin": 0.20,  # a typical partner margin: a 5-point cut is a 25% change
    "program.rebate": 0.20,  # measured against the same total margin: rebates are a small part
    "program.performance_rebate": 0.20,
    "program.rebate_target": 50_000.0,  # currency per review period
    "program.rebate_period_months": 12.0,
    "program.rebate_delay_months": 3.0,
    "program.registration_window_months": 12.0,
    "program.tier_review_months": 12.0,
    "program.renewal_margin": 0.20,  # like program.margin
    "program.spiff_per_deal": 5000.0,  # currency per deal
    "program.mdf_per_partner_month": 1000.0,  # currency per partner-month
    "program.enablement_per_partner_month": 1000.0,  # currency per partner-month
    "comp_plan.direct_credit": 1.0,  # credit per unit of deal value
    "comp_plan.partner_sourced_credit": 1.0,
    "comp_plan.partner_assisted_credit": 1.0,
    "engagement.partner_join_stage": 0.5,  # stage 0..1
}
"""Smallest denominator of a change's relative size, per key, so a change from or to 0 is not
automatically a 100% change: ``|new - old| / max(|old|, |new|, REFERENCE)``."""

BOOLEAN_CHANGE_SIZE = 0.5
"""Relative size of switching a yes/no term such as deal registration."""

BOOLEAN_KEYS = frozenset(
    {
        "program.deal_registration",
        "program.mdf_proof_of_performance",
        "engagement.shared_qualification",
        "engagement.executive_sponsorship",
        "engagement.advisory_council",
        "program.partner_owns_renewals",
        "comp_plan.credit_contract_value",
    }
)
"""Yes/no terms: a switch is a change of size BOOLEAN_CHANGE_SIZE."""

EXPIRY_KEYS = frozenset({"program.registration_window_months"})
"""Keys whose 0 means never (a registration that does not expire): a change is sized and signed on
the expiry rate ``1 / value`` (0 for never), so a window of 6 months where there was none is a loss
of protection as large as from 6 months to none is a gain, and 6 -> 12 months half of it."""


SHORTEST_EXPIRY_MONTHS = 1e-9
"""An expiry sooner than this is sized as this one (every such window lapses within any step):
``1 / value`` of a subnormal window overflows to infinity, and infinity over infinity is NaN."""


def _expiry_rate(value: float) -> float:
    return 1.0 / max(value, SHORTEST_EXPIRY_MONTHS) if value > 0 else 0.0


STEP_KEYS = frozenset({"program.rebate_period_months", "program.tier_review_months"})
"""Keys that take only listed values: an event switches them at ``at_month``, with no ramp."""


def period_ends(start, end, period):
    """Whether a multiple of ``period`` (months from month 0) falls in ``(start, end]``, to float
    rounding: the step from ``start`` to ``end`` closes a review period, a year or an agreement
    term. Works elementwise on arrays."""
    return np.floor(end / period + 1e-9) > np.floor(start / period + 1e-9)


def _tier_key(path: str) -> str | None:
    """The tier key of a path ``program.tiers.<position>.<key>``; None for any other path."""
    parts = path.split(".")
    return parts[3] if len(parts) == 4 and parts[1] == "tiers" else None


def tier_key_path(position: int, key: str) -> str:
    """The schedule's path of tier ``position``'s ``key``: ``program.tiers.0.margin_uplift``."""
    return f"program.tiers.{position}.{key}"


@dataclass(frozen=True)
class Change:
    """One event's change of one key of one vendor."""

    vendor: int
    path: str
    old: float
    new: float
    start: float
    ramp: float
    notice: float
    announced: bool = False

    def progress(self, month: float) -> float:
        """Fraction of the way from ``old`` to ``new`` at ``month`` (0 before the start)."""
        if self.ramp <= 0:
            return 1.0 if month >= self.start else 0.0
        return float(np.clip((month - self.start) / self.ramp, 0.0, 1.0))

    def value(self, month: float) -> float:
        return self.old + (self.new - self.old) * self.progress(month)

    @property
    def relative_size(self) -> float:
        """``|new - old| / max(|old|, |new|, reference)``: 0.4 for a margin cut 0.20 -> 0.12."""
        if self.path in BOOLEAN_KEYS:
            return BOOLEAN_CHANGE_SIZE if self.new != self.old else 0.0
        if self.path in EXPIRY_KEYS:
            old, new = _expiry_rate(self.old), _expiry_rate(self.new)
            scale = max(old, new, 1.0 / REFERENCE[self.path])
            return abs(new - old) / scale
        tier_key = _tier_key(self.path)
        floor = REFERENCE.get(self.path, 0.0) if tier_key is None else TIER_REFERENCE[tier_key]
        scale = max(abs(self.old), abs(self.new), floor)
        return abs(self.new - self.old) / scale if scale > 0 else 0.0

    @property
    def favourable(self) -> int:
        """+1 if partners gain from this change, -1 if they lose, 0 if neutral."""
        tier_key = _tier_key(self.path)
        direction = DIRECTION[self.path] if tier_key is None else TIER_DIRECTION[tier_key]
        if self.announced:
            direction = ANNOUNCED_DIRECTION.get(self.path, direction)
        if self.path in EXPIRY_KEYS:  # a longer window is a lower expiry rate
            return -direction * int(np.sign(_expiry_rate(self.new) - _expiry_rate(self.old)))
        return direction * int(np.sign(self.new - self.old))


class VendorTerms:
    """The value of every program, comp-plan and engagement key for every vendor, as ``(V,)`` arrays.

    Attributes are the keys' short names (``terms.margin``, ``terms.direct_credit``,
    ``terms.partner_join_stage``); booleans are stored as 0.0 / 1.0.
    """

    def __init__(self, values: dict[str, np.ndarray]) -> None:
        self._values = values
        for path, array in values.items():
            setattr(self, path.split(".", 1)[1], array)

    def __getitem__(self, path: str) -> np.ndarray:
        return self._values[path]

    def paths(self) -> Iterator[str]:
        return iter(self._values)


def initial_values(config: ScenarioConfig) -> dict[str, np.ndarray]:
    """Each ``section.key`` path mapped to its per-vendor starting values."""
    values: dict[str, np.ndarray] = {}
    for path in DIRECTION:
        section, key = path.split(".", 1)
        assert section in EVENT_SECTIONS
        values[path] = np.array(
            [float(getattr(getattr(v, section), key)) for v in config.vendors], dtype=float
        )
    positions = max(len(v.program.tiers) for v in config.vendors)
    for position in range(positions):
        for key in TIER_FIELDS:
            values[tier_key_path(position, key)] = np.array(
                [
                    float(getattr(v.program.tiers[position], key))
                    if position < len(v.program.tiers)
                    else UNTIERED.get(key, 0.0)
                    for v in config.vendors
                ]
            )
    return values


class Schedule:
    """The scenario's events as per-key change lists, evaluated at any month."""

    def __init__(self, config: ScenarioConfig) -> None:
        self.base = initial_values(config)
        planned = {path: values.copy() for path, values in self.base.items()}
        changes: list[Change] = []
        for event in sorted(config.events, key=lambda e: e.at_month):
            vendor = config.vendor_index(event.vendor)
            # A term set at month 0 with no ramp is how the programme starts, whatever its notice.
            launch = event.at_month == 0 and event.ramp_months == 0
            tiers = config.vendors[vendor].program.tiers
            for written, target in event.set.items():
                tier = tier_path(written)
                path = (
                    written if tier is None else tier_key_path(tier_index(tiers, tier[0]), tier[1])
                )
                if launch:
                    # A term set at month 0 with no ramp or notice is how the program starts,
                    # not a change partners live through: no surprise, no announcement.
                    self.base[path][vendor] = float(target)
                    planned[path][vendor] = float(target)
                    continue
                change = Change(
                    vendor=vendor,
                    path=path,
                    old=float(planned[path][vendor]),
                    new=float(target),
                    start=event.at_month,
                    ramp=0.0
                    if isinstance(target, bool) or path in STEP_KEYS
                    else event.ramp_months,
                    notice=event.notice_months,
                    announced=event.announced,
                )
                planned[path][vendor] = change.new
                changes.append(change)
        self.changes: tuple[Change, ...] = tuple(changes)
        self._in_force: tuple[tuple[float, ...], VendorTerms] | None = None
        self._expected: tuple[tuple[bool, ...], VendorTerms] | None = None

    def terms(self, month: float) -> VendorTerms:
        """Terms in force at ``month``. Between changes (no change moved since the last call) it is
        the same object as before; its arrays are read-only, so no caller can alter it."""
        progress = tuple(change.progress(month) for change in self.changes)
        if self._in_force is None or self._in_force[0] != progress:
            moved = zip(self.changes, progress, strict=True)
            self._in_force = (progress, self._with((c, c.value(month)) for c, m in moved if m > 0))
        return self._in_force[1]

    def announced(self, month: float) -> VendorTerms:
        """Terms partners expect at ``month``: every change announced by then counts as done (the
        same object while no further change is announced, read-only as :meth:`terms`)."""
        told = tuple(month >= change.start - change.notice for change in self.changes)
        if self._expected is None or self._expected[0] != told:
            known = zip(self.changes, told, strict=True)
            self._expected = (told, self._with((c, c.new) for c, k in known if k))
        return self._expected[1]

    def _with(self, settled: Iterable[tuple[Change, float]]) -> VendorTerms:
        """The starting terms with each ``(change, value)`` of ``settled`` applied, read-only."""
        values = {path: array.copy() for path, array in self.base.items()}
        for change, value in settled:
            values[change.path][change.vendor] = value
        for array in values.values():
            array.flags.writeable = False
        return VendorTerms(values)

    def moves(self, before: float, now: float) -> Iterator[tuple[Change, float]]:
        """Changes whose value moved between ``before`` and ``now``, with the fraction moved."""
        for change in self.changes:
            moved = change.progress(now) - change.progress(before)
            if moved > 0:
                yield change, moved


def surprises(
    model: ChannelModel,
    before: float,
    now: float,
    feel: Callable[[ChannelModel, Change, float], None],
) -> None:
    """Phase 1: the trust surprise of each unfavourable and favourable change that moved between
    months ``before`` and ``now`` (docs/model.md §7.1), each change's total surprise delivered in
    proportion to how far it moved, passed to ``feel`` (which says whose lines feel it,
    :func:`sim.model.tiers.feel`); a partner advisory council softens the unfavourable ones
    (:func:`sim.model.commitment.heard_share`). ``model.terms`` must be this step's (their
    communication softens the surprise)."""
    for change, moved in model.schedule_of_terms.moves(before, now):
        if change.favourable == 0:
            continue
        total = model.engine.surprise(
            model,
            change.relative_size,
            change.ramp,
            change.notice,
            float(model.terms.communication[change.vendor]),
        )
        if change.favourable < 0:
            total *= commitment.heard_share(model.terms, change.vendor)
        feel(model, change, total * moved)
