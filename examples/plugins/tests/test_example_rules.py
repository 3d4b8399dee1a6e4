"""The example plugin's rules: the shared contract (one line each) plus known answers.

``RuleContract`` from ``sim.testing`` turns every property a rule must keep (reproducible, shares
sum to 1, trust in [0, 1], extreme parameters, ...) into a test method; the methods below pin what
each rule itself does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from channel_sim_example_rules import ForgivingTrust, Satisficing

from sim.behaviours import build, resolve
from sim.behaviours.attention import AttentionInputs
from sim.behaviours.trust import TrustSignals
from sim.experiments.runner import run_scenario
from sim.scenario import load_scenario
from sim.testing import RuleContract

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


def attention(**override: Any) -> AttentionInputs:
    """One partner, two vendors, both good enough, shares 0.5 / 0.3 / 0.2 (outside)."""
    values = {
        "profit": np.array([[0.05, 0.05]]),
        "trust": np.array([[0.5, 0.5]]),
        "capability": np.array([[0.3, 0.3]]),
        "conflict": np.zeros((1, 2)),
        "active": np.ones((1, 2), dtype=bool),
        "outside_profit": np.array([0.05]),
        "outside_trust": 0.5,
        "outside_capability": 0.3,
        "shares": np.array([[0.5, 0.3, 0.2]]),
        "dt": 1.0,
    }
    values.update(override)
    return AttentionInputs(**values)


class TestSatisficing(RuleContract):
    """satisficing@1: keep the split among good-enough options, drop the ones that fall short."""

    rule = Satisficing

    def test_good_enough_vendors_keep_their_split(self) -> None:
        """With no exploration and every vendor good enough, the target is the current split."""
        rule = build("partner_attention", "satisficing@1", {"exploration": 0.0})
        np.testing.assert_allclose(rule.allocate(attention()), [[0.5, 0.3, 0.2]], rtol=1e-12)

    def test_a_vendor_below_aspiration_loses_attention_to_the_others(self) -> None:
        """Vendor 0's profit falls below 2% of deal value: its target is 0 and its 0.5 goes to the
        other options in proportion (0.3 : 0.2); a month closes 20% of the gap."""
        rule = build("partner_attention", "satisficing@1", {"exploration": 0.0})
        x = attention(profit=np.array([[0.01, 0.05]]))
        np.testing.assert_allclose(rule.target(x), [[0.0, 0.6, 0.4]], rtol=1e-12)
        np.testing.assert_allclose(rule.allocate(x), [[0.4, 0.36, 0.24]], rtol=1e-12)

    def test_low_trust_also_disqualifies(self) -> None:
        rule = build("partner_attention", "satisficing@1", {"exploration": 0.0})
        x = attention(trust=np.array([[0.5, 0.1]]))
        np.testing.assert_allclose(rule.target(x), [[0.5 / 0.7, 0.0, 0.2 / 0.7]], rtol=1e-12)

    def test_planning_from_scratch_splits_evenly_over_good_options(self) -> None:
        x = attention(profit=np.array([[0.01, 0.05]]), shares=np.zeros((1, 3)))
        np.testing.assert_allclose(
            build("partner_attention", "satisficing").allocate(x, initial=True), [[0, 0.5, 0.5]]
        )


def signals(**override: Any) -> TrustSignals:
    """One link, nothing happening, trust at its anchor 0.6."""
    zero = np.zeros(1)
    values = dict.fromkeys(
        ["wins", "conflicts_lost", "conflicts_kept", "invitations", "invitation_stage_sum",
         "communication", "profit_shortfall", "surprise_loss", "surprise_gain"],
        zero,
    )  # fmt: skip
    values.update(anchor=0.6, dt=1.0)
    values.update(override)
    return TrustSignals(**values)


class TestForgivingTrust(RuleContract):
    """forgiving@1: equal gain and loss weights, half of each conflict forgiven, fast recovery."""

    rule = ForgivingTrust
    still = {"recovery_per_month": 0.0}

    def test_a_lost_conflict_removes_the_unforgiven_part_of_its_loss(self) -> None:
        """Default: loss 0.05 x (1 - forgiveness 0.5) = 2.5% of trust per deal taken direct."""
        rule = build("trust", "forgiving@1", self.still)
        new = rule.update(np.array([0.6]), signals(conflicts_lost=np.ones(1)))
        assert new[0] == pytest.approx(0.6 * (1 - 0.025), rel=1e-12)

    def test_full_forgiveness_ignores_conflicts(self) -> None:
        rule = build("trust", "forgiving@1", {**self.still, "forgiveness": 1.0})
        new = rule.update(np.array([0.6]), signals(conflicts_lost=np.full(1, 5.0)))
        assert new[0] == pytest.approx(0.6, rel=1e-12)

    def test_recovers_to_the_anchor_at_five_percent_a_month(self) -> None:
        new = build("trust", "forgiving@1").update(np.array([0.2]), signals())
        assert new[0] == pytest.approx(0.2 + 0.05 * (0.6 - 0.2), rel=1e-12)

    def test_notice_softens_surprise(self) -> None:
        rule = build("trust", "forgiving@1")
        abrupt, noticed = rule.surprise(
            np.full(2, 0.4), np.ones(2), np.array([0.0, 3.0]), np.zeros(2)
        )
        assert abrupt == pytest.approx(1.5 * 0.4**2)
        assert noticed == pytest.approx(abrupt / np.e)


def test_the_entry_point_registers_both_rules_with_their_origin() -> None:
    """Installed, the package is found through the ``sim.behaviours`` entry point."""
    for slot, name in (("partner_attention", "satisficing"), ("trust", "forgiving")):
        spec = resolve(slot, name)
        assert spec.id == f"{name}@1"
        assert spec.origin == "channel-sim-example-rules"


def test_the_comparison_scenario_runs_each_variant_with_its_rule(tmp_path: Path) -> None:
    """A short run of compare-attention.yaml: every variant ran, with the rules it names."""
    scenario = load_scenario(
        SCENARIOS / "compare-attention.yaml",
        ("time.horizon_months=3", "partners.count=40", "market.opportunities_per_month=60"),
        replicates=1,
    )
    assert scenario.variants["satisficing"].behaviours["partner_attention"].rule == "satisficing@1"
    assert scenario.variants["forgiving"].behaviours["trust"].rule == "forgiving@1"
    assert scenario.variants["base"].behaviours["trust"].rule == "asymmetric@2"  # the default
    summary = run_scenario(scenario, workers=1, progress=False, out_dir=tmp_path / "out")
    assert summary.status == "complete"
    assert summary.count("ok") == 4


def test_the_sweep_scenario_sweeps_the_plugin_rule_parameters() -> None:
    scenario = load_scenario(SCENARIOS / "sweep-satisficing.yaml")
    base = scenario.variants["base"]
    assert set(base.sweep.parameters) == {
        "behaviours.partner_attention.aspiration_profit",
        "behaviours.partner_attention.adjustment",
    }
