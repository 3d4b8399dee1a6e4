"""Mesa agents as thin handles over the model's arrays.

The population state lives in arrays (:mod:`sim.model.state`); these agents read and write it by
index so a user can inspect one partner, rep or vendor the Mesa way
(``model.agents_by_type[Partner]``, ``AgentSet.select``, ``AgentSet.agg``) without the engine
keeping a second copy of the state.

In the per-agent engine (:mod:`sim.model.engines`) the agents also decide:
``Partner.allocate_attention``, ``Partner.update_trust``, ``Partner.update_capability`` and
``DirectRep.decide`` each call the per-agent form of the scenario's rule for one partner, link or
deal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import mesa
import numpy as np

if TYPE_CHECKING:
    from sim.behaviours.attention import AttentionInputs
    from sim.behaviours.capability import CapabilitySignals
    from sim.behaviours.trust import TrustSignals
    from sim.model.channel_model import ChannelModel


class RepOdds(NamedTuple):
    """What a rep would do with one deal, as probabilities; the market draws the outcome."""

    cosell: float
    contest: float
    takeover: float


class Vendor(mesa.Agent):
    """A vendor: its current program, comp plan and engagement terms."""

    model: ChannelModel

    def __init__(self, model: ChannelModel, index: int) -> None:
        super().__init__(model)
        self.index = index
        self.name = model.vendor_names[index]

    def term(self, key: str) -> float:
        """The current value of ``key`` (e.g. ``margin``, ``direct_credit``, ``partner_join_stage``)."""
        return float(getattr(self.model.terms, key)[self.index])

    @property
    def partner_links(self) -> np.ndarray:
        """``(partner, slot)`` pairs of the vendor's active links."""
        ps = self.model.partners
        return np.argwhere((ps.vendor == self.index) & ps.active)

    def __repr__(self) -> str:
        return f"Vendor({self.name!r})"


class DirectRep(mesa.Agent):
    """A direct rep of one vendor: open deals and smoothed quota credit."""

    model: ChannelModel

    def __init__(self, model: ChannelModel, index: int) -> None:
        super().__init__(model)
        self.index = index

    @property
    def vendor(self) -> str:
        return self.model.vendor_names[self.model.reps.vendor[self.index]]

    @property
    def open_deals(self) -> int:
        return int(self.model.reps.open_deals[self.index])

    @property
    def attainment(self) -> float:
        """Smoothed credit per month over quota per month."""
        reps = self.model.reps
        return float(reps.credit_rate[self.index] / self.model.quota[reps.vendor[self.index]])

    @property
    def quota_pressure(self) -> float:
        return float(np.clip(1.0 - self.attainment, 0.0, 1.0))

    def decide(self, partner_sourced: bool, registered: bool) -> RepOdds:
        """The rep's odds on one new deal, from the per-agent form of the ``rep_engagement`` rule.

        A deal the rep found may be co-sold with a partner; a deal a partner found may be
        contested and then taken over. The odds of the other kind are 0.
        """
        rule, terms = self.model.rep_rule, self.model.terms
        v = self.model.reps.vendor[self.index]
        if not partner_sourced:
            cosell = rule.cosell_probability_one(
                float(terms.partner_assisted_credit[v]), float(terms.direct_credit[v])
            )
            return RepOdds(float(cosell), 0.0, 0.0)
        contest = rule.contest_probability_one(
            float(terms.direct_credit[v]),
            float(terms.partner_sourced_credit[v]),
            self.quota_pressure,
            registered,
        )
        return RepOdds(0.0, float(contest), float(rule.takeover_probability_one(registered)))

    def decide_deals(self, deals: dict[str, np.ndarray], odds: np.ndarray) -> None:
        """Write :meth:`decide` for each new deal this rep found or covers into ``odds`` rows."""
        for j in np.flatnonzero(deals["rep"] == self.index):
            odds[j] = self.decide(bool(deals["partner_sourced"][j]), bool(deals["registered"][j]))


class Partner(mesa.Agent):
    """A multi-vendor partner: capacity, and per portfolio vendor its trust, capability, attention."""

    model: ChannelModel

    def __init__(self, model: ChannelModel, index: int) -> None:
        super().__init__(model)
        self.index = index

    @property
    def capacity(self) -> float:
        return float(self.model.partners.capacity[self.index])

    def _slots(self) -> list[int]:
        """The partner's signed slots (a new firm's free slots have never held a line)."""
        joined = self.model.partners.joined[self.index]
        return [k for k in range(len(joined)) if np.isfinite(joined[k])]

    @property
    def portfolio(self) -> list[str]:
        """Names of the vendors in the partner's portfolio (active lines or not), once each."""
        vendors = self.model.partners.vendor[self.index]
        return list(dict.fromkeys(self.model.vendor_names[vendors[k]] for k in self._slots()))

    @property
    def attention(self) -> dict[str, float]:
        """Attention share per vendor in the portfolio plus ``outside``; sums to 1."""
        ps = self.model.partners
        shares, vendors = ps.shares[self.index], ps.vendor[self.index]
        out = dict.fromkeys(self.portfolio, 0.0)
        for k in self._slots():
            out[self.model.vendor_names[vendors[k]]] += float(shares[k])
        out["outside"] = float(shares[-1])
        return out

    def link(self, vendor: str) -> dict[str, float | bool]:
        """State of the line with ``vendor``: trust, capability, win rate, active (the active line
        if the partner signed the vendor again after leaving it)."""
        ps = self.model.partners
        i = self.index
        mine = [k for k in self._slots() if self.model.vendor_names[ps.vendor[i, k]] == vendor]
        if not mine:
            raise ValueError(f"{vendor!r} is not in this partner's portfolio {self.portfolio}")
        slot = next((k for k in mine if ps.active[i, k]), mine[-1])
        return {
            "active": bool(ps.active[i, slot]),
            "trust": float(ps.trust[i, slot]),
            "capability": float(ps.capability[i, slot]),
            "win_rate": float(ps.win_rate[i, slot]),
            "revenue": float(ps.revenue[i, slot]),
        }

    # ------------------------------------------------------------------ per-agent engine
    def allocate_attention(
        self, x: AttentionInputs, out: np.ndarray, initial: bool = False, offset: int = 0
    ) -> None:
        """Plan this partner's attention with the rule's per-agent form; write its row of ``out``.

        Row ``index - offset`` of ``x`` and ``out`` is this partner's (``offset`` > 0 when only
        the partners from ``offset`` on, such as new recruits, are planned)."""
        self.plan(x, out, self.index - offset, initial)

    def plan(self, x: AttentionInputs, out: np.ndarray, row: int, initial: bool = False) -> None:
        """Plan this partner's attention from row ``row`` of ``x`` into row ``row`` of ``out``."""
        out[row] = self.model.attention_rule.allocate_one(x.partner(row), initial)

    def update_trust(self, signals: TrustSignals, out: np.ndarray) -> None:
        """Move trust on each active link with the rule's per-agent form, in ``out``."""
        rule, ps, i = self.model.trust_rule, self.model.partners, self.index
        for k in np.flatnonzero(ps.active[i]):
            out[i, k] = rule.update_one(float(ps.trust[i, k]), signals.link(i, k))

    def update_capability(self, signals: CapabilitySignals, out: np.ndarray) -> None:
        """Move capability on each active link with the rule's per-agent form, in ``out``."""
        rule, ps, i = self.model.capability_rule, self.model.partners, self.index
        for k in np.flatnonzero(ps.active[i]):
            out[i, k] = rule.update_one(float(ps.capability[i, k]), signals.link(i, k))
