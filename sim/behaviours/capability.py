"""Slot ``capability``: how a partner's capability to sell a vendor grows and decays.

Protocol, in either form (a rule writes one or both; see :mod:`sim.behaviours.forms`):

- population: ``update(capability, s: CapabilitySignals) -> ndarray``, the new ``(P, K)``
  capability;
- per-agent: ``update_one(capability: float, s: OneLinkCapability) -> float``, one link's new
  capability.

Capability stays within [0, 1].
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from pydantic import Field

from sim.behaviours.forms import batch_of, first, one_of
from sim.behaviours.registry import Rule, RuleParams, register


@dataclass(frozen=True)
class CapabilitySignals:
    """Inputs to capability, ``(P, K)`` arrays.

    Attributes:
        enablement: the vendor's enablement spend per partner-month (currency units).
        attention: the partner's attention share on the vendor, 0..1.
        deals_worked: influence-weighted deals the partner worked (closed, won or lost) this step.
        dt: step length in months.
        capacity: the partner's selling capacity (new deals per month; 1 by default): the size of
            the team that shares what a deal teaches.
    """

    enablement: np.ndarray
    attention: np.ndarray
    deals_worked: np.ndarray
    dt: float
    capacity: float | np.ndarray = 1.0

    def link(self, i: int, k: int) -> OneLinkCapability:
        """The signals of partner ``i``'s link in slot ``k`` alone."""
        return one_of(self, (i, k), OneLinkCapability)


@dataclass(frozen=True)
class OneLinkCapability:
    """Inputs to one link's capability, plain numbers (see :class:`CapabilitySignals`):
    ``enablement`` spend per partner-month, the partner's ``attention`` share on the vendor,
    ``deals_worked`` this step, the step length ``dt`` in months, the partner's ``capacity``."""

    enablement: float
    attention: float
    deals_worked: float
    dt: float
    capacity: float = 1.0


class CapabilityForms:
    """Adapter: ``update`` from ``update_one`` (link by link) and ``update_one`` from ``update``
    (on one link); the registry gives a rule that lacks one of them this one."""

    def update(self, capability: np.ndarray, s: CapabilitySignals) -> np.ndarray:
        capability = np.asarray(capability, dtype=float)
        out = np.empty(capability.shape)
        for index in np.ndindex(capability.shape):
            link = one_of(s, index, OneLinkCapability)
            out[index] = self.update_one(float(capability[index]), link)
        return out

    def update_one(self, capability: float, s: OneLinkCapability) -> float:
        return first(self.update(np.array([capability]), batch_of(s, CapabilitySignals)))


class EnablementLearningParams(RuleParams):
    enablement_rate: float = Field(
        0.08,
        ge=0,
        le=1,
        description="Share of the gap to 1 a fully attentive partner closes per month at saturating "
        "enablement spend.",
    )
    enablement_scale: float = Field(
        1000.0,
        gt=0,
        description="Enablement spend per partner-month (currency) that gives 63% of the maximum "
        "absorption: diminishing returns.",
    )
    learning_per_deal: float = Field(
        0.02, ge=0, le=1, description="Share of the gap to 1 closed per deal worked."
    )
    decay_per_month: float = Field(
        0.03, ge=0, le=1, description="Share of capability lost per month with no attention."
    )


@register("capability", "enablement-learning", version=1)
class EnablementLearning(Rule):
    """Capability grows with enablement spend (diminishing returns, absorbed in proportion to attention) and with deals worked, and decays when the partner's attention is elsewhere.

    Absorption ``rate * (1 - exp(-spend / scale)) * attention * (1 - c)`` is a saturating
    learning curve; learning by doing adds per deal (Arrow 1962); unused skills decay in proportion
    to the attention not given.
    """

    Params = EnablementLearningParams
    params: EnablementLearningParams

    def update(self, capability: np.ndarray, s: CapabilitySignals) -> np.ndarray:
        p = self.params
        absorption = p.enablement_rate * (1.0 - np.exp(-s.enablement / p.enablement_scale))
        grow = 1.0 - (1.0 - absorption * s.attention) ** s.dt
        decay = 1.0 - (1.0 - p.decay_per_month * (1.0 - s.attention)) ** s.dt
        new = capability * (1.0 - decay) + (1.0 - capability) * grow
        # Learning by doing moves only the links that worked deals (elsewhere the term is 0).
        worked = np.asarray(s.deals_worked, dtype=float)
        if isinstance(new, np.ndarray) and new.ndim and new.shape == worked.shape:
            rows = np.flatnonzero(worked.reshape(-1))
            flat = new.reshape(-1)
            learn = 1.0 - (1.0 - p.learning_per_deal) ** worked.reshape(-1)[rows]
            flat[rows] = flat[rows] + (1.0 - flat[rows]) * learn
        else:
            learn = 1.0 - (1.0 - p.learning_per_deal) ** worked
            new = new + (1.0 - new) * learn
        return np.clip(new, 0.0, 1.0)

    def update_one(self, capability: float, s: OneLinkCapability) -> float:
        """One link: the same rule, written for a single partner-vendor link."""
        p = self.params
        absorption = p.enablement_rate * (1.0 - math.exp(-s.enablement / p.enablement_scale))
        grow = 1.0 - (1.0 - absorption * s.attention) ** s.dt
        decay = 1.0 - (1.0 - p.decay_per_month * (1.0 - s.attention)) ** s.dt
        learn = 1.0 - (1.0 - p.learning_per_deal) ** s.deals_worked
        new = capability * (1.0 - decay) + (1.0 - capability) * grow
        new = new + (1.0 - new) * learn
        return min(max(new, 0.0), 1.0)


class PerCapacityLearningParams(EnablementLearningParams):
    """Version 1's parameters with faster enablement and decay, and learning per unit of capacity."""

    enablement_rate: float = Field(
        0.2,
        ge=0,
        le=1,
        description="Share of the gap to 1 a fully attentive partner closes per month at saturating "
        "enablement spend.",
    )
    learning_per_deal: float = Field(
        0.02,
        ge=0,
        le=1,
        description="Share of the gap to 1 closed per deal worked per unit of partner capacity.",
    )
    decay_per_month: float = Field(
        0.06, ge=0, le=1, description="Share of capability lost per month with no attention."
    )


@register("capability", "enablement-learning", version=2)
class PerCapacityLearning(EnablementLearning):
    """Capability grows with enablement spend (diminishing returns, absorbed in proportion to attention) and with deals worked per unit of the partner's capacity, and decays when the partner's attention is elsewhere.

    Version 1 counted learning by doing per deal, so a partner with fifty times the capacity learned
    fifty times as fast and the largest partners ran to capability 0.95. Capability is a skill per
    seller: a deal teaches the team that works it, a share ``1 / capacity`` of a large partner's
    staff, so learning is per deal per unit of capacity (Arrow 1962). The default rates put a fully
    attentive partner at default spend 63% of the way to full skill in a year and halve unused
    skill in about eleven months, so capability settles within a few years.
    """

    Params = PerCapacityLearningParams
    params: PerCapacityLearningParams

    def update(self, capability: np.ndarray, s: CapabilitySignals) -> np.ndarray:
        worked, capacity = np.broadcast_arrays(
            np.asarray(s.deals_worked, dtype=float), np.asarray(s.capacity, dtype=float)
        )
        # A partner with no capacity works no deals.
        per_seller = np.divide(worked, capacity, out=np.zeros(worked.shape), where=capacity > 0)
        return super().update(capability, replace(s, deals_worked=per_seller))

    def update_one(self, capability: float, s: OneLinkCapability) -> float:
        """One link: version 1's update with deals worked divided by the partner's capacity."""
        per_seller = s.deals_worked / s.capacity if s.capacity > 0 else 0.0
        return super().update_one(capability, replace(s, deals_worked=per_seller))
