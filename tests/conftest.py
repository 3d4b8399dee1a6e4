"""Shared fixtures: a tiny scenario (2 vendors, 20 partners, 6 months, 2 replicates) as a config,
as a loaded ``Scenario`` with a ``cut`` variant, as a YAML file and as a finished result folder
(made once per session; read it, do not change it); ``fake_output`` builds a ``RunOutput`` with
hand-picked numbers; ``break_runs`` makes chosen runs raise.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.model.metrics import METRICS, RUN_COLUMNS, RunOutput
from sim.scenario.schema import ScenarioConfig

TINY_YAML = """\
name: tiny
description: Two vendors, twenty partners, six months.
seed: 7
replicates: 2
time: {horizon_months: 6, step: month}
market: {opportunities_per_month: 60}
vendors:
  - {name: acme, direct_reps: 3}
  - {name: rival, direct_reps: 3}
partners: {count: 20, vendors_per_partner: 2}
variants:
  cut:
    events:
      - {at_month: 2, vendor: acme, set: {program.margin: 0.1}}
"""

GRID_SWEEP = """\
sweep:
  method: grid
  samples: 2
  parameters:
    vendors.acme.program.margin: [0.1, 0.3]
"""
"""A two-sample sweep block to add to ``TINY_YAML`` (2 samples x 2 replicates = 4 runs)."""


@pytest.fixture
def tiny_config() -> ScenarioConfig:
    """The base variant of the tiny scenario."""
    doc = yaml.safe_load(TINY_YAML)
    doc.pop("variants")
    return ScenarioConfig.model_validate(doc)


@pytest.fixture
def tiny_yaml(tmp_path: Path) -> Path:
    """The tiny scenario as a file, with variants ``base`` and ``cut``."""
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY_YAML)
    return path


@pytest.fixture
def tiny_scenario(tiny_yaml: Path):
    """The tiny scenario loaded by ``sim.scenario.load_scenario``."""
    from sim.scenario import load_scenario

    return load_scenario(tiny_yaml)


@pytest.fixture(scope="session")
def tiny_results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A result folder of the tiny scenario, both variants, 2 replicates each."""
    from sim.experiments.runner import run_scenario
    from sim.scenario import load_scenario

    root = tmp_path_factory.mktemp("tiny")
    (root / "tiny.yaml").write_text(TINY_YAML)
    summary = run_scenario(
        load_scenario(root / "tiny.yaml"), out_dir=root / "out", progress=False, command_line="t"
    )
    assert summary.status == "complete"
    return summary.folder


def _fake_output(steps: int = 3, vendors: tuple[str, ...] = ("a",), **series: list) -> RunOutput:
    """A RunOutput whose metrics are 1.0 except those given as per-step lists (same per vendor)."""
    ts = pd.DataFrame(
        {
            "step": np.repeat(np.arange(steps), len(vendors)),
            "month": np.repeat(np.arange(1, steps + 1), len(vendors)).astype(float),
            "vendor": list(vendors) * steps,
        }
    )
    for metric in METRICS:
        ts[metric] = np.repeat(np.asarray(series.get(metric, [1.0] * steps), float), len(vendors))
    runs = pd.DataFrame({"vendor": list(vendors)})
    for column in RUN_COLUMNS:
        runs[column] = (
            ts.groupby("vendor", sort=False)[column].sum().to_numpy() if column in METRICS else 1.0
        )
    return RunOutput(ts, runs)


@pytest.fixture
def fake_output():
    """``fake_output(steps=3, vendors=("a",), mean_trust=[...], ...) -> RunOutput``."""
    return _fake_output


@pytest.fixture
def break_runs(monkeypatch: pytest.MonkeyPatch):
    """Make chosen runs fail: ``break_runs(fault)`` wraps the runner's ``simulate`` so that call
    number ``n`` (1-based) raises ``fault(config, seed, n)`` when that returns an exception."""
    import sim.experiments.tasks

    def install(fault) -> None:
        real, calls = sim.experiments.tasks.simulate, []

        def simulate(config, seed, **options):
            calls.append(1)
            error = fault(config, seed, len(calls))
            if error is not None:
                raise error
            return real(config, seed, **options)

        monkeypatch.setattr(sim.experiments.tasks, "simulate", simulate)

    return install
