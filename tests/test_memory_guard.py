"""The memory guard counts every population (partners and links, reps and their Mesa agents,
open deals, steps x vendors, events of every variant) and prints only hints that fit: each hint is
applied and the run re-estimated (issue 15, item 6)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim.experiments import memory_guard
from sim.experiments.memory_guard import GB, MemoryLimitError, check_memory, estimate
from sim.scenario import load_scenario

AVAILABLE = 24 * GB
"""The machine's memory (2 cores, 24 GiB)."""


def _scenario(
    tmp_path: Path, vendors: int, reps: int, partners: int, step: str = "month", horizon: int = 60
) -> Path:
    lines = [f"  - {{name: v{i}, direct_reps: {reps}}}" for i in range(vendors)]
    text = (
        "name: big\nreplicates: 2\n"
        f"time: {{horizon_months: {horizon}, step: {step}}}\n"
        f"partners: {{count: {partners}, vendors_per_partner: 1}}\n"
        "vendors:\n" + "\n".join(lines) + "\n"
    )
    path = tmp_path / "big.yaml"
    path.write_text(text)
    return path


def _hints(message: str) -> list[str]:
    """The options a refusal suggests: ``--workers N`` and ``--set PATH=VALUE``."""
    return re.findall(r"--set [\w.]+=\w+|--workers \d+", message)


def test_reps_count() -> None:
    """100 vendors x 1,000,000 reps were estimated at 0.18 GB and ended in MemoryError."""
    from sim.scenario.schema import ScenarioConfig

    doc = {"name": "reps", "vendors": [{"name": f"v{i}", "direct_reps": 1_000_000}
                                       for i in range(100)],
           "partners": {"count": 100, "vendors_per_partner": 1}}  # fmt: skip
    config = ScenarioConfig.model_validate(doc)
    found = estimate(config)
    assert found.reps == 100_000_000
    assert found.per_run > 100_000_000 * memory_guard.REP > 30 * GB
    with pytest.raises(MemoryLimitError) as refused:
        check_memory(config, workers=1, available=AVAILABLE)
    assert "100,000,000 reps" in str(refused.value)


@pytest.mark.parametrize(
    "vendors, reps, partners, step, horizon, workers",
    [
        (3_000, 0, 10_000, "week", 600, 4),  # its partners hint was refused with the same hint
        (100, 1_000_000, 100, "month", 60, 2),
        (40, 1_000_000, 1_000, "month", 60, 2),
        (10, 10, 4_000_000, "month", 60, 8),
        (10, 10, 5_000_000, "week", 600, 8),
        (2_000, 100, 1_000_000, "week", 600, 4),
    ],
)
def test_every_hint_printed_fits_when_applied(
    tmp_path: Path, vendors: int, reps: int, partners: int, step: str, horizon: int, workers: int
) -> None:
    path = _scenario(tmp_path, vendors, reps, partners, step, horizon)
    scenario = load_scenario(path)
    with pytest.raises(MemoryLimitError) as refused:
        check_memory(list(scenario.variants.values()), workers, available=AVAILABLE)
    message = str(refused.value)
    for hint in _hints(message):
        if hint.startswith("--workers"):
            check_memory(list(scenario.variants.values()), int(hint.split()[1]), AVAILABLE)
        else:
            changed = load_scenario(path, [hint.removeprefix("--set ")])
            check_memory(list(changed.variants.values()), workers, available=AVAILABLE)


def test_a_run_nothing_makes_fit_says_so_without_a_hint(tmp_path: Path) -> None:
    path = _scenario(tmp_path, 100, 1_000_000, 100)
    scenario = load_scenario(path)
    with pytest.raises(MemoryLimitError, match="make the scenario smaller or free memory"):
        check_memory(list(scenario.variants.values()), 1, available=AVAILABLE)


def test_events_of_every_variant_count_in_the_parent(tiny_config) -> None:
    from sim.scenario.schema_events import EventConfig

    event = EventConfig.model_validate(
        {"at_month": 1, "vendor": "acme", "set": {"program.margin": 0.1}}
    )
    many = tiny_config.model_copy(update={"events": [event] * 500})
    assert estimate([many] * 10).total - estimate([tiny_config] * 10).total >= (
        10 * 500 * memory_guard.EVENT
    )
