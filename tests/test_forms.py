"""The two forms of a behaviour rule: population (arrays for everyone) and per-agent (one agent).

A rule may be written in either form or both (``sim/behaviours/forms.py``). The built-in rules ship
both, and the per-agent form is hand-written scalar code, the readable reference. So:

- for every built-in rule and every protocol method, the two forms give the same result on random
  inputs with edge cases mixed in (exited links, partners with every link exited, zero and large
  counts, trust and capability at 0 and 1, saturated log-odds) and random valid parameters, to float
  rounding (Hypothesis);
- the per-agent form works on its own, without the population code;
- a rule written in one form gets the other from the slot's adapter, and ``spec.forms`` says which
  forms its author wrote; a rule with neither is refused when it is registered.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.behaviours import Rule, all_rules, build, register, resolve
from sim.behaviours import registry as registry_module
from sim.behaviours.attention import AttentionInputs, OnePartnerAttention
from sim.behaviours.capability import (
    CapabilitySignals,
    EnablementLearning,
    OneLinkCapability,
)
from sim.behaviours.deals import DealInputs, OneDeal
from sim.behaviours.forms import PER_AGENT, POPULATION
from sim.behaviours.registry import FORM_METHODS, SLOTS, missing_methods, via_other_form
from sim.behaviours.trust import OneLinkTrust, TrustSignals
from sim.testing import random_params

BUILT_IN = [spec for spec in all_rules() if spec.origin == "built-in"]
P, K = 12, 3
WEEK = 12.0 / 52.0
RTOL = ATOL = 1e-12


# ---------------------------------------------------------------------------- inputs with edges
def with_edges(
    rng: np.random.Generator, values: np.ndarray, edges: list[float], share: float
) -> np.ndarray:
    """``values`` with a ``share`` of its entries replaced by values picked from ``edges``."""
    hit = rng.random(values.shape) < share
    return np.where(hit, rng.choice(edges, size=values.shape), values)


def counts(rng: np.random.Generator, shape: Any, edge: float) -> np.ndarray:
    return with_edges(rng, rng.poisson(1.0, shape).astype(float), [0.0, 25.0], edge)


def unit(rng: np.random.Generator, shape: Any, edge: float) -> np.ndarray:
    return with_edges(rng, rng.random(shape), [0.0, 1.0], edge)


def inputs_for(slot: str, rng: np.random.Generator, dt: float, edge: float) -> dict[str, tuple]:
    """Population inputs for each population method of ``slot``."""
    if slot == "partner_attention":
        active = rng.random((P, K)) < 0.7
        active[0] = False  # every link exited: all attention on the outside option
        active[1] = [True] + [False] * (K - 1)
        shares = rng.random((P, K + 1)) * np.column_stack([active, np.ones(P)])
        x = AttentionInputs(
            profit=with_edges(rng, rng.normal(0.05, 0.2, (P, K)), [0.0, 5.0, -5.0], edge),
            trust=unit(rng, (P, K), edge),
            capability=unit(rng, (P, K), edge),
            conflict=with_edges(rng, rng.exponential(1.0, (P, K)), [0.0, 50.0], edge),
            active=active,
            outside_profit=rng.normal(0.05, 0.2, P),
            outside_trust=float(rng.random()),
            outside_capability=float(rng.random()),
            shares=shares / shares.sum(axis=1, keepdims=True),
            dt=dt,
        )
        return {"allocate": (x,)}
    if slot == "trust":
        invitations = counts(rng, (P, K), edge)
        signals = TrustSignals(
            wins=counts(rng, (P, K), edge),
            conflicts_lost=counts(rng, (P, K), edge),
            conflicts_kept=counts(rng, (P, K), edge),
            invitations=invitations,
            invitation_stage_sum=invitations * unit(rng, (P, K), edge),
            communication=unit(rng, (P, K), edge),
            profit_shortfall=unit(rng, (P, K), edge),
            surprise_loss=with_edges(rng, rng.exponential(0.5, (P, K)), [0.0, 40.0], edge),
            surprise_gain=with_edges(rng, rng.exponential(0.5, (P, K)), [0.0, 40.0], edge),
            anchor=unit(rng, (P, K), edge),
            dt=dt,
        )
        surprise = (
            with_edges(rng, rng.normal(0, 0.3, P), [0.0, 1.0, -1.0], edge),
            with_edges(rng, rng.uniform(0, 24, P), [0.0, 0.5], edge),
            with_edges(rng, rng.uniform(0, 12, P), [0.0, 60.0], edge),
            unit(rng, P, edge),
        )
        return {"update": (unit(rng, (P, K), edge), signals), "surprise": surprise}
    if slot == "capability":
        signals = CapabilitySignals(
            enablement=with_edges(rng, rng.uniform(0, 5000, (P, K)), [0.0, 1e6], edge),
            attention=unit(rng, (P, K), edge),
            deals_worked=counts(rng, (P, K), edge) * unit(rng, (P, K), edge),
            dt=dt,
        )
        return {"update": (unit(rng, (P, K), edge), signals)}
    if slot == "rep_engagement":
        credit = [0.0, 1.0, 400.0]
        registered = rng.random(P) < 0.5
        return {
            "cosell_probability": (
                with_edges(rng, rng.uniform(0, 3, P), credit, edge),
                with_edges(rng, rng.uniform(0, 3, P), credit, edge),
            ),
            "contest_probability": (
                with_edges(rng, rng.uniform(0, 3, P), credit, edge),
                with_edges(rng, rng.uniform(0, 3, P), credit, edge),
                unit(rng, P, edge),
                registered,
            ),
            "takeover_probability": (registered,),
        }
    if slot == "deal_outcome":
        x = DealInputs(
            strength=unit(rng, P, edge),
            partner_capability=unit(rng, P, edge),
            influence=unit(rng, P, edge),
            has_rep=rng.random(P) < 0.5,
            disputed=rng.random(P) < 0.3,
        )
        return {"win_probability": (x,), "services_share": (x,)}
    raise AssertionError(f"no inputs for slot {slot!r}")  # pragma: no cover


# ---------------------------------------------------------------------------- agreement
def assert_forms_agree(rule: Rule, slot: str, rng: np.random.Generator, dt: float, edge: float):
    for method, args in inputs_for(slot, rng, dt, edge).items():
        variants = [{}] + ([{"initial": True}] if method == "allocate" else [])
        for kwargs in variants:
            population = np.asarray(getattr(rule, method)(*args, **kwargs))
            per_agent = np.asarray(via_other_form(rule, method)(*args, **kwargs))
            assert per_agent.shape == population.shape, method
            np.testing.assert_allclose(
                per_agent, population, rtol=RTOL, atol=ATOL, err_msg=f"{method} {kwargs}"
            )


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
@pytest.mark.parametrize("spec", BUILT_IN, ids=lambda s: f"{s.slot}:{s.id}")
@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    dt=st.sampled_from([1.0, WEEK]) | st.floats(0.01, 3.0),
    edge=st.sampled_from([0.0, 0.2, 0.6]),
    random=st.booleans(),
)
def test_built_in_forms_agree(spec, seed: int, dt: float, edge: float, random: bool) -> None:
    """Population form and per-agent form (looped over every agent) agree on random inputs with
    edge values mixed in, under default or random valid parameters."""
    rng = np.random.default_rng(seed)
    rule = build(spec.slot, spec.id, random_params(spec, rng) if random else {})
    assert_forms_agree(rule, spec.slot, rng, dt, edge)


@pytest.mark.parametrize("spec", BUILT_IN, ids=lambda s: f"{s.slot}:{s.id}")
def test_built_in_rules_ship_both_forms(spec) -> None:
    assert spec.forms == {POPULATION, PER_AGENT}
    assert spec.runnable is spec.cls


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
@pytest.mark.parametrize("spec", BUILT_IN, ids=lambda s: f"{s.slot}:{s.id}")
def test_per_agent_form_stands_alone(spec, monkeypatch: pytest.MonkeyPatch) -> None:
    """The built-in per-agent code is its own scalar implementation: with every population method
    broken it still gives the population answers."""
    rng = np.random.default_rng(3)
    rule = build(spec.slot, spec.id)
    expected = {
        method: np.asarray(getattr(rule, method)(*args))
        for method, args in inputs_for(spec.slot, rng, 1.0, 0.2).items()
    }
    rng = np.random.default_rng(3)
    inputs = inputs_for(spec.slot, rng, 1.0, 0.2)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the per-agent form called the population form")

    for population, _ in spec.methods:
        monkeypatch.setattr(spec.cls, population, broken)
    for method, args in inputs.items():
        got = np.asarray(via_other_form(rule, method)(*args))
        np.testing.assert_allclose(got, expected[method], rtol=RTOL, atol=ATOL)


# ---------------------------------------------------------------------------- exact one-agent cases
def test_one_partner_with_every_link_exited_gives_all_to_the_outside_option() -> None:
    rule = build("partner_attention", "softmax-utility@1")
    x = OnePartnerAttention(
        profit=np.array([0.5, 0.5]),
        trust=np.array([1.0, 1.0]),
        capability=np.array([1.0, 1.0]),
        conflict=np.zeros(2),
        active=np.array([False, False]),
        outside_profit=-1.0,
        outside_trust=0.0,
        outside_capability=0.0,
        shares=np.array([0.0, 0.0, 1.0]),
        dt=1.0,
    )
    assert rule.allocate_one(x).tolist() == [0.0, 0.0, 1.0]


def test_one_link_views_match_the_population_arrays() -> None:
    """``x.partner(i)``, ``s.link(i, k)`` and ``x.deal(j)`` hand one agent its own plain values."""
    rng = np.random.default_rng(0)
    (x,) = inputs_for("partner_attention", rng, 1.0, 0.0)["allocate"]
    one = x.partner(4)
    assert isinstance(one, OnePartnerAttention)
    assert one.profit.tolist() == x.profit[4].tolist() and one.shares.shape == (K + 1,)
    assert one.outside_profit == x.outside_profit[4] and isinstance(one.outside_profit, float)
    trust, signals = inputs_for("trust", rng, WEEK, 0.0)["update"]
    link = signals.link(2, 1)
    assert isinstance(link, OneLinkTrust) and link.wins == signals.wins[2, 1] and link.dt == WEEK
    _, cap = inputs_for("capability", rng, 1.0, 0.0)["update"]
    assert cap.link(0, 2) == OneLinkCapability(
        float(cap.enablement[0, 2]), float(cap.attention[0, 2]), float(cap.deals_worked[0, 2]), 1.0
    )
    (deals,) = inputs_for("deal_outcome", rng, 1.0, 0.0)["win_probability"]
    deal = deals.deal(3)
    assert isinstance(deal, OneDeal) and isinstance(deal.has_rep, bool)


# ---------------------------------------------------------------------------- one-form rules
@pytest.fixture
def sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    """A private copy of the registry, so test registrations do not leak into other tests."""
    list(all_rules())
    copied = {
        slot: {name: dict(versions) for name, versions in rules.items()}
        for slot, rules in registry_module._REGISTRY.items()
    }
    monkeypatch.setattr(registry_module, "_REGISTRY", copied)


def test_a_per_agent_rule_runs_on_arrays_row_by_row(sandbox: None) -> None:
    """Written per deal only, the rule answers population calls by looping over the deals."""

    @register("deal_outcome", "capable-wins", version=1, origin="test")
    class CapableWins(Rule):
        """A deal is won with the partner's capability times its influence."""

        def win_probability_one(self, deal: OneDeal) -> float:
            return deal.partner_capability * deal.influence

        def services_share_one(self, deal: OneDeal) -> float:
            return deal.influence

    spec = resolve("deal_outcome", "capable-wins")
    assert spec.forms == {PER_AGENT}
    assert spec.cls is CapableWins and issubclass(spec.runnable, CapableWins)
    rule = build("deal_outcome", "capable-wins")
    (x,) = inputs_for("deal_outcome", np.random.default_rng(1), 1.0, 0.0)["win_probability"]
    np.testing.assert_allclose(rule.win_probability(x), x.partner_capability * x.influence)
    assert rule.services_share(x).tolist() == x.influence.tolist()


def test_a_population_rule_runs_per_agent_on_one_row(sandbox: None) -> None:
    """Written on arrays only, the rule answers per-agent calls on arrays of one agent."""

    @register("capability", "frozen", version=1, origin="test")
    class Frozen(Rule):
        """Capability never changes."""

        def update(self, capability: np.ndarray, s: CapabilitySignals) -> np.ndarray:
            return np.array(capability, dtype=float)

    spec = resolve("capability", "frozen")
    assert spec.forms == {POPULATION}
    rule = build("capability", "frozen")
    assert rule.update_one(0.37, OneLinkCapability(500.0, 0.5, 2.0, 1.0)) == 0.37


def test_a_subclass_overriding_one_form_gets_the_other_from_its_own_code(sandbox: None) -> None:
    """Subclass a built-in rule and override only ``update``: the inherited ``update_one`` would
    run the parent's rule in the per-agent engine, so it counts as missing and is derived from the
    new ``update`` instead."""

    @register("capability", "stuck", version=1, origin="test")
    class Stuck(EnablementLearning):
        """Capability never changes (the parameters are kept, unused)."""

        def update(self, capability: np.ndarray, s: CapabilitySignals) -> np.ndarray:
            return np.array(capability, dtype=float)

    spec = resolve("capability", "stuck")
    assert spec.forms == {POPULATION}
    assert missing_methods("capability", Stuck) == ("update_one",)
    rule = build("capability", "stuck")
    assert rule.update_one(0.37, OneLinkCapability(5000.0, 0.0, 3.0, 1.0)) == 0.37
    assert (
        build("capability", "enablement-learning@1").update_one(
            0.37, OneLinkCapability(5000.0, 0.0, 3.0, 1.0)
        )
        != 0.37
    )


def test_a_rule_with_neither_form_is_refused(sandbox: None) -> None:
    with pytest.raises(TypeError, match="allocate or allocate_one"):

        @register("partner_attention", "empty", version=1, origin="test")
        class Empty(Rule):
            """Does nothing."""


def test_a_rule_may_mix_forms_per_method(sandbox: None) -> None:
    """Each protocol method may come in either form: here ``update`` per link and ``surprise`` on
    arrays. Neither form is then complete, and the rule still runs in both."""

    @register("trust", "mixed", version=1, origin="test")
    class Mixed(Rule):
        """Trust stays put; every change surprises by its size."""

        def update_one(self, trust: float, s: OneLinkTrust) -> float:
            return trust

        def surprise(self, relative_change, duration_months, notice_months, communication):
            return np.abs(np.asarray(relative_change, dtype=float))

    assert resolve("trust", "mixed").forms == frozenset()
    rule = build("trust", "mixed")
    assert rule.surprise_one(-0.25, 0.0, 0.0, 0.5) == 0.25
    trust, signals = inputs_for("trust", np.random.default_rng(0), 1.0, 0.0)["update"]
    assert rule.update(trust, signals).tolist() == trust.tolist()


def test_every_slot_lists_its_methods_in_both_forms() -> None:
    assert set(FORM_METHODS) == set(SLOTS)
    for pairs in FORM_METHODS.values():
        for population, per_agent in pairs:
            assert per_agent == f"{population}_one"
