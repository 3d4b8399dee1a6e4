"""Runs are pure functions of (resolved scenario, seed).

docs/model.md §4.9: every random draw comes from the model's one NumPy generator, seeded from the
scenario seed through ``numpy.random.SeedSequence``; there is no module-level randomness anywhere.
So the same scenario and seed give the same numbers bit for bit, whatever else ran before or
alongside in the process, and replicate ``r`` of seed ``s`` is ``SeedSequence(entropy=s,
spawn_key=(r,))``. These tests pin that, and fail if any module draws from the global ``random`` or
``numpy.random`` state.
"""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pandas.testing import assert_frame_equal

from sim.model.channel_model import ChannelModel, simulate
from sim.scenario.schema import ScenarioConfig

ROOT = Path(__file__).resolve().parent.parent

CONFIG = ScenarioConfig.model_validate(
    {
        "name": "determinism",
        "time": {"horizon_months": 12, "step": "month"},
        "market": {"opportunities_per_month": 200.0},
        "vendors": [
            {"name": "acme", "direct_reps": 10, "program": {"recruit_per_month": 2.0}},
            {"name": "rival", "direct_reps": 10, "program": {"deal_registration": False}},
            {"name": "nova", "direct_reps": 5, "comp_plan": {"partner_sourced_credit": 0.2}},
        ],
        "partners": {"count": 100, "vendors_per_partner": 2},
        "events": [
            {"at_month": 4.0, "vendor": "acme", "set": {"program.margin": 0.12}},
            {
                "at_month": 3.0,
                "vendor": "rival",
                "set": {"program.margin": 0.26},
                "ramp_months": 4.0,
                "notice_months": 2.0,
            },
        ],
    }
)
WEEKLY = CONFIG.model_copy(
    update={"time": CONFIG.time.model_copy(update={"step": "week", "horizon_months": 4})}
)


def replicate_seed(entropy: int, replicate: int) -> np.random.SeedSequence:
    return np.random.SeedSequence(entropy=entropy, spawn_key=(replicate,))


def assert_same_run(a: Any, b: Any) -> None:
    assert_frame_equal(a.timeseries, b.timeseries, check_exact=True)
    assert_frame_equal(a.runs, b.runs, check_exact=True)


@pytest.mark.parametrize("config", [CONFIG, WEEKLY], ids=["monthly", "weekly"])
def test_same_scenario_and_seed_give_identical_runs(config: ScenarioConfig) -> None:
    """Two runs of one scenario from one seed agree exactly, every metric of every step."""
    assert_same_run(simulate(config, replicate_seed(7, 0)), simulate(config, replicate_seed(7, 0)))


def test_different_seeds_give_different_runs() -> None:
    """Another entropy or another replicate index is another random history."""
    base = simulate(CONFIG, replicate_seed(7, 0)).timeseries
    for other in (replicate_seed(8, 0), replicate_seed(7, 1)):
        ts = simulate(CONFIG, other).timeseries
        assert not ts["channel_revenue"].equals(base["channel_revenue"])


def test_replicate_seeds_are_reproducible_and_not_consumed() -> None:
    """``SeedSequence(entropy=s, spawn_key=(r,))`` rebuilt from its numbers gives the same run, and
    handing one SeedSequence object to two runs does too: the model does not spawn from or otherwise
    use up the seed it is given."""
    seed = replicate_seed(2024, 3)
    first = simulate(CONFIG, seed)
    assert_same_run(first, simulate(CONFIG, seed))
    assert_same_run(first, simulate(CONFIG, replicate_seed(2024, 3)))
    assert seed.n_children_spawned == 0


def test_an_integer_seed_means_seed_sequence_of_that_integer() -> None:
    """``simulate(config, 5)`` is ``simulate(config, SeedSequence(5))``."""
    assert_same_run(simulate(CONFIG, 5), simulate(CONFIG, np.random.SeedSequence(5)))


def test_runs_share_no_state_within_a_process() -> None:
    """Stepping two models in lockstep gives each exactly what it gives alone: no hidden shared
    state (class attributes, caches, module globals) couples runs in one worker process."""
    alone = [simulate(CONFIG, replicate_seed(1, r)).timeseries for r in (0, 1)]
    models = [ChannelModel(CONFIG, replicate_seed(1, r)) for r in (0, 1)]
    for _ in range(CONFIG.time.steps):
        for model in models:
            model.step()
    for model, expected in zip(models, alone, strict=True):
        assert_frame_equal(model.recorder.frame(), expected, check_exact=True)


# ---------------------------------------------------------------------------- no global randomness
def _forbid(name: str):
    def forbidden(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(
            f"{name} was called: draw from the model's generator (model.rng), not global state"
        )

    return forbidden


@pytest.fixture
def no_global_randomness(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every draw from the global ``random`` and ``numpy.random`` state raise."""
    global_state = np.random.mtrand._rand
    for name in dir(np.random):
        if getattr(getattr(np.random, name), "__self__", None) is global_state:
            monkeypatch.setattr(np.random, name, _forbid(f"numpy.random.{name}"))
    monkeypatch.setattr(np.random, "seed", _forbid("numpy.random.seed"))
    for name in dir(random):
        if getattr(getattr(random, name), "__self__", None) is random._inst:
            monkeypatch.setattr(random, name, _forbid(f"random.{name}"))

    seeded = np.random.default_rng

    def default_rng(seed: Any = None) -> np.random.Generator:
        if seed is None:
            raise AssertionError("numpy.random.default_rng() without a seed: entropy from the OS")
        return seeded(seed)

    monkeypatch.setattr(np.random, "default_rng", default_rng)


def test_the_guard_catches_global_draws(no_global_randomness: None) -> None:
    """The guard is live: the usual global draws raise under it."""
    for draw in (
        lambda: np.random.random(),  # noqa: NPY002 (the point of the test)
        lambda: np.random.normal(),  # noqa: NPY002 (the point of the test)
        lambda: np.random.poisson(1.0),  # noqa: NPY002 (the point of the test)
        lambda: np.random.choice(3),  # noqa: NPY002 (the point of the test)
        lambda: np.random.rand(2),  # noqa: NPY002 (the point of the test)
        lambda: np.random.seed(1),  # noqa: NPY002 (the point of the test)
        lambda: np.random.default_rng(),
        lambda: random.random(),
        lambda: random.choice([1, 2]),
        lambda: random.shuffle([1, 2]),
    ):
        with pytest.raises(AssertionError, match="was called|without a seed"):
            draw()


@pytest.mark.parametrize("config", [CONFIG, WEEKLY], ids=["monthly", "weekly"])
def test_a_run_draws_only_from_its_own_generator(
    config: ScenarioConfig, no_global_randomness: None
) -> None:
    """A whole run (events, recruitment, conflicts, co-sell) never touches global random state, and
    never draws from Mesa's stdlib ``model.random`` either: ``model.rng`` is the only source."""
    model = ChannelModel(config, replicate_seed(3, 0))
    mesa_random = model.random.getstate()
    output = model.run()
    assert model.random.getstate() == mesa_random
    assert output.timeseries["channel_revenue"].sum() > 0


GLOBAL_DRAW = re.compile(
    r"^\s*(import random\b|from random import)"
    r"|\b(np|numpy)\.random\.seed\s*\("
    r"|\b(np|numpy)\.random\.(?!default_rng\b|SeedSequence\b|Generator\b|BitGenerator\b"
    r"|PCG64\w*\b|Philox\b|SFC64\b|MT19937\b)[a-z_]+\s*\("
    r"|\bdefault_rng\(\s*\)"
    r"|\bfrom numpy\.random import (?!.*\b(default_rng|SeedSequence|Generator)\b)",
    re.MULTILINE,
)


def source_files() -> list[Path]:
    return [
        path
        for folder in ("sim", "analysis", "cli")
        for path in sorted((ROOT / folder).rglob("*.py"))
    ]


def test_the_source_pattern_recognises_global_draws() -> None:
    """The pattern below flags the usual ways of drawing from global state, and not the seeded API."""
    flagged = [
        "import random",
        "from random import choice",
        "np.random.seed(1)",
        "x = np.random.normal(0, 1)",
        "numpy.random.choice(a)",
        "rng = np.random.default_rng()",
    ]
    allowed = [
        "rng = np.random.default_rng(seed)",
        "np.random.SeedSequence(entropy=1, spawn_key=(r,))",
        "def f(rng: np.random.Generator): rng.normal()",
        "self.rng.poisson(3.0)",
    ]
    assert all(GLOBAL_DRAW.search(line) for line in flagged)
    assert not any(GLOBAL_DRAW.search(line) for line in allowed)


READS_GLOBAL_STATE = {"sim/testing/checks.py": {"import random", "np.random.get_state("}}
"""``check_rule`` reads (never draws from or sets) the global state, to catch a rule that draws."""


def test_no_module_draws_from_global_random_state() -> None:
    """No file in sim/, analysis/ or cli/ imports ``random`` or calls a global NumPy draw."""
    offenders = [
        f"{path.relative_to(ROOT)}:{text[: match.start()].count(chr(10)) + 1}: {match.group(0).strip()}"
        for path in source_files()
        for text in [path.read_text()]
        for match in GLOBAL_DRAW.finditer(text)
        if match.group(0).strip() not in READS_GLOBAL_STATE.get(str(path.relative_to(ROOT)), ())
    ]
    assert source_files(), "no source files found"
    assert not offenders, "global randomness:\n" + "\n".join(offenders)
