"""Struct-of-arrays population state: partners and their vendor links, reps, and open deals.

Partners are rows. Every partner has exactly ``K = vendors_per_partner`` link slots, so link arrays are
``(P, K)`` and a partner's attention over its portfolio plus the outside option is one ``(P, K + 1)``
row. A link that exits stays in its slot with ``active = False`` and zero attention.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

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

    @property
    def count(self) -> int:
        return len(self.capacity)

    @property
    def slots(self) -> int:
        return self.vendor.shape[1]

    def append(self, other: PartnerState) -> None:
        """Add the partners of ``other`` as new rows."""
        for f in fields(self):
            setattr(self, f.name, np.concatenate([getattr(self, f.name), getattr(other, f.name)]))


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
    "close_step": np.int64,
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
        """Remove the deals where ``mask`` is true and return them."""
        taken = {name: column[mask] for name, column in self.columns.items()}
        keep = ~mask
        self.columns = {name: column[keep] for name, column in self.columns.items()}
        return taken
