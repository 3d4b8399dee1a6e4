"""Behaviour rules: the generic contract every registered rule keeps, exact answers of the built-ins,
and the registry of named, versioned rules.

Like Axelrod's strategy tests, one shared base class (``RuleContract``) runs over *every* registered
rule: its parameters validate and unknown ones are rejected; it is a deterministic function of its
inputs (same inputs, same outputs, inputs left untouched); and it stays in its declared bounds under
random inputs and extreme parameters: attention rows sum to 1 with zero on exited links, trust and
capability stay in [0, 1], probabilities in [0, 1]. Then each built-in rule gets a few known-answer
checks of its equations (docs/model.md section 7).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass, fields, is_dataclass
from typing import Any

import annotated_types
import numpy as np
import pytest
from pydantic import ValidationError

from sim.behaviours import (
    DEFAULT_RULES,
    PER_AGENT,
    POPULATION,
    SLOTS,
    Rule,
    RuleParams,
    RuleSpec,
    UnknownRuleError,
    all_rules,
    build,
    register,
    resolve,
    via_other_form,
)
from sim.behaviours import registry as registry_module
from sim.behaviours.attention import AttentionInputs, SoftmaxUtility
from sim.behaviours.capability import CapabilitySignals
from sim.behaviours.deals import DealInputs
from sim.behaviours.reps import logistic, logit
from sim.behaviours.trust import AsymmetricTrust, TrustSignals

P, K = 60, 3
WEEK = 12.0 / 52.0


# ---------------------------------------------------------------------------- slot harnesses
def random_shares(rng: np.random.Generator, active: np.ndarray) -> np.ndarray:
    """Valid attention rows: random over active links and the outside option, 0 on exited links."""
    weights = rng.random((active.shape[0], active.shape[1] + 1))
    weights[:, :-1] *= active
    return weights / weights.sum(axis=1, keepdims=True)


def attention_inputs(rng: np.random.Generator, dt: float) -> tuple[AttentionInputs]:
    active = rng.random((P, K)) < 0.8
    active[0] = False  # a partner with every link exited
    return (
        AttentionInputs(
            profit=rng.normal(0.05, 0.2, (P, K)),
            trust=rng.random((P, K)),
            capability=rng.random((P, K)),
            conflict=rng.exponential(1.0, (P, K)),
            active=active,
            outside_profit=rng.normal(0.05, 0.2, P),
            outside_trust=float(rng.random()),
            outside_capability=float(rng.random()),
            shares=random_shares(rng, active),
            dt=dt,
        ),
    )


def trust_inputs(rng: np.random.Generator, dt: float) -> tuple[np.ndarray, TrustSignals]:
    invitations = rng.poisson(1.0, (P, K)).astype(float)
    return (
        rng.random((P, K)),
        TrustSignals(
            wins=rng.poisson(1.0, (P, K)).astype(float),
            conflicts_lost=rng.poisson(0.5, (P, K)).astype(float),
            conflicts_kept=rng.poisson(0.5, (P, K)).astype(float),
            invitations=invitations,
            invitation_stage_sum=invitations * rng.random((P, K)),
            communication=rng.random((P, K)),
            profit_shortfall=rng.random((P, K)),
            surprise_loss=rng.exponential(0.5, (P, K)),
            surprise_gain=rng.exponential(0.5, (P, K)),
            anchor=rng.random((P, K)),
            dt=dt,
        ),
    )


def surprise_inputs(rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    return (rng.random(P), rng.uniform(0, 24, P), rng.uniform(0, 12, P), rng.random(P))


def capability_inputs(rng: np.random.Generator, dt: float) -> tuple[np.ndarray, CapabilitySignals]:
    return (
        rng.random((P, K)),
        CapabilitySignals(
            enablement=rng.uniform(0, 5000, (P, K)),
            attention=rng.random((P, K)),
            deals_worked=rng.poisson(2.0, (P, K)) * rng.random((P, K)),
            dt=dt,
        ),
    )


def deal_inputs(rng: np.random.Generator) -> tuple[DealInputs]:
    return (
        DealInputs(
            strength=rng.random(P),
            partner_capability=rng.random(P),
            influence=rng.random(P),
            has_rep=rng.random(P) < 0.5,
            disputed=rng.random(P) < 0.3,
        ),
    )


def rep_inputs(rng: np.random.Generator) -> dict[str, tuple[np.ndarray, ...]]:
    registered = rng.random(P) < 0.5
    return {
        "cosell_probability": (rng.uniform(0, 10, P), rng.uniform(0, 10, P)),
        "contest_probability": (
            rng.uniform(0, 10, P),
            rng.uniform(0, 10, P),
            rng.random(P),
            registered,
        ),
        "takeover_probability": (registered,),
    }


@dataclass(frozen=True)
class Bounds:
    """What an output must satisfy: a probability, a 0..1 state, a non-negative size, or shares."""

    kind: str  # "unit" | "nonnegative" | "shares"


UNIT, NONNEGATIVE, SHARES = Bounds("unit"), Bounds("nonnegative"), Bounds("shares")


def exercise(rule: Rule, slot: str, rng: np.random.Generator, dt: float) -> list[Any]:
    """Call each protocol method of ``slot`` on random inputs: ``(method, inputs, output, bounds)``."""
    calls: list[tuple[str, tuple[Any, ...], Callable[..., Any], Bounds]] = []
    if slot == "partner_attention":
        x = attention_inputs(rng, dt)
        calls += [
            ("allocate", x, rule.allocate, SHARES),
            ("allocate(initial)", x, lambda x: rule.allocate(x, initial=True), SHARES),
        ]
    elif slot == "trust":
        calls += [
            ("update", trust_inputs(rng, dt), rule.update, UNIT),
            ("surprise", surprise_inputs(rng), rule.surprise, NONNEGATIVE),
        ]
    elif slot == "capability":
        calls += [("update", capability_inputs(rng, dt), rule.update, UNIT)]
    elif slot == "rep_engagement":
        calls += [(name, args, getattr(rule, name), UNIT) for name, args in rep_inputs(rng).items()]
    elif slot == "deal_outcome":
        x = deal_inputs(rng)
        calls += [
            ("win_probability", x, rule.win_probability, UNIT),
            ("services_share", x, rule.services_share, UNIT),
        ]
    else:  # pragma: no cover - a new slot needs a harness here
        raise AssertionError(f"no test harness for slot {slot!r}")
    results = []
    for name, args, method, bounds in calls:
        before = copy.deepcopy(args)
        output = np.asarray(method(*args))
        assert_same_inputs(before, args, name)
        results.append((name, args, output, bounds))
    return results


def assert_same_inputs(before: Any, after: Any, method: str) -> None:
    """A rule must not write into the arrays it is given (the engine reuses them)."""
    if is_dataclass(before):
        for f in fields(before):
            assert_same_inputs(getattr(before, f.name), getattr(after, f.name), method)
    elif isinstance(before, tuple):
        for b, a in zip(before, after, strict=True):
            assert_same_inputs(b, a, method)
    else:
        assert np.array_equal(before, after), f"{method} modified its input in place"


def assert_within(name: str, output: np.ndarray, bounds: Bounds, inputs: tuple[Any, ...]) -> None:
    assert np.all(np.isfinite(output)), f"{name}: non-finite output"
    if bounds.kind == "nonnegative":
        assert np.all(output >= 0), f"{name}: negative output"
        return
    assert np.all((output >= 0) & (output <= 1)), f"{name}: output outside [0, 1]"
    if bounds.kind == "shares":
        (x,) = inputs
        assert output.shape == (x.active.shape[0], x.active.shape[1] + 1), name
        np.testing.assert_allclose(output.sum(axis=1), 1.0, rtol=0, atol=1e-9, err_msg=name)
        assert np.all(output[:, :-1][~x.active] == 0), f"{name}: attention on an exited link"


# ---------------------------------------------------------------------------- parameter extremes
HUGE = 1e6
TINY = 1e-6


def bounds_of(field: Any) -> tuple[float, float]:
    """The smallest and largest valid value of a numeric parameter (``HUGE`` if unbounded)."""
    low, high = -HUGE, HUGE
    for item in field.metadata:
        if isinstance(item, annotated_types.Ge):
            low = float(item.ge)
        elif isinstance(item, annotated_types.Gt):
            low = float(item.gt) + TINY
        elif isinstance(item, annotated_types.Le):
            high = float(item.le)
        elif isinstance(item, annotated_types.Lt):
            high = float(item.lt) - TINY
    return low, high


def numeric_fields(spec: RuleSpec) -> dict[str, Any]:
    return {
        name: field
        for name, field in spec.cls.Params.model_fields.items()
        if field.annotation in (float, int)
    }


def extreme_params(spec: RuleSpec) -> list[dict[str, float]]:
    """Each numeric parameter at each end of its range, then all at their low and all at their high
    ends (temperature tiny and huge, weights 0 and huge), keeping the combinations that validate."""
    ends = {name: bounds_of(field) for name, field in numeric_fields(spec).items()}
    candidates = [{name: end} for name, pair in ends.items() for end in pair]
    candidates += [{name: pair[0] for name, pair in ends.items()}]
    candidates += [{name: pair[1] for name, pair in ends.items()}]
    valid = []
    for params in candidates:
        try:
            spec.cls.Params.model_validate(params)
        except ValidationError:
            continue
        valid.append(params)
    return valid


def random_params(spec: RuleSpec, rng: np.random.Generator) -> dict[str, float]:
    """Every numeric parameter drawn log-uniformly (or uniformly on bounded ranges) in its range."""
    out = {}
    for name, field in numeric_fields(spec).items():
        low, high = bounds_of(field)
        if high - low <= 1.0:
            out[name] = float(rng.uniform(low, high))
        else:
            out[name] = float(np.exp(rng.uniform(np.log(max(low, TINY)), np.log(high))))
    return out


# ---------------------------------------------------------------------------- the shared base
RULES = list(all_rules())


@pytest.mark.parametrize("spec", RULES, ids=[f"{s.slot}:{s.id}" for s in RULES])
class RuleContract:
    """Generic properties every registered rule must keep, whoever wrote it."""

    def test_default_params_validate(self, spec: RuleSpec) -> None:
        """A rule's defaults are valid, so a scenario may pick it by name alone."""
        defaults = spec.cls.Params()
        assert spec.cls.Params.model_validate({}) == defaults
        assert build(spec.slot, spec.id).params == defaults

    def test_unknown_param_is_rejected(self, spec: RuleSpec) -> None:
        """A misspelt parameter is an error, never silently ignored."""
        with pytest.raises(ValidationError, match="no_such_param"):
            build(spec.slot, spec.id, {"no_such_param": 1.0})

    def test_rule_is_documented(self, spec: RuleSpec) -> None:
        """One-sentence summary, and every parameter says what it is and in which unit."""
        assert spec.summary.endswith("."), spec.summary
        for name, field in spec.cls.Params.model_fields.items():
            assert field.description, f"{spec.id}: parameter {name} has no description"

    @pytest.mark.parametrize("dt", [1.0, WEEK], ids=["month", "week"])
    def test_reproducible(self, spec: RuleSpec, dt: float) -> None:
        """Same inputs give the same outputs, from two instances, leaving the inputs untouched."""
        first = exercise(build(spec.slot, spec.id), spec.slot, np.random.default_rng(11), dt)
        second = exercise(build(spec.slot, spec.id), spec.slot, np.random.default_rng(11), dt)
        for (name, _, a, _), (_, _, b, _) in zip(first, second, strict=True):
            assert np.array_equal(a, b), f"{name} is not a deterministic function of its inputs"

    @pytest.mark.parametrize("seed", range(5))
    @pytest.mark.parametrize("dt", [1.0, WEEK], ids=["month", "week"])
    def test_bounds_under_random_inputs(self, spec: RuleSpec, seed: int, dt: float) -> None:
        """Default parameters, random inputs: every output within its bounds."""
        for name, inputs, output, bounds in exercise(
            build(spec.slot, spec.id), spec.slot, np.random.default_rng(seed), dt
        ):
            assert_within(name, output, bounds, inputs)

    @pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
    def test_bounds_under_extreme_params(self, spec: RuleSpec) -> None:
        """Each parameter at the ends of its valid range: outputs still within bounds."""
        for params in extreme_params(spec):
            rule = build(spec.slot, spec.id, params)
            for name, inputs, output, bounds in exercise(
                rule, spec.slot, np.random.default_rng(0), 1.0
            ):
                assert_within(f"{name} with {params}", output, bounds, inputs)

    @pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
    def test_bounds_under_random_params(self, spec: RuleSpec) -> None:
        """Random valid parameter sets: outputs within bounds."""
        rng = np.random.default_rng(5)
        for _ in range(10):
            params = random_params(spec, rng)
            rule = build(spec.slot, spec.id, params)
            for name, inputs, output, bounds in exercise(rule, spec.slot, rng, WEEK):
                assert_within(f"{name} with {params}", output, bounds, inputs)

    @pytest.mark.parametrize("dt", [1.0, WEEK], ids=["month", "week"])
    def test_forms_agree(self, spec: RuleSpec, dt: float) -> None:
        """A rule written in both forms gives the same answers in each: the population method and
        the per-agent method called once per agent (``via_other_form``)."""
        if spec.forms != {POPULATION, PER_AGENT}:
            pytest.skip(f"{spec.id} is written in one form; the other is derived from it")
        rule = build(spec.slot, spec.id)
        for name, inputs, output, _ in exercise(rule, spec.slot, np.random.default_rng(2), dt):
            method, initial = name.split("(")[0], "initial" in name
            kwargs = {"initial": True} if initial else {}
            per_agent = np.asarray(via_other_form(rule, method)(*inputs, **kwargs))
            np.testing.assert_allclose(per_agent, output, rtol=1e-12, atol=1e-12, err_msg=name)

    def test_params_are_strict(self, spec: RuleSpec) -> None:
        """A parameter given as text, a yes/no or infinity is an error, as in the scenario schema."""
        name = next(iter(numeric_fields(spec)))
        for value in ("0.5", True, math.inf):
            with pytest.raises(ValidationError):
                build(spec.slot, spec.id, {name: value})


class TestEveryRegisteredRule(RuleContract):
    """The contract, run over the whole registry."""


# ---------------------------------------------------------------------------- known answers
def attention(**override: Any) -> AttentionInputs:
    """Two partners with K=2 links whose utilities are all equal to the outside option's."""
    values = {
        "profit": np.full((2, 2), 0.05),
        "trust": np.full((2, 2), 0.5),
        "capability": np.full((2, 2), 0.3),
        "conflict": np.zeros((2, 2)),
        "active": np.ones((2, 2), dtype=bool),
        "outside_profit": np.full(2, 0.05),
        "outside_trust": 0.5,
        "outside_capability": 0.3,
        "shares": np.array([[0.0, 0.0, 1.0], [0.0, 0.0, 1.0]]),
        "dt": 1.0,
    }
    values.update(override)
    return AttentionInputs(**values)


class TestSoftmaxUtility:
    """softmax-utility@1: softmax of utility / temperature, approached at the inertia rate."""

    rule = build("partner_attention", "softmax-utility@1")

    def test_is_the_default_rule(self) -> None:
        assert isinstance(build("partner_attention"), SoftmaxUtility)

    def test_equal_utilities_give_equal_shares(self) -> None:
        """Two vendors as good as the outside option get a third each; an exited link gets
        nothing and its share goes to the others."""
        active = np.array([[True, True], [True, False]])
        target = self.rule.allocate(attention(active=active), initial=True)
        np.testing.assert_allclose(target[0], [1 / 3, 1 / 3, 1 / 3], rtol=1e-12)
        np.testing.assert_allclose(target[1], [1 / 2, 0.0, 1 / 2], rtol=1e-12)

    def test_share_ratio_is_exp_of_utility_gap_over_temperature(self) -> None:
        """One point more margin x win rate is worth ``profit_weight`` utility; shares differ by
        ``exp(gap / temperature)``."""
        profit = np.array([[0.06, 0.05], [0.05, 0.05]])
        target = self.rule.allocate(attention(profit=profit), initial=True)
        gap = self.rule.params.profit_weight * 0.01 / self.rule.params.temperature
        assert target[0, 0] / target[0, 1] == pytest.approx(math.exp(gap), rel=1e-12)
        assert target[0, 1] == pytest.approx(target[0, 2], rel=1e-12)

    def test_inertia_one_moves_all_the_way(self) -> None:
        rule = build("partner_attention", params={"inertia": 1.0})
        x = attention(profit=np.array([[0.2, 0.0], [0.0, 0.1]]))
        np.testing.assert_allclose(rule.allocate(x), rule.allocate(x, initial=True), rtol=1e-12)

    def test_inertia_closes_its_share_of_the_gap_per_month_at_any_step_length(self) -> None:
        """Inertia 0.25 closes a quarter of the gap in a month, and 13 weekly steps toward a fixed
        target close as much as 3 monthly steps."""
        x = attention()
        target = self.rule.allocate(x, initial=True)
        month = self.rule.allocate(x)
        np.testing.assert_allclose(month - x.shares, 0.25 * (target - x.shares), rtol=1e-12)
        shares_m, shares_w = x.shares, x.shares
        for _ in range(3):
            shares_m = self.rule.allocate(attention(shares=shares_m))
        for _ in range(13):
            shares_w = self.rule.allocate(attention(shares=shares_w, dt=WEEK))
        np.testing.assert_allclose(shares_w, shares_m, rtol=1e-12)
        np.testing.assert_allclose(target - shares_m, 0.75**3 * (target - x.shares), rtol=1e-12)

    def test_conflict_lowers_utility_by_its_weight(self) -> None:
        """One remembered lost conflict costs ``conflict_weight`` utility units."""
        conflict = np.array([[1.0, 0.0], [0.0, 0.0]])
        u = self.rule.utility(attention(conflict=conflict))
        assert u[0, 1] - u[0, 0] == pytest.approx(self.rule.params.conflict_weight)


def trust_signals(**override: Any) -> TrustSignals:
    """One link with nothing happening, at communication 0 and trust at its anchor 0.6."""
    zero = np.zeros(1)
    values = {
        "wins": zero,
        "conflicts_lost": zero,
        "conflicts_kept": zero,
        "invitations": zero,
        "invitation_stage_sum": zero,
        "communication": zero,
        "profit_shortfall": zero,
        "surprise_loss": zero,
        "surprise_gain": zero,
        "anchor": 0.6,
        "dt": 1.0,
    }
    values.update(override)
    return TrustSignals(**values)


class TestAsymmetricTrust:
    """asymmetric@1: gains close a share of the gap to 1, losses remove a share of trust."""

    rule = build("trust", "asymmetric@1")
    still = build("trust", "asymmetric@1", {"recovery_per_month": 0.0})
    trust = np.array([0.6])

    def test_is_the_default_rule(self) -> None:
        assert isinstance(build("trust"), AsymmetricTrust)

    def test_no_news_at_the_anchor_stays_put(self) -> None:
        assert self.rule.update(self.trust, trust_signals()) == pytest.approx(0.6, abs=0)

    def test_drifts_back_to_the_anchor(self) -> None:
        """Without news trust closes ``recovery_per_month`` of the gap to its anchor per month."""
        new = self.rule.update(np.array([0.3]), trust_signals())
        assert new[0] == pytest.approx(0.3 + 0.01 * (0.6 - 0.3), rel=1e-12)

    def test_a_lost_conflict_removes_its_share_of_trust(self) -> None:
        """A deal taken direct removes ``loss_per_lost_conflict`` x trust (0.06 of 0.6); two remove
        ``1 - 0.9 ** 2`` of it; recovery then closes 1% of the gap back to the anchor."""
        one = trust_signals(conflicts_lost=np.ones(1))
        two = trust_signals(conflicts_lost=np.full(1, 2.0))
        loss = self.still.params.loss_per_lost_conflict
        assert self.trust - self.still.update(self.trust, one) == pytest.approx(loss * 0.6)
        assert self.still.update(self.trust, two)[0] == pytest.approx(0.6 * (1 - loss) ** 2)
        dropped = 0.6 * (1 - loss)
        assert self.rule.update(self.trust, one)[0] == pytest.approx(
            dropped + 0.01 * (0.6 - dropped), rel=1e-12
        )

    def test_a_win_closes_its_share_of_the_gap_to_one(self) -> None:
        new = self.still.update(self.trust, trust_signals(wins=np.ones(1)))
        assert new[0] == pytest.approx(0.6 + 0.02 * 0.4, rel=1e-12)

    def test_invitations_early_help_late_hurt_fair_are_neutral(self) -> None:
        """An invitation at stage 0 closes 4% of the gap to 1; at stage 1 it removes 8% of trust;
        at the fair stage 0.5 it does nothing."""
        one = np.ones(1)
        early = self.still.update(self.trust, trust_signals(invitations=one))
        late = self.still.update(
            self.trust, trust_signals(invitations=one, invitation_stage_sum=one)
        )
        fair = self.still.update(
            self.trust, trust_signals(invitations=one, invitation_stage_sum=np.full(1, 0.5))
        )
        assert early[0] == pytest.approx(0.6 + 0.04 * 0.4, rel=1e-12)
        assert late[0] == pytest.approx(0.6 * 0.92, rel=1e-12)
        assert fair[0] == pytest.approx(0.6, rel=1e-12)

    def test_surprises_are_asymmetric(self) -> None:
        """Unfavourable surprise S keeps ``exp(-S)`` of trust; favourable S closes only
        ``1 - exp(-0.4 S)`` of the gap to 1."""
        s = np.full(1, 0.18)
        loss = self.still.update(self.trust, trust_signals(surprise_loss=s))
        gain = self.still.update(self.trust, trust_signals(surprise_gain=s))
        assert loss[0] == pytest.approx(0.6 * math.exp(-0.18), rel=1e-12)
        assert gain[0] == pytest.approx(0.6 + 0.4 * (1 - math.exp(-0.4 * 0.18)), rel=1e-12)
        assert 0.6 - loss[0] > 2 * (gain[0] - 0.6)

    def test_monthly_rates_compound_over_weekly_steps(self) -> None:
        """Communication's monthly gain over 13 weekly steps equals 3 monthly steps."""
        comm = np.ones(1)
        monthly, weekly = self.trust.copy(), self.trust.copy()
        for _ in range(3):
            monthly = self.still.update(monthly, trust_signals(communication=comm))
        for _ in range(13):
            weekly = self.still.update(weekly, trust_signals(communication=comm, dt=WEEK))
        assert weekly[0] == pytest.approx(monthly[0], rel=1e-12)
        assert monthly[0] == pytest.approx(1 - 0.4 * 0.99**3, rel=1e-12)


def capability_signals(**override: Any) -> CapabilitySignals:
    values = {
        "enablement": np.zeros(1),
        "attention": np.zeros(1),
        "deals_worked": np.zeros(1),
        "dt": 1.0,
    }
    values.update(override)
    return CapabilitySignals(**values)


class TestEnablementLearning:
    """enablement-learning@1: saturating absorption of enablement, learning by doing, decay."""

    rule = build("capability", "enablement-learning@1")
    c = np.array([0.5])

    def test_zero_attention_decays_by_decay_per_month(self) -> None:
        """With all attention elsewhere, enablement is not absorbed and skills decay 3% a month."""
        new = self.rule.update(self.c, capability_signals(enablement=np.full(1, 5000.0)))
        assert new[0] == pytest.approx(0.5 * (1 - 0.03), rel=1e-12)

    def test_full_attention_without_enablement_keeps_capability(self) -> None:
        new = self.rule.update(self.c, capability_signals(attention=np.ones(1)))
        assert new[0] == pytest.approx(0.5, rel=1e-12)

    def test_enablement_is_absorbed_with_diminishing_returns(self) -> None:
        """At spend equal to the scale, a fully attentive partner closes ``0.08 (1 - 1/e)`` of the
        gap to 1 in a month."""
        x = capability_signals(attention=np.ones(1), enablement=np.full(1, 1000.0))
        expected = 0.5 + 0.5 * 0.08 * (1 - math.exp(-1))
        assert self.rule.update(self.c, x)[0] == pytest.approx(expected, rel=1e-12)

    def test_each_deal_worked_closes_its_share_of_the_gap(self) -> None:
        x = capability_signals(attention=np.ones(1), deals_worked=np.full(1, 3.0))
        assert self.rule.update(self.c, x)[0] == pytest.approx(1 - 0.5 * 0.98**3, rel=1e-12)

    def test_decay_compounds_over_weekly_steps(self) -> None:
        monthly, weekly = self.c.copy(), self.c.copy()
        for _ in range(3):
            monthly = self.rule.update(monthly, capability_signals())
        for _ in range(13):
            weekly = self.rule.update(weekly, capability_signals(dt=WEEK))
        assert weekly[0] == pytest.approx(monthly[0], rel=1e-12)
        assert monthly[0] == pytest.approx(0.5 * 0.97**3, rel=1e-12)


class TestCreditLogit:
    """credit-logit@1: logistic choice in the credit gap (the worked examples of docs/model.md)."""

    rule = build("rep_engagement", "credit-logit@1")

    def cosell(self, assisted: float, direct: float = 1.0) -> float:
        return float(self.rule.cosell_probability(np.array([assisted]), np.array([direct]))[0])

    def contest(self, direct: float, sourced: float, pressure: float, registered: bool) -> float:
        args = (
            np.array([direct]),
            np.array([sourced]),
            np.array([pressure]),
            np.array([registered]),
        )
        return float(self.rule.contest_probability(*args)[0])

    def test_cosell_at_equal_credit_is_the_base_rate(self) -> None:
        assert self.cosell(1.0) == pytest.approx(self.rule.params.cosell_base, rel=1e-12)
        assert self.cosell(0.0) == pytest.approx(0.047, abs=5e-4)
        assert self.cosell(1.5) == pytest.approx(0.82, abs=5e-3)

    def test_contest_probability_worked_examples(self) -> None:
        """Equal credit, unregistered, no pressure: the base rate; registered: 1.9%, 3.4%, 8.0% at
        pressure 0, 0.4, 1; no partner-sourced credit: 12.5%, 20.7%, 39.1%."""
        assert self.contest(1, 1, 0, False) == pytest.approx(self.rule.params.contest_base)
        assert self.contest(1, 1, 0.4, False) == pytest.approx(0.088, abs=5e-4)
        for pressure, equal, none in (
            (0.0, 0.019, 0.125),
            (0.4, 0.034, 0.207),
            (1.0, 0.080, 0.391),
        ):
            assert self.contest(1, 1, pressure, True) == pytest.approx(equal, abs=5e-4)
            assert self.contest(1, 0, pressure, True) == pytest.approx(none, abs=5e-4)

    def test_takeover_depends_on_registration(self) -> None:
        taken = self.rule.takeover_probability(np.array([True, False]))
        assert taken.tolist() == [0.25, 0.6]


class TestLogisticLift:
    """logistic-lift@1: log-odds = logit(base) + strength + partner capability x influence + rep
    - dispute."""

    rule = build("deal_outcome", "logistic-lift@1")

    def win(self, strength=0.5, capability=0.0, influence=0.0, rep=False, disputed=False) -> float:
        x = DealInputs(
            strength=np.array([strength]),
            partner_capability=np.array([capability]),
            influence=np.array([influence]),
            has_rep=np.array([rep]),
            disputed=np.array([disputed]),
        )
        return float(self.rule.win_probability(x)[0])

    def test_average_product_alone_wins_at_the_base_rate(self) -> None:
        assert self.win() == pytest.approx(self.rule.params.base_win, rel=1e-12)

    def test_each_term_adds_its_log_odds(self) -> None:
        base = logit(0.25)
        assert self.win(strength=1.0) == pytest.approx(float(logistic(base + 1.0)), rel=1e-12)
        assert self.win(capability=1, influence=1) == pytest.approx(float(logistic(base + 1.2)))
        assert self.win(capability=1, influence=0.2) == pytest.approx(float(logistic(base + 0.24)))
        assert self.win(capability=1, influence=0) == pytest.approx(0.25)
        assert self.win(rep=True) == pytest.approx(float(logistic(base + 0.2)))
        assert self.win(disputed=True) == pytest.approx(float(logistic(base - 0.5)))

    def test_services_follow_influence(self) -> None:
        x = DealInputs(
            strength=np.full(3, 0.5),
            partner_capability=np.full(3, 0.5),
            influence=np.array([1.0, 0.2, 0.0]),
            has_rep=np.zeros(3, dtype=bool),
            disputed=np.zeros(3, dtype=bool),
        )
        assert self.rule.services_share(x).tolist() == [1.0, 0.2, 0.0]


# ---------------------------------------------------------------------------- registry
@pytest.fixture
def sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    """A private copy of the registry, so test registrations do not leak into other tests."""
    list(all_rules())  # make sure the built-ins are registered first
    copied = {
        slot: {name: dict(versions) for name, versions in rules.items()}
        for slot, rules in registry_module._REGISTRY.items()
    }
    monkeypatch.setattr(registry_module, "_REGISTRY", copied)


def test_every_slot_has_a_resolvable_default() -> None:
    assert set(DEFAULT_RULES) == set(SLOTS)
    for slot, name in DEFAULT_RULES.items():
        assert resolve(slot).name == name
        assert resolve(slot, None) is resolve(slot, name)


def test_name_resolves_to_the_newest_version_and_a_pin_to_its_own(sandbox: None) -> None:
    """``asymmetric`` means the newest version; ``asymmetric@1`` keeps meaning version 1."""

    @register("trust", "asymmetric", version=2)
    class AsymmetricTrustV2(AsymmetricTrust):
        """Version 2 for this test."""

    assert resolve("trust", "asymmetric").cls is AsymmetricTrustV2
    assert resolve("trust", "asymmetric").id == "asymmetric@2"
    assert resolve("trust", "asymmetric@1").cls is AsymmetricTrust


def test_sandbox_registrations_do_not_leak() -> None:
    """The registration above stayed in its sandbox: the default trust rule is still version 1."""
    assert resolve("trust", "asymmetric").id == "asymmetric@1"


def test_unknown_rule_names_the_registered_ones() -> None:
    with pytest.raises(UnknownRuleError, match="unknown trust rule 'asymetric'.*asymmetric"):
        resolve("trust", "asymetric")


def test_unknown_version_names_the_registered_ones() -> None:
    with pytest.raises(UnknownRuleError, match="no version 7.*asymmetric@1"):
        resolve("trust", "asymmetric@7")


def test_unknown_slot_names_the_slots() -> None:
    with pytest.raises(UnknownRuleError, match="partner_attention"):
        resolve("atention", "softmax-utility")
    with pytest.raises(UnknownRuleError, match="partner_attention"):
        register("atention", "x")


def test_a_taken_name_and_version_cannot_be_registered_again(sandbox: None) -> None:
    """A different class under an existing ``name@version`` is an error; re-registering the same
    class (a module imported twice) is harmless."""
    with pytest.raises(ValueError, match="asymmetric@1 is already registered"):

        @register("trust", "asymmetric", version=1)
        class Impostor(Rule):
            """Not the real one."""

    assert register("trust", "asymmetric", version=1)(AsymmetricTrust) is AsymmetricTrust
    assert resolve("trust", "asymmetric@1").cls is AsymmetricTrust


def test_a_new_rule_gets_the_contract_for_free(sandbox: None) -> None:
    """A rule registered by a researcher shows up in ``all_rules`` and passes the shared checks."""

    class Params(RuleParams):
        pass

    @register("deal_outcome", "coin-flip", version=1, origin="test")
    class CoinFlip(Rule):
        """Every deal is won with probability one half."""

        def win_probability(self, x: DealInputs) -> np.ndarray:
            return np.full(len(x.strength), 0.5)

        def services_share(self, x: DealInputs) -> np.ndarray:
            return np.asarray(x.influence, dtype=float)

    CoinFlip.Params = Params
    spec = resolve("deal_outcome", "coin-flip")
    assert spec in list(all_rules())
    contract = RuleContract()
    contract.test_default_params_validate(spec)
    contract.test_unknown_param_is_rejected(spec)
    contract.test_bounds_under_random_inputs(spec, 0, 1.0)


def test_the_contract_catches_a_rule_that_breaks_its_bounds(sandbox: None) -> None:
    """The shared checks have teeth: attention that leaks onto exited links or does not sum to 1
    fails them."""

    @register("partner_attention", "leaky", version=1, origin="test")
    class Leaky(SoftmaxUtility):
        """Spreads attention evenly, exited links included."""

        def allocate(self, x: AttentionInputs, initial: bool = False) -> np.ndarray:
            return np.full(x.shares.shape, 1.0 / x.shares.shape[1])

    with pytest.raises(AssertionError, match="exited link"):
        RuleContract().test_bounds_under_random_inputs(
            resolve("partner_attention", "leaky"), 0, 1.0
        )
