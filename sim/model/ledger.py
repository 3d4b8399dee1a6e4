"""What happened during one step: flows per vendor and signals per partner-vendor link.

The deal-flow phases add to a fresh ledger each step; learning and metric collection read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class StepLedger:
    """What happened during one step: flows per vendor and signals per link."""

    vendors: int
    partners: int
    slots: int
    flows: dict[str, np.ndarray] = field(default_factory=dict)
    links: dict[str, np.ndarray] = field(default_factory=dict)
    closed: dict[str, np.ndarray] = field(default_factory=dict)
    sourcing: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    """Phase 3's link coverage, vendor coverage and vendor demand (phase 4 picks co-sell partners
    by the same coverage; partners read the vendors' deal flow per unit of coverage)."""

    def flow(self, name: str) -> np.ndarray:
        if name not in self.flows:
            self.flows[name] = np.zeros(self.vendors)
        return self.flows[name]

    def link(self, name: str) -> np.ndarray:
        if name not in self.links:
            self.links[name] = np.zeros((self.partners, self.slots))
        return self.links[name]

    def add_vendor(self, name: str, vendor: np.ndarray, weights: np.ndarray | None = None) -> None:
        counts = np.bincount(vendor, weights, minlength=self.vendors)
        if name in self.flows:
            self.flows[name] += counts
        else:  # the first addition is the sums themselves (0.0 + x == x), as in add_link
            self.flows[name] = counts.astype(float, copy=False)

    def add_link(
        self, name: str, partner: np.ndarray, slot: np.ndarray, weights: np.ndarray | None = None
    ) -> None:
        index = partner * self.slots + slot
        counts = np.bincount(index, weights, minlength=self.partners * self.slots)
        if name in self.links:
            self.links[name] += counts.reshape(self.partners, self.slots)
        else:  # the first addition is the sums themselves (0.0 + x == x): no zeros to add to
            self.links[name] = counts.reshape(self.partners, self.slots).astype(float, copy=False)
