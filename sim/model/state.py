"""Struct-of-arrays population state: partners and their vendor links, reps, and open deals.

Partners are rows. Every partner has exactly ``K = vendors_per_partner`` link slots, so link arrays are
``(P, K)`` and a partner's attention over its portfolio plus the outside option is one ``(P, K + 1)``
row. A link that exits stays in its slot with ``active = False`` and zero attention.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

LINK_FIELDS = (
    "vendor",
    "active",
    "trust",
    "trust_anchor",
    "capability",
    "win_rate",
    "expected_terms",
    "conflict_memory",
    "months_since_win",
    "months_low_trust",
    "revenue",
    "profit_rate",
    "joined",
    "first_win",
    "revenue_rate",
    "period_revenue",
    "rebate_due",
    "rebate_due_month",
    "campaign_spend",
    "tier",
)


@dataclass
class PartnerState:
    """Partners (rows) and their ``K`` vendor links (columns).

    Attributes:
        capacity: new deals per month the partner can start across all its lines, ``(P,)``.
        shares: attention over the ``K`` links and the outside option, ``(P, K + 1)``, rows sum to 1.
        vendor: vendor index of each link.
        active: the link exists (has not exited).
        trust, capability: 0..1.
        trust_anchor: the level trust drifts back to (the link's initial trust).
        win_rate: the partner's learned win rate with the vendor.
        expected_terms: margin + rebate the partner expects from the vendor.
        conflict_memory: decaying count of deals reps took from the partner.
        months_since_win: months since the link last won a deal (inf if never).
        months_low_trust: consecutive months with trust below the exit threshold.
        revenue: cumulative channel revenue the link transacted.
        profit_rate: the partner's trailing profit on the line per month (exponentially smoothed).
        joined: month the link was signed (negative during the spin-up).
        first_win: month of the link's first win (NaN until then).
        revenue_rate: the line's trailing channel revenue per month (smoothed like profit_rate).
        period_revenue: channel revenue the line booked in the current performance-rebate period.
        rebate_due: performance rebate earned and not yet paid.
        rebate_due_month: month it falls due (inf when nothing is due).
        campaign_spend: MDF the partner spends on campaigns for the line per month, lagged
            (exponentially smoothed with time constant ``market.mdf_lag_months``).
        tier: the line's partner tier, by position in its vendor's ``program.tiers`` (lowest 0);
            -1 when it is in none (:mod:`sim.model.tiers`).
        kind: ``(P,)`` the firm's partner type, by position in ``partners.types`` (0 when the
            scenario has none; :mod:`sim.model.partner_types`).
    """

    capacity: np.ndarray
    shares: np.ndarray
    vendor: np.ndarray
    active: np.ndarray
    trust: np.ndarray
    trust_anchor: np.ndarray
    capability: np.ndarray
    win_rate: np.ndarray
    expected_terms: np.ndarray
    conflict_memory: np.ndarray
    months_since_win: np.ndarray
    months_low_trust: np.ndarray
    revenue: np.ndarray
    profit_rate: np.ndarray
    joined: np.ndarray
    first_win: np.ndarray
    revenue_rate: np.ndarray
    period_revenue: np.ndarray
    rebate_due: np.ndarray
    rebate_due_month: np.ndarray
    campaign_spend: np.ndarray
    tier: np.ndarray
    kind: np.ndarray

    @property
    def count(self) -> int:
        return len(self.capacity)

    @property
    def slots(self) -> int:
        return self.vendor.shape[1]

    def append(self, other: PartnerState) -> None:
        """Add the partners of ``other`` as new rows."""
        first = self.vendor.size
        for f in fields(self):
            setattr(self, f.name, np.concatenate([getattr(self, f.name), getattr(other, f.name)]))
        groups = getattr(self, "_groups", None)
        if groups is not None:
            groups.extend(other.vendor.reshape(-1), first)

    def invalidate_groups(self) -> None:
        """Forget the grouping of links by vendor (after a slot changed vendor)."""
        self._groups = None

    def groups(self, vendors: int) -> VendorGroups:
        """The links grouped by vendor (kept up to date as partners are appended)."""
        groups = getattr(self, "_groups", None)
        if groups is None or groups.vendors != vendors or groups.size != self.vendor.size:
            groups = VendorGroups(self.vendor.reshape(-1), vendors)
            self._groups = groups
        return groups


@dataclass
class DropLog:
    """Lines firms ended lately, oldest first: the firm, vendor and month of each.

    What the resign cool-off (``partners.resign_cooloff_months``) needs; a line ended before
    ``forget_before`` is forgotten when the next ones are added. (A firms x vendors table of last
    drops was copied each time firms joined: 320 MB at 400,000 firms and 100 vendors.)
    """

    firm: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    vendor: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    month: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def add(self, firm: np.ndarray, vendor: np.ndarray, month: float, forget_before: float) -> None:
        keep = self.month > forget_before
        self.firm = np.concatenate([self.firm[keep], firm])
        self.vendor = np.concatenate([self.vendor[keep], vendor])
        self.month = np.concatenate([self.month[keep], np.full(len(firm), float(month))])


class VendorGroups:
    """Flat link (or any item) indices grouped by vendor, ascending index within each vendor.

    ``order[bounds[v]:bounds[v + 1]]`` are the items of vendor ``v`` in ascending order, the same
    items and order as ``np.flatnonzero(vendor == v)``, so a loop over vendors can slice instead of
    scanning every item once per vendor.

    Args:
        vendor: vendor index of each item, ``(N,)``; kept as ``vendor`` (not copied: groups of a
            population are rebuilt whenever its vendors change).
        vendors: number of vendors.
    """

    def __init__(self, vendor: np.ndarray, vendors: int) -> None:
        self.vendors = vendors
        self.vendor = vendor
        # A stable sort keeps ascending item order within a vendor; small ints sort by radix.
        self.order = np.argsort(_small_ints(vendor, vendors), kind="stable")
        self.counts = np.bincount(vendor, minlength=vendors)
        self.bounds = np.concatenate([[0], np.cumsum(self.counts)])

    @property
    def size(self) -> int:
        return len(self.order)

    @property
    def owner(self) -> np.ndarray:
        """The vendor of each position of ``order``."""
        return np.repeat(np.arange(self.vendors), self.counts)

    def members(self, v: int) -> np.ndarray:
        """Indices of vendor ``v``'s items, ascending."""
        return self.order[self.bounds[v] : self.bounds[v + 1]]

    def extend(self, vendor: np.ndarray, first: int) -> None:
        """Add items ``first, first + 1, ...`` with vendors ``vendor`` (all above existing items)."""
        if len(vendor) == 0:
            return
        self.vendor = np.concatenate([self.vendor, vendor])
        new = np.argsort(_small_ints(vendor, self.vendors), kind="stable")
        # New items go at the end of their vendor's group, in ascending order.
        self.order = np.insert(self.order, self.bounds[1:][vendor[new]], first + new)
        self.counts += np.bincount(vendor, minlength=self.vendors)
        self.bounds = np.concatenate([[0], np.cumsum(self.counts)])


def _small_ints(values: np.ndarray, bound: int) -> np.ndarray:
    """``values`` (``0 <= values < bound``) in the smallest int type, so a stable sort is a radix sort."""
    return values.astype(np.int16 if bound <= np.iinfo(np.int16).max else np.int64, copy=False)


@dataclass
class RepState:
    """Direct reps, one entry each.

    Attributes:
        vendor: the rep's vendor.
        open_deals: deals the rep is working now.
        credit_rate: exponentially weighted quota credit per month.
    """

    vendor: np.ndarray
    open_deals: np.ndarray
    credit_rate: np.ndarray

    @property
    def count(self) -> int:
        return len(self.vendor)

    def groups(self, vendors: int) -> VendorGroups:
        """The reps grouped by vendor."""
        groups = getattr(self, "_groups", None)
        if groups is None or groups.vendors != vendors or groups.size != self.count:
            groups = VendorGroups(self.vendor, vendors)
            self._groups = groups
        return groups


DEAL_FIELDS = {
    "vendor": np.int64,
    "value": float,
    "partner": np.int64,  # partner row, -1 if none
    "slot": np.int64,  # link slot of that partner, -1 if none
    "rep": np.int64,  # rep covering (partner deal) or owning (vendor deal) it, -1 if none
    "rep_works": bool,  # the rep works the deal and holds one of its slots
    "partner_sourced": bool,
    "cosell": bool,
    "stage": float,  # sales-cycle stage at which the partner joined (0 if it found the deal)
    "registered": bool,
    "disputed": bool,
    "taken_direct": bool,
    "created": float,  # month the opportunity was created
    "close_month": float,
    "campaign": bool,  # an MDF campaign of its partner created it
    "subscription": bool,  # sold as a subscription (sim.model.recurring)
    "squat": bool,  # registered by a partner that does not work it (sim.model.registration)
}


class DealBook:
    """Open deals as parallel arrays; new deals are appended, closed deals removed."""

    def __init__(self) -> None:
        self.columns: dict[str, np.ndarray] = {
            name: np.empty(0, dtype=dtype) for name, dtype in DEAL_FIELDS.items()
        }

    def __len__(self) -> int:
        return len(self.columns["vendor"])

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]

    def add(self, deals: dict[str, np.ndarray]) -> None:
        """Append deals given as a mapping of every column to equal-length arrays."""
        missing = set(DEAL_FIELDS) - set(deals)
        if missing:
            raise KeyError(f"new deals lack columns {sorted(missing)}")
        for name, dtype in DEAL_FIELDS.items():
            self.columns[name] = np.concatenate(
                [self.columns[name], np.asarray(deals[name], dtype)]
            )

    def take(self, mask: np.ndarray) -> dict[str, np.ndarray]:
        """Remove the deals where ``mask`` is true and return them (both keep their order)."""
        # Integer indices gather several times faster than a boolean mask when the deals due are
        # scattered through the book (an unpredictable branch per deal otherwise).
        taken, kept = np.flatnonzero(mask), np.flatnonzero(~mask)
        out = {name: column.take(taken) for name, column in self.columns.items()}
        self.columns = {name: column.take(kept) for name, column in self.columns.items()}
        return out
