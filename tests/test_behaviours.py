"""Behaviour rules: the generic contract every registered rule keeps, exact answers of the built-ins,
and the registry of named, versioned rules.

Like Axelrod's strategy tests, one shared contract (``sim.testing``, the same checks a plugin's own
tests run) goes over *every* registered rule, one test per rule and property: its parameters validate
and unknown ones are rejected; it is documented; it is a deterministic function of its inputs (same
inputs, same outputs, inputs left untouched, no global random state); and it stays in its declared
bounds under random inputs, edge inputs and extreme parameters: attention rows sum to 1 with zero on
exited links, trust and capability stay in [0, 1], probabilities in [0, 1]. Then each built-in rule
gets a few known-answer checks of its equations (docs/model.md section 7).
"""

from __future__ import annotations

import math
import random
from typing import Any

import numpy as np
import pytest

from sim import testing
from sim.behaviours import (
    DEFAULT_RULES,
    SLOTS,
    Rule,
    RuleParams,
    UnknownRuleError,
    all_rules,
    build,
    register,
    resolve,
)
from sim.behaviours import registry as registry_module
from sim.behaviours.attention import AttentionInputs, SoftmaxUtility
from sim.behaviours.capability import CapabilitySignals
from sim.behaviours.deals import DealInputs
from sim.behaviours.reps import logistic, logit
from sim.behaviours.trust import AsymmetricTrust, TrustSignals

WEEK = testing.WEEK


# ---------------------------------------------------------------------------- the shared contract
RULES = list(all_rules())


@pytest.mark.parametrize("check", list(testing.CHECKS))
@pytest.mark.parametrize("spec", RULES, ids=[f"{s.slot}:{s.id}" for s in RULES])
def test_every_registered_rule_keeps_the_contract(spec, check: str) -> None:
    """Each property of ``sim.testing.CHECKS``, for every rule in the registry (plugins included)."""
    try:
        testing.run_check(check, spec)
    except testing.Skip as why:
        pytest.skip(str(why))


def test_check_rule_reports_what_held_and_what_was_skipped() -> None:
    report = testing.check_rule("partner_attention:softmax-utility@1", seed=3)
    assert set(report.passed) | set(report.skipped) == set(testing.CHECKS)
    assert set(report.skipped) <= {"forms_agree"}  # skipped for a rule written in one form
    assert f"softmax-utility@1 (built-in): {len(report.passed)} properties hold" in str(report)


def test_check_rule_takes_a_class_a_spec_or_a_name() -> None:
    spec = resolve("trust", "asymmetric@1")
    assert testing.as_spec(AsymmetricTrust) is spec
    assert testing.as_spec(spec) is spec
    assert testing.as_spec("trust:asymmetric@1") is spec
    assert testing.as_spec("trust:asymmetric") is resolve("trust", "asymmetric@2")
    with pytest.raises(ValueError, match="slot:name"):
        testing.as_spec("asymmetric")


def test_check_rule_checks_the_given_params_and_their_extremes() -> None:
    testing.check_rule("trust:asymmetric", params={"gain_per_win": 0.5, "fair_stage": 0.9})
    with pytest.raises(Exception, match="fair_stage"):
        testing.check_rule("trust:asymmetric", params={"fair_stage": 2.0})


def test_random_inputs_are_seeded_and_valid() -> None:
    """The generators give the same inputs for the same seed and keep attention rows valid."""
    for slot in SLOTS:
        a = testing.random_inputs(slot, np.random.default_rng(4))
        b = testing.random_inputs(slot, np.random.default_rng(4))
        assert list(a) == list(b)
    (x,) = testing.random_inputs("partner_attention", np.random.default_rng(4))["allocate"]
    np.testing.assert_allclose(x.shares.sum(axis=1), 1.0)
    assert np.all(x.shares[:, :-1][~x.active] == 0)
    assert not x.active[0].any()


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

    @register("trust", "asymmetric", version=9)
    class AsymmetricTrustV9(AsymmetricTrust):
        """Version 9 for this test."""

    assert resolve("trust", "asymmetric").cls is AsymmetricTrustV9
    assert resolve("trust", "asymmetric").id == "asymmetric@9"
    assert resolve("trust", "asymmetric@1").cls is AsymmetricTrust


def test_sandbox_registrations_do_not_leak() -> None:
    """The registration above stayed in its sandbox: the default trust rule is still version 2."""
    assert resolve("trust", "asymmetric").id == "asymmetric@2"


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


# ---------------------------------------------------------------------------- the contract's teeth
def _register(slot: str, name: str, cls: type[Rule]) -> Any:
    return testing.as_spec(register(slot, name, version=1, origin="test")(cls))


def test_a_new_rule_gets_the_contract_for_free(sandbox: None) -> None:
    """A rule registered by a researcher shows up in ``all_rules`` and passes the shared checks."""

    class CoinFlip(Rule):
        """Every deal is won with probability one half."""

        def win_probability(self, x: DealInputs) -> np.ndarray:
            return np.full(len(x.strength), 0.5)

        def services_share(self, x: DealInputs) -> np.ndarray:
            return np.asarray(x.influence, dtype=float)

    spec = _register("deal_outcome", "coin-flip", CoinFlip)
    assert spec in list(all_rules())
    report = testing.check_rule(spec)
    assert "invariants" in report.passed and "extreme_params" in report.passed


class Leaky(SoftmaxUtility):
    """Spreads attention evenly, exited links included."""

    def allocate(self, x: AttentionInputs, initial: bool = False) -> np.ndarray:
        return np.full(x.shares.shape, 1.0 / x.shares.shape[1])


class Noisy(AsymmetricTrust):
    """Trust jitters with a draw from numpy's global generator."""

    def update(self, trust: np.ndarray, s: TrustSignals) -> np.ndarray:
        return np.clip(trust + 0.01 * np.random.random(trust.shape), 0, 1)  # noqa: NPY002


class Unseeded(AsymmetricTrust):
    """Trust jitters with a fresh unseeded generator on every call."""

    def update(self, trust: np.ndarray, s: TrustSignals) -> np.ndarray:
        return np.clip(trust + 0.01 * np.random.default_rng().random(trust.shape), 0, 1)


class PyRandom(AsymmetricTrust):
    """Trust jitters with a draw from the standard library's global generator."""

    def update(self, trust: np.ndarray, s: TrustSignals) -> np.ndarray:
        return np.clip(trust + 0.01 * random.random(), 0, 1)


class InPlace(AsymmetricTrust):
    """Writes the new trust into the array it was given."""

    def update(self, trust: np.ndarray, s: TrustSignals) -> np.ndarray:
        trust *= 0.5
        return trust.copy()


class Unbounded(AsymmetricTrust):
    """Adds wins to trust with no cap."""

    def update(self, trust: np.ndarray, s: TrustSignals) -> np.ndarray:
        return trust + 0.1 * s.wins


class Integers(AsymmetricTrust):
    """Rounds trust to whole numbers."""

    def update(self, trust: np.ndarray, s: TrustSignals) -> np.ndarray:
        return np.round(trust).astype(int)


class Overflowing(SoftmaxUtility):
    """Softmax without subtracting the peak, which overflows on large utilities."""

    def target(self, x: AttentionInputs) -> np.ndarray:
        weights = np.exp(self.utility(x) / self.params.temperature)
        weights[:, :-1] *= x.active
        return weights / weights.sum(axis=1, keepdims=True)


@pytest.mark.parametrize(
    ("slot", "cls", "check", "message"),
    [
        ("partner_attention", Leaky, "invariants", "attention on an exited link"),
        ("trust", Noisy, "reproducible", "numpy's global random state"),
        ("trust", Unseeded, "reproducible", "not a deterministic function"),
        ("trust", PyRandom, "reproducible", "global `random` module"),
        ("trust", InPlace, "reproducible", "modified its input in place"),
        ("trust", Unbounded, "invariants", r"outside \[0, 1\]"),
        ("trust", Integers, "shapes", "expected float"),
        ("partner_attention", Overflowing, "extreme_inputs", "NaN"),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else None,
)
def test_the_contract_catches_a_broken_rule(
    sandbox: None, slot: str, cls: type[Rule], check: str, message: str
) -> None:
    """The shared checks have teeth: each broken rule fails the property it breaks, and the error
    names the rule and the property."""
    spec = _register(slot, cls.__name__.lower(), cls)
    with pytest.raises(AssertionError, match=message) as caught:
        testing.run_check(check, spec)
    assert str(caught.value).startswith(f"{slot} rule {spec.id} (test): {check}: ")
    with pytest.raises(AssertionError):
        testing.check_rule(spec)


def test_a_rule_without_a_description_fails_documented(sandbox: None) -> None:
    class Params(RuleParams):
        rate: float = 0.5

    class Bare(AsymmetricTrust):
        """Trust as asymmetric, with an undocumented parameter."""

    Bare.Params = Params
    spec = _register("trust", "bare", Bare)
    with pytest.raises(AssertionError, match="documented: parameter rate has no description"):
        testing.run_check("documented", spec)


def test_the_contract_runs_a_plugin_rule_in_one_line(sandbox: None) -> None:
    """``RuleContract`` turns each property into a test method for a plugin's own suite."""

    class TestLeaky(testing.RuleContract):
        rule = _register("partner_attention", "leaky", Leaky)

    TestLeaky().test_reproducible()
    with pytest.raises(AssertionError, match="exited link"):
        TestLeaky().test_invariants()
    with pytest.raises(pytest.skip.Exception, match="only the population form"):
        TestLeaky().test_forms_agree()
