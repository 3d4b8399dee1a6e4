"""The two engines that run the behaviour phases: for the whole population at once, or per agent.

The model's schedule, state and market phases are the same in both engines, and so is every random
draw: rules return shares, levels and probabilities, and the market phases draw the outcomes from
``model.rng`` in one order. The engines differ only in how they call the behaviour rules:

- ``population`` (default, fast): one call of a rule's population form per phase, on arrays
  (``rule.allocate(x)`` for all partners).
- ``per-agent``: each Mesa agent decides for itself through its AgentSet
  (``model.agents_by_type[Partner].do("allocate_attention", ...)``), calling the rule's per-agent
  form (``rule.allocate_one(x.partner(i))``); deals are judged one by one.

When a rule's two forms agree, the engines give the same numbers for the same seed (to float
rounding; see ``tests/test_engines.py``). A rule written in one form runs in both engines through
the registry's adapters (:mod:`sim.behaviours.forms`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from sim.behaviours.attention import AttentionInputs
from sim.behaviours.capability import CapabilitySignals
from sim.behaviours.deals import DealInputs
from sim.behaviours.trust import TrustSignals
from sim.model.agents import DirectRep, Partner

if TYPE_CHECKING:
    from sim.model.channel_model import ChannelModel

ENGINES = ("population", "per-agent")
"""Engine names, as given to ``ChannelModel(engine=...)`` and ``sim run --engine``."""


class UnknownEngineError(ValueError):
    """An engine name that is not one of :data:`ENGINES`."""


def each(model: ChannelModel, cls: type, method: str, *args: Any, start: int = 0, **kwargs: Any):
    """Call ``method`` on every agent of type ``cls`` (with ``index >= start``) through its
    AgentSet; a model with no agents of that type (a scenario without reps) has nothing to call."""
    agents = model.agents_by_type.get(cls)
    if agents is None:
        return
    if start:
        agents = agents.select(lambda agent: agent.index >= start)
    agents.do(method, *args, **kwargs)


class PopulationEngine:
    """Behaviour phases as one call of each rule's population form, on arrays."""

    name = "population"

    def allocate_attention(
        self,
        model: ChannelModel,
        x: AttentionInputs,
        initial: bool = False,
        start: int = 0,
        rows: np.ndarray | None = None,
    ) -> np.ndarray:
        """New attention shares from ``x``, the inputs of the partners planned: every partner from
        ``start`` on (row 0 of ``x`` is partner ``start``), or the partner rows ``rows`` in order."""
        return model.attention_rule.allocate(x, initial=initial)

    def surprise(
        self, model: ChannelModel, change: float, ramp: float, notice: float, communication: float
    ) -> float:
        """Total trust surprise of one program change."""
        return float(
            model.trust_rule.surprise(
                np.array([change]), np.array([ramp]), np.array([notice]), np.array([communication])
            )[0]
        )

    def update_trust(self, model: ChannelModel, signals: TrustSignals) -> np.ndarray:
        """New trust of every link; links that exited keep theirs."""
        ps = model.partners
        return np.where(ps.active, model.trust_rule.update(ps.trust, signals), ps.trust)

    def update_capability(self, model: ChannelModel, signals: CapabilitySignals) -> np.ndarray:
        """New capability of every link; links that exited keep theirs."""
        ps = model.partners
        return np.where(
            ps.active, model.capability_rule.update(ps.capability, signals), ps.capability
        )

    def rep_probabilities(
        self, model: ChannelModel, deals: dict[str, np.ndarray]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per new deal: probabilities that its rep co-sells it, contests it, and takes it over."""
        terms, rule = model.terms, model.rep_rule
        vendor, rep = deals["vendor"], deals["rep"]
        p_cosell = rule.cosell_probability(
            terms.partner_assisted_credit[vendor], terms.direct_credit[vendor]
        )
        quota = model.quota[vendor]
        credit = np.zeros(len(rep))
        credit[rep >= 0] = model.reps.credit_rate[rep[rep >= 0]]
        pressure = np.where(rep >= 0, np.clip(1.0 - credit / quota, 0.0, 1.0), 0.0)
        p_contest = rule.contest_probability(
            terms.direct_credit[vendor],
            terms.partner_sourced_credit[vendor],
            pressure,
            deals["registered"],
        )
        p_take = rule.takeover_probability(deals["registered"])
        return p_cosell, p_contest, p_take

    def deal_probabilities(
        self, model: ChannelModel, x: DealInputs
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per closing deal: the probability it is won and the partner's services share."""
        return model.deal_rule.win_probability(x), model.deal_rule.services_share(x)


class PerAgentEngine(PopulationEngine):
    """Behaviour phases agent by agent, through Mesa AgentSets and the rules' per-agent forms."""

    name = "per-agent"

    def allocate_attention(
        self,
        model: ChannelModel,
        x: AttentionInputs,
        initial: bool = False,
        start: int = 0,
        rows: np.ndarray | None = None,
    ) -> np.ndarray:
        out = np.array(x.shares, dtype=float)
        if rows is None:
            each(
                model,
                Partner,
                "allocate_attention",
                x,
                out,
                start=start,
                initial=initial,
                offset=start,
            )
        else:  # a few partners anywhere in the population (firms signing a new line)
            for position, row in enumerate(rows):
                model.partner_agents[row].plan(x, out, position, initial)
        return out

    def surprise(
        self, model: ChannelModel, change: float, ramp: float, notice: float, communication: float
    ) -> float:
        return float(model.trust_rule.surprise_one(change, ramp, notice, communication))

    def update_trust(self, model: ChannelModel, signals: TrustSignals) -> np.ndarray:
        out = model.partners.trust.copy()
        each(model, Partner, "update_trust", signals, out)
        return out

    def update_capability(self, model: ChannelModel, signals: CapabilitySignals) -> np.ndarray:
        out = model.partners.capability.copy()
        each(model, Partner, "update_capability", signals, out)
        return out

    def rep_probabilities(
        self, model: ChannelModel, deals: dict[str, np.ndarray]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n = len(deals["vendor"])
        odds = np.zeros((n, 3))  # co-sell, contest, takeover; 0 for deals no rep covers
        each(model, DirectRep, "decide_deals", deals, odds)
        return odds[:, 0], odds[:, 1], odds[:, 2]

    def deal_probabilities(
        self, model: ChannelModel, x: DealInputs
    ) -> tuple[np.ndarray, np.ndarray]:
        rule = model.deal_rule
        deals = [x.deal(j) for j in range(len(x.strength))]
        won = np.array([rule.win_probability_one(deal) for deal in deals], dtype=float)
        services = np.array([rule.services_share_one(deal) for deal in deals], dtype=float)
        return won, services


def make_engine(name: str) -> PopulationEngine:
    """The engine called ``name`` (one of :data:`ENGINES`)."""
    if name == "population":
        return PopulationEngine()
    if name == "per-agent":
        return PerAgentEngine()
    raise UnknownEngineError(f"unknown engine {name!r}; allowed: {', '.join(ENGINES)}")


__all__ = [
    "ENGINES",
    "PerAgentEngine",
    "PopulationEngine",
    "UnknownEngineError",
    "make_engine",
]
