"""Golden baseline: a small seeded scenario whose results are pinned.

Three vendors, 150 partners, 24 monthly steps, a gradual margin cut by acme and some recruitment by
nova, three replicates with seeds ``SeedSequence(entropy=123, spawn_key=(r,))``. Per replicate and
vendor it pins cumulative channel revenue, direct revenue and conflicts, and final mean trust and
attention share, to a relative tolerance of 1e-9.

Any change to the engine, a default or a rule that moves these numbers fails this test. That is the
point: a change that moves the baseline must do so on purpose. Regenerate the file with

    GOLDEN_UPDATE=1 pytest tests/test_golden.py

and say in the commit message why the numbers moved (and by how much, roughly).

The same scenario with every built-in rule named at version 1 is pinned in a second file,
``baseline_small_v1.json``: a change to what a built-in rule does is a new version (``@2``, the
default since the economics issue for attention, trust, capability and deals), never an edit of
``@1``, and this file keeps ``@1`` honest. Both files move together when the engine around the rules
changes (the economics issue moved both: customer pull, costs, partner lines, the spin-up).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sim.model.channel_model import simulate
from sim.scenario.schema import ScenarioConfig

GOLDEN = Path(__file__).parent / "golden" / "baseline_small.json"
GOLDEN_V1 = Path(__file__).parent / "golden" / "baseline_small_v1.json"
RTOL = 1e-9
ENTROPY = 123
REPLICATES = 3
CUMULATIVE = ("channel_revenue", "direct_revenue", "conflicts")
FINAL = ("mean_trust", "attention_share")

SCENARIO: dict[str, Any] = {
    "name": "golden-baseline-small",
    "time": {"horizon_months": 24, "step": "month"},
    "market": {"opportunities_per_month": 150.0},
    "vendors": [
        {"name": "acme", "direct_reps": 10},
        {"name": "rival", "direct_reps": 10},
        {
            "name": "nova",
            "direct_reps": 6,
            "product_strength": 0.55,
            "program": {"margin": 0.22, "recruit_per_month": 1.0},
            "engagement": {"partner_join_stage": 0.3},
        },
    ],
    "partners": {"count": 150, "vendors_per_partner": 3},
    "events": [
        {
            "at_month": 6.0,
            "vendor": "acme",
            "set": {"program.margin": 0.15},
            "ramp_months": 6.0,
            "notice_months": 2.0,
        }
    ],
}


VERSION_1_RULES = {
    "partner_attention": {"rule": "softmax-utility@1"},
    "trust": {"rule": "asymmetric@1"},
    "capability": {"rule": "enablement-learning@1"},
    "rep_engagement": {"rule": "credit-logit@1"},
    "deal_outcome": {"rule": "logistic-lift@1"},
}
"""The built-in rules the golden numbers were pinned with, each named at version 1."""


def measure(scenario: dict[str, Any] = SCENARIO) -> dict[str, Any]:
    """Run the golden scenario and collect the pinned numbers."""
    config = ScenarioConfig.model_validate(scenario)
    replicates = []
    for r in range(REPLICATES):
        out = simulate(config, np.random.SeedSequence(entropy=ENTROPY, spawn_key=(r,)))
        ts = out.timeseries
        last = ts[ts["step"] == ts["step"].max()].set_index("vendor")
        runs = out.runs.set_index("vendor")
        replicates.append(
            {
                v.name: {
                    **{m: float(runs.loc[v.name, m]) for m in CUMULATIVE},
                    **{f"final_{m}": float(last.loc[v.name, m]) for m in FINAL},
                }
                for v in config.vendors
            }
        )
    return {
        "about": "Pinned by tests/test_golden.py; regenerate with GOLDEN_UPDATE=1 and say why in "
        "the commit message.",
        "scenario": scenario,
        "seeds": f"SeedSequence(entropy={ENTROPY}, spawn_key=(r,)), r = 0..{REPLICATES - 1}",
        "replicates": replicates,
    }


def check_golden(path: Path, scenario: dict[str, Any]) -> list[str]:
    """The numbers of ``scenario`` that moved from ``path`` (or rewrite it with GOLDEN_UPDATE)."""
    measured = measure(scenario)
    if os.environ.get("GOLDEN_UPDATE"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(measured, indent=2) + "\n")
        pytest.skip(f"rewrote {path.name}; say in the commit message why it moved")
    assert path.exists(), f"no {path}; create it with GOLDEN_UPDATE=1 pytest {__file__}"
    pinned = json.loads(path.read_text())
    assert pinned["scenario"] == scenario, "the golden scenario changed: regenerate the file"
    return moved_numbers(pinned, measured)


def test_golden_baseline() -> None:
    """The small seeded baseline reproduces its pinned results (see the module docstring)."""
    moved = check_golden(GOLDEN, SCENARIO)
    assert not moved, "golden baseline moved:\n" + "\n".join(moved)


def moved_numbers(pinned: dict[str, Any], measured: dict[str, Any]) -> list[str]:
    """Each pinned number that ``measured`` does not reproduce to ``RTOL``, described."""
    moved = []
    for r, (want, got) in enumerate(zip(pinned["replicates"], measured["replicates"], strict=True)):
        for vendor, values in want.items():
            for name, value in values.items():
                if not np.isclose(got[vendor][name], value, rtol=RTOL, atol=0.0):
                    moved.append(
                        f"replicate {r} {vendor} {name}: {value!r} -> {got[vendor][name]!r}"
                    )
    return moved


def test_rules_named_at_version_1_give_their_golden_numbers() -> None:
    """Every built-in rule named ``@1`` explicitly, with default parameters, gives exactly its
    pinned numbers: ``@1`` keeps its meaning whatever the defaults become."""
    moved = check_golden(GOLDEN_V1, {**SCENARIO, "behaviours": VERSION_1_RULES})
    assert not moved, "a built-in rule @1 changed what it does:\n" + "\n".join(moved)


def test_golden_scenario_is_not_degenerate() -> None:
    """The pinned numbers mean something: every vendor sells through partners and directly, has
    conflicts, and the replicates differ."""
    pinned = json.loads(GOLDEN.read_text())
    for replicate in pinned["replicates"]:
        for values in replicate.values():
            assert values["channel_revenue"] > 0 and values["direct_revenue"] > 0
            assert values["conflicts"] > 0
            assert 0 < values["final_mean_trust"] < 1
    first, second = pinned["replicates"][:2]
    assert first["acme"]["channel_revenue"] != second["acme"]["channel_revenue"]
