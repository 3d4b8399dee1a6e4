"""Docking the two engines: the per-agent engine reproduces the population engine.

The population engine calls each behaviour rule once per phase on arrays; the per-agent engine has
every partner and rep decide for itself through Mesa's AgentSet, calling the rules' per-agent forms
(``allocate_one``, ``update_one``, ...). Random draws stay in the market phases and come from one
generator in one order, so for the same seed the two engines must give the same numbers, up to
float rounding (the built-in rules' two forms agree to about 1e-16; see ``test_forms.py``). And
over independent seeds they must agree in distribution, which is what a reader of a result cares
about: a two-sample test on each vendor's cumulative channel revenue, final trust and attention
share over 20 replicates per engine.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings

from cli import main
from sim.behaviours import Rule, register
from sim.behaviours import registry as registry_module
from sim.behaviours.attention import OnePartnerAttention
from sim.behaviours.deals import DealInputs
from sim.behaviours.trust import OneLinkTrust
from sim.experiments.runner import run_scenario
from sim.model.agents import DirectRep, Partner
from sim.model.channel_model import ChannelModel, simulate
from sim.model.engines import ENGINES, UnknownEngineError
from sim.scenario import load_scenario
from sim.scenario.schema import BehaviourChoice, ScenarioConfig
from tests.test_invariants import CASES
from tests.test_invariants import scenario as invariant_scenario
from tests.test_invariants import scenarios as random_scenarios

SCENARIOS = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.yaml"))
SMALL = ["partners.count=60", "time.horizon_months=24", "market.opportunities_per_month=80"]
RTOL = 1e-9
REPLICATES = 20
Z_LIMIT = 3.5
"""A difference of means beyond 3.5 standard errors fails (two-sided p < 5e-4 per comparison, so
the nine comparisons together have a false alarm chance under 0.5%)."""


def numbers(output) -> pd.DataFrame:
    """Every numeric column of a run's timeseries and per-vendor summary, side by side."""
    return pd.concat(
        [
            output.timeseries.select_dtypes("number").reset_index(drop=True),
            output.runs.select_dtypes("number").reset_index(drop=True),
        ],
        axis=1,
    )


def assert_same_numbers(population, per_agent, label: str) -> None:
    a, b = numbers(population), numbers(per_agent)
    assert list(a.columns) == list(b.columns)
    np.testing.assert_allclose(b.to_numpy(), a.to_numpy(), rtol=RTOL, atol=1e-9, err_msg=label)


def shipped_variants() -> list[tuple[str, str, ScenarioConfig]]:
    out = []
    for path in SCENARIOS:
        for name, config in load_scenario(path, SMALL).variants.items():
            out.append((path.stem, name, config))
    return out


@pytest.mark.parametrize(
    ("scenario", "variant", "config"),
    shipped_variants(),
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_same_seed_same_numbers_on_every_shipped_scenario(
    scenario: str, variant: str, config: ScenarioConfig
) -> None:
    """Every shipped scenario and variant (60 partners, 24 months): both engines give the same
    timeseries and run summary for the same seed."""
    seed = np.random.SeedSequence(entropy=2024, spawn_key=(0,))
    population = simulate(config, seed, engine="population")
    per_agent = simulate(config, seed, engine="per-agent")
    assert population.runs["channel_revenue"].sum() > 0
    assert_same_numbers(population, per_agent, f"{scenario}/{variant}")


def test_same_seed_same_numbers_in_weekly_steps() -> None:
    """Weekly steps exercise the fractional step length in every rule: still the same numbers."""
    config = load_scenario(
        SCENARIOS[0], ["partners.count=40", "time.horizon_months=6", "time.step=week"]
    ).variants["base"]
    seed = np.random.SeedSequence(entropy=3, spawn_key=(1,))
    assert_same_numbers(simulate(config, seed), simulate(config, seed, engine="per-agent"), "week")


@pytest.mark.parametrize("case", sorted(CASES))
def test_same_seed_same_numbers_in_the_edge_cases(case: str) -> None:
    """The invariant tests' edge cases (heavy churn, recruiting, no reps, one-vendor portfolios,
    weekly steps): both engines give the same numbers."""
    config = invariant_scenario(case)
    seed = np.random.SeedSequence(entropy=8, spawn_key=(0,))
    assert_same_numbers(simulate(config, seed), simulate(config, seed, engine="per-agent"), case)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(config=random_scenarios())
def test_same_seed_same_numbers_for_any_valid_scenario(config: ScenarioConfig) -> None:
    """Random valid scenarios (1-4 vendors, any step, random events and extremes): both engines
    give the same numbers."""
    seed = np.random.SeedSequence(entropy=config.seed, spawn_key=(0,))
    assert_same_numbers(simulate(config, seed), simulate(config, seed, engine="per-agent"), "")


def final_measures(output) -> pd.DataFrame:
    """Per vendor: cumulative channel revenue, final mean trust and final attention share."""
    ts = output.timeseries
    last = ts[ts["step"] == ts["step"].max()].set_index("vendor")
    runs = output.runs.set_index("vendor")
    return pd.DataFrame(
        {
            "channel_revenue": runs["channel_revenue"],
            "final_trust": last["mean_trust"],
            "final_attention": last["attention_share"],
        }
    )


def replicate_measures(config: ScenarioConfig, engine: str, entropy: int) -> pd.DataFrame:
    rows = []
    for r in range(REPLICATES):
        seed = np.random.SeedSequence(entropy=entropy, spawn_key=(r,))
        rows.append(final_measures(simulate(config, seed, engine=engine)).assign(replicate=r))
    return pd.concat(rows).reset_index()


def test_engines_agree_in_distribution_over_independent_seeds() -> None:
    """20 replicates per engine from *different* seeds (baseline, 60 partners, 12 months): for each
    vendor the means of cumulative channel revenue, final trust and attention share differ by less
    than 3.5 standard errors (Welch), and the spreads are alike."""
    config = load_scenario(SCENARIOS[0], [*SMALL, "time.horizon_months=12"]).variants["base"]
    population = replicate_measures(config, "population", entropy=11)
    per_agent = replicate_measures(config, "per-agent", entropy=12)
    checked = 0
    for vendor in population["vendor"].unique():
        a = population[population["vendor"] == vendor]
        b = per_agent[per_agent["vendor"] == vendor]
        for measure in ("channel_revenue", "final_trust", "final_attention"):
            x, y = a[measure].to_numpy(), b[measure].to_numpy()
            se = np.sqrt(x.var(ddof=1) / len(x) + y.var(ddof=1) / len(y))
            assert se > 0, f"{vendor} {measure}: no variation across replicates"
            z = abs(x.mean() - y.mean()) / se
            assert z < Z_LIMIT, f"{vendor} {measure}: means {x.mean():.4g} vs {y.mean():.4g}"
            ratio = x.std(ddof=1) / y.std(ddof=1)
            assert 1 / 3 < ratio < 3, f"{vendor} {measure}: spreads differ ({ratio:.2f}x)"
            checked += 1
    assert checked == 9


def test_per_agent_engine_reproduces_the_golden_baseline() -> None:
    """The pinned golden numbers (tests/golden/, population engine) come out of the per-agent
    engine too."""
    from tests.test_golden import GOLDEN, SCENARIO

    pinned = json.loads(GOLDEN.read_text())
    config = ScenarioConfig.model_validate(SCENARIO)
    output = simulate(config, np.random.SeedSequence(entropy=123, spawn_key=(0,)), "per-agent")
    runs = output.runs.set_index("vendor")
    for vendor, values in pinned["replicates"][0].items():
        for name in ("channel_revenue", "direct_revenue", "conflicts"):
            assert runs.loc[vendor, name] == pytest.approx(values[name], rel=RTOL), name


# ---------------------------------------------------------------------------- the per-agent path
CONFIG = load_scenario(
    SCENARIOS[0],
    ["partners.count=30", "time.horizon_months=6", "market.opportunities_per_month=60"],
).variants["base"]


def test_per_agent_engine_calls_the_agents(monkeypatch: pytest.MonkeyPatch) -> None:
    """In the per-agent engine every partner allocates its attention and updates its links, and
    every rep decides on its own deals, once per step, through the Mesa agents' methods."""
    calls: dict[str, list[int]] = {"attention": [], "trust": [], "capability": [], "reps": []}
    for cls, method, key in (
        (Partner, "allocate_attention", "attention"),
        (Partner, "update_trust", "trust"),
        (Partner, "update_capability", "capability"),
        (DirectRep, "decide_deals", "reps"),
    ):
        real = getattr(cls, method)

        def spy(self, *args, _real=real, _key=key, **kwargs):
            calls[_key].append(self.index)
            return _real(self, *args, **kwargs)

        monkeypatch.setattr(cls, method, spy)
    model = ChannelModel(CONFIG, 1, engine="per-agent")
    calls = {key: [] for key in calls}  # drop the set-up and warm-up calls
    model.step()
    partners = list(range(model.partners.count))
    assert sorted(calls["attention"]) == partners
    assert sorted(calls["trust"]) == partners == sorted(calls["capability"])
    assert sorted(calls["reps"]) == list(range(model.reps.count))


def test_population_engine_does_not_call_the_agents(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(self, *args, **kwargs):
        raise AssertionError("the population engine called an agent's decision method")

    for cls, method in ((Partner, "allocate_attention"), (DirectRep, "decide_deals")):
        monkeypatch.setattr(cls, method, forbidden)
    ChannelModel(CONFIG, 1).step()


def test_unknown_engine_is_a_clear_error() -> None:
    with pytest.raises(UnknownEngineError, match="per-agent"):
        ChannelModel(CONFIG, 1, engine="perAgent")


# ---------------------------------------------------------------------------- one-form rules
@pytest.fixture
def sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    """A private copy of the registry, so test registrations do not leak into other tests."""
    list(registry_module.all_rules())
    copied = {
        slot: {name: dict(versions) for name, versions in rules.items()}
        for slot, rules in registry_module._REGISTRY.items()
    }
    monkeypatch.setattr(registry_module, "_REGISTRY", copied)


def test_one_form_rules_give_the_same_run_in_both_engines(sandbox: None) -> None:
    """Rules written only per agent (scalar code, no arrays) run in the population engine through
    the row-by-row adapter, and a rule written only on arrays runs in the per-agent engine on one
    row at a time, with the same result in both engines; and the rules really are used (the run
    differs from the default rules')."""

    @register("partner_attention", "loyal", version=1, origin="test")
    class Loyal(Rule):
        """A partner splits its attention evenly over its active vendors and the outside option."""

        def allocate_one(self, x: OnePartnerAttention, initial: bool = False) -> list[float]:
            open_ = [bool(a) for a in x.active] + [True]
            return [1.0 / sum(open_) if is_open else 0.0 for is_open in open_]

    @register("trust", "steady", version=1, origin="test")
    class Steady(Rule):
        """Trust drifts a tenth of the way to the anchor each step; program changes do not matter."""

        def update_one(self, trust: float, s: OneLinkTrust) -> float:
            return trust + 0.1 * (s.anchor - trust)

        def surprise_one(self, relative_change, duration_months, notice_months, communication):
            return 0.0

    @register("deal_outcome", "coin-flip", version=1, origin="test")
    class CoinFlip(Rule):
        """Every deal is won with probability one half; partners attach services in full."""

        def win_probability(self, x: DealInputs) -> np.ndarray:
            return np.full(len(x.strength), 0.5)

        def services_share(self, x: DealInputs) -> np.ndarray:
            return np.ones(len(x.strength))

    assert registry_module.resolve("partner_attention", "loyal").forms == {"per-agent"}
    assert registry_module.resolve("deal_outcome", "coin-flip").forms == {"population"}
    choices = {
        "partner_attention": {"rule": "loyal"},
        "trust": {"rule": "steady"},
        "deal_outcome": {"rule": "coin-flip"},
    }
    config = CONFIG.model_copy(
        update={"behaviours": {**CONFIG.behaviours, **{
            slot: BehaviourChoice.model_validate(choice) for slot, choice in choices.items()
        }}}
    )  # fmt: skip
    seed = np.random.SeedSequence(entropy=4, spawn_key=(0,))
    population = simulate(config, seed)
    assert_same_numbers(population, simulate(config, seed, engine="per-agent"), "loyal")
    default = simulate(CONFIG, seed).timeseries
    for metric in ("attention_share", "mean_trust", "win_rate"):
        assert not np.allclose(population.timeseries[metric], default[metric]), metric


# ---------------------------------------------------------------------------- command line
def test_runner_records_the_engine_and_both_write_the_same_results(
    tiny_scenario, tmp_path: Path
) -> None:
    """``run_scenario(engine=...)`` runs every task in that engine and records it in the manifest;
    the two engines write the same result files, up to float rounding."""
    for engine in ENGINES:
        summary = run_scenario(
            tiny_scenario, out_dir=tmp_path / engine, progress=False, engine=engine
        )
        assert summary.status == "complete"
        assert json.loads((tmp_path / engine / "manifest.json").read_text())["engine"] == engine
    for name in ("runs.csv", "timeseries.csv"):
        a = pd.read_csv(tmp_path / "population" / name)
        b = pd.read_csv(tmp_path / "per-agent" / name)
        pd.testing.assert_frame_equal(a, b, rtol=RTOL)


def test_sim_run_engine_option(tiny_yaml: Path, tmp_path: Path) -> None:
    """``sim run --engine per-agent`` reaches the runner and the manifest."""
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["run", str(tiny_yaml), "--out", str(out), "--workers", "1", "--no-progress",
               "--replicates", "1", "--variant", "cut", "--engine", "per-agent"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output + result.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["engine"] == "per-agent"
    assert "--engine per-agent" in manifest["command_line"]


def test_sim_run_rejects_an_unknown_engine(tiny_yaml: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["run", str(tiny_yaml), "--engine", "fast"])
    assert result.exit_code == 2
    assert "population" in result.output and "per-agent" in result.output
