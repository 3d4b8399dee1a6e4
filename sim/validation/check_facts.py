"""Run the stylized facts: each fact's scenario pair with many paired replicates, then again over a
Latin hypercube of plausible parameter sets; write per-run measures so a rerun reuses them.

A *block* is one fact's variants under one parameter set (``draw`` -1 is the shipped scenario as
it is). Replicate ``r`` of every variant in a block runs from
``SeedSequence(entropy=scenario seed, spawn_key=(block key, r))`` with block key 0 for the shipped
scenario and ``1 + draw`` for a draw, so the arms of a block are paired (common random numbers) and
blocks are independent. A draw runs its pairs in stages (:mod:`sim.validation.verdicts`): a
later stage of a block continues its replicate numbers, so a draw's numbers do not depend on how
many stages it took. Each finished block is written to ``<out>/blocks/<fact>-<draw>-<hash>.csv``
(the hash covers the resolved configs, seeds, replicates and the source of the code that computes
a run's measures, :func:`code_fingerprint`), so an interrupted or repeated validation only runs what
is missing or changed, and a block saved by older code is never read as the new code's result.

Example::

    plan = ValidationPlan(replicates=50, draws=20, draw_replicates=12)
    table = run_validation(plan, out=Path("results/validation"), workers=2)
"""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import functools
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import qmc

from sim.experiments.executors import process_pool
from sim.model.channel_model import simulate
from sim.scenario import load_scenario
from sim.scenario.schema import ScenarioConfig
from sim.validation.facts import FACTS, RANGES, Draw, Fact, apply_draw, run_measures
from sim.validation.patterns import STUDIES, Study
from sim.validation.verdicts import fact_status, look_level, undefined

PACKAGE_DIR = Path(__file__).resolve().parents[1]
SCENARIO_DIR = PACKAGE_DIR.parent / "scenarios"
MEASURED_CODE = ("model", "behaviours", "scenario", "validation")
"""Sub-packages of ``sim`` whose source decides a validation run's numbers."""
LHS_SEED = 20240601
"""Seed of the Latin hypercube of parameter draws."""


@functools.cache
def code_fingerprint(root: Path = PACKAGE_DIR) -> str:
    """SHA-256 of the source files under :data:`MEASURED_CODE` (names and bytes, in sorted order)."""
    digest = hashlib.sha256()
    for package in MEASURED_CODE:
        for path in sorted((root / package).rglob("*.py")):
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class ValidationPlan:
    """How much to run.

    Attributes:
        replicates: paired replicates per variant of each fact's shipped scenario.
        draws: parameter sets drawn by Latin hypercube from :data:`sim.validation.facts.RANGES`.
        draw_replicates: paired replicates per variant in each stage of a draw.
        draw_looks: stages a draw may take: while its fact is inconclusive (neither holding nor
            contradicted) after a stage, another stage of ``draw_replicates`` pairs runs, up to
            this many; every look uses the Pocock level for this many looks.
        horizon_months: shorten every run to this many months (None: the scenario's own).
        facts: fact numbers to run (None: all).
        pattern_replicates: paired replicates per variant of each pattern study
            (:data:`sim.validation.patterns.STUDIES`); 0 runs no pattern.
    """

    replicates: int = 50
    draws: int = 20
    draw_replicates: int = 12
    draw_looks: int = 4
    horizon_months: int | None = None
    facts: tuple[int, ...] | None = None
    pattern_replicates: int = 20

    def __post_init__(self) -> None:
        look_level(self.draw_looks)  # raises for a number of looks with no Pocock boundary
        if self.draw_replicates < 2 or self.replicates < 2:
            raise ValueError("replicates and draw_replicates must be at least 2 (an interval)")

    @classmethod
    def quick(cls) -> ValidationPlan:
        """A few minutes' validation for development: fewer replicates and draws."""
        return cls(replicates=12, draws=4, draw_replicates=8, draw_looks=2, pattern_replicates=8)


def draw_parameters(draws: int, seed: int = LHS_SEED) -> list[Draw]:
    """``draws`` parameter sets by a seeded Latin hypercube over :data:`RANGES` and the lever."""
    if draws <= 0:
        return []
    sampler = qmc.LatinHypercube(d=len(RANGES) + 1, seed=np.random.default_rng(seed))
    unit = sampler.random(draws)
    out = []
    for i, row in enumerate(unit):
        values = {
            spec.path: spec.low + u * (spec.high - spec.low)
            for spec, u in zip(RANGES, row[:-1], strict=True)
        }
        out.append(Draw(i, values, float(row[-1])))
    return out


STUDY_SPAWN_BLOCK = 10_000
"""Block key of the first pattern study (facts use 0 and 1 + draw), so studies are independent."""


@dataclass(frozen=True)
class Block:
    """One fact's variants under one parameter set (``draw`` None: the shipped scenario), or the
    arms of one pattern study (``study`` set, ``fact`` None, shipped parameters)."""

    fact: Fact | None
    draw: Draw | None
    replicates: int
    configs: dict[str, ScenarioConfig]
    study: Study | None = None
    first: int = 0
    """Number of the block's first replicate (a later stage of a draw continues the earlier)."""

    @property
    def replicate_ids(self) -> range:
        return range(self.first, self.first + self.replicates)

    @property
    def index(self) -> int:
        return -1 if self.draw is None else self.draw.index

    @property
    def spawn_block(self) -> int:
        if self.study is not None:
            return STUDY_SPAWN_BLOCK + [s.name for s in STUDIES].index(self.study.name)
        return 0 if self.draw is None else 1 + self.draw.index

    @property
    def label(self) -> str:
        return f"study-{self.study.name}" if self.study is not None else f"fact{self.fact.number}"

    def digest(self) -> str:
        payload = {
            "configs": {name: c.model_dump(mode="json") for name, c in self.configs.items()},
            "replicates": self.replicates,
            "first": self.first,
            "block": self.spawn_block,
            "code": code_fingerprint(),
        }
        text = json.dumps(payload, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    def filename(self) -> str:
        stage = f"-from{self.first}" if self.first else ""
        return f"{self.label}-draw{self.index}{stage}-{self.digest()}.csv"


def build_block(
    fact: Fact, draw: Draw | None, replicates: int, horizon_months: int | None = None
) -> Block:
    """Resolve the fact's scenario variants, apply the draw and the horizon, and validate."""
    scenario = load_scenario(SCENARIO_DIR / fact.scenario)
    documents = {name: scenario.variants[name].model_dump(mode="python") for name in fact.variants}
    apply_draw(documents, fact, draw)
    if horizon_months is not None:
        for doc in documents.values():
            doc["time"]["horizon_months"] = horizon_months
    configs = {name: ScenarioConfig.model_validate(doc) for name, doc in documents.items()}
    return Block(fact, draw, replicates, configs)


def build_study(study: Study, replicates: int, horizon_months: int | None = None) -> Block:
    """Resolve a pattern study's arms: the file's variants, then its override arms."""
    scenario = load_scenario(SCENARIO_DIR / study.scenario)
    documents = {name: scenario.variants[name].model_dump(mode="python") for name in study.variants}
    for arm, overrides in study.extra.items():
        doc = scenario.variants["base"].model_dump(mode="python")
        for path, value in overrides.items():
            _set_path(doc, path, value)
        documents[arm] = doc
    if horizon_months is not None:
        for doc in documents.values():
            doc["time"]["horizon_months"] = horizon_months
    configs = {name: ScenarioConfig.model_validate(doc) for name, doc in documents.items()}
    return Block(None, None, replicates, configs, study)


def _set_path(doc: dict[str, Any], path: str, value: Any) -> None:
    """Set ``path`` (dots; vendors by name) in a resolved scenario document."""
    *parents, last = path.split(".")
    node: Any = doc
    for key in parents:
        node = next(v for v in node if v["name"] == key) if isinstance(node, list) else node[key]
    node[last] = value


def run_task(config: ScenarioConfig, block: int, replicate: int) -> list[dict[str, Any]]:
    """One run of a block: its per-vendor measures (:func:`sim.validation.facts.run_measures`)."""
    seed = np.random.SeedSequence(entropy=config.seed, spawn_key=(block, replicate))
    return run_measures(simulate(config, seed))


def plan_blocks(plan: ValidationPlan) -> list[Block]:
    """Every block of the plan: each fact's shipped scenario, then each draw."""
    facts = [f for f in FACTS if not f.pooled and (plan.facts is None or f.number in plan.facts)]
    draws = draw_parameters(plan.draws)
    blocks = [build_block(f, None, plan.replicates, plan.horizon_months) for f in facts]
    for draw in draws:
        blocks += [build_block(f, draw, plan.draw_replicates, plan.horizon_months) for f in facts]
    if plan.pattern_replicates > 0 and plan.facts is None:
        blocks += [build_study(s, plan.pattern_replicates, plan.horizon_months) for s in STUDIES]
    return blocks


def _block_frame(block: Block, rows: dict[tuple[str, int], list[dict[str, Any]]]) -> pd.DataFrame:
    records = []
    for (variant, replicate), measures in sorted(rows.items()):
        for m in measures:
            records.append(
                {
                    "fact": block.fact.number if block.fact is not None else -1,
                    "study": block.study.name if block.study is not None else "",
                    "draw": block.index,
                    "variant": variant,
                    "replicate": replicate,
                    **m,
                }
            )
    return pd.DataFrame.from_records(records)


def _run_blocks(
    todo: list[Block],
    blocks_dir: Path,
    pool: cf.Executor | None,
    say: Callable[[str], None],
) -> None:
    """Run ``todo`` (in ``pool``, or here without one), writing each block when it is complete."""
    tasks = [(b, variant, r) for b in todo for variant in b.configs for r in b.replicate_ids]
    pending: dict[int, dict[tuple[str, int], list[dict[str, Any]]]] = {id(b): {} for b in todo}
    left = {id(b): len(b.configs) * b.replicates for b in todo}

    def accept(block: Block, variant: str, replicate: int, rows: list[dict[str, Any]]) -> None:
        pending[id(block)][(variant, replicate)] = rows
        left[id(block)] -= 1
        if left[id(block)] == 0:
            frame = _block_frame(block, pending.pop(id(block)))
            frame.to_csv(blocks_dir / block.filename(), index=False)
            done = len(todo) - len(pending)
            what = (
                f"study {block.study.name}"
                if block.study
                else f"fact {block.fact.number}, draw {block.index}"
            )
            if block.first:
                what += f", pairs {block.first + 1}-{block.first + block.replicates}"
            say(f"block {done}/{len(todo)}: {what}")

    if pool is None:
        for block, variant, r in tasks:
            accept(block, variant, r, run_task(block.configs[variant], block.spawn_block, r))
        return
    futures = {
        pool.submit(run_task, b.configs[v], b.spawn_block, r): (b, v, r) for b, v, r in tasks
    }
    for future in cf.as_completed(futures):
        block, variant, r = futures[future]
        accept(block, variant, r, future.result())


def next_stage(plan: ValidationPlan, stages: list[Block], blocks_dir: Path) -> list[Block]:
    """The next stage of every draw whose fact is still inconclusive after ``stages`` (the blocks
    of its latest stage; earlier stages are read from ``blocks_dir`` too), unless one of its checks
    has no value in any run so far."""
    level = look_level(plan.draw_looks)
    out = []
    for block in stages:
        if block.fact is None or block.draw is None:
            continue
        looked = block.first + block.replicates
        if looked >= plan.draw_looks * plan.draw_replicates:
            continue
        earlier = [dataclasses.replace(block, first=f) for f in range(0, looked, block.replicates)]
        table = pd.concat([pd.read_csv(blocks_dir / b.filename()) for b in earlier])
        if fact_status(block.fact, table, level) == "inconclusive" and not undefined(
            block.fact, table
        ):
            out.append(dataclasses.replace(block, first=looked))
    return out


def run_validation(
    plan: ValidationPlan,
    out: Path,
    workers: int = 2,
    progress: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Run every block not already saved under ``out/blocks``; return all blocks' measures.

    Then, stage after stage, the further pairs of every draw still inconclusive
    (:func:`next_stage`). Also writes ``out/draws.csv`` (each draw's parameter values and program
    level) and ``out/measures.csv`` (every run's measures, the input of :mod:`analysis.validation`).
    """
    say = progress or (lambda _message: None)
    blocks_dir = out / "blocks"
    blocks_dir.mkdir(parents=True, exist_ok=True)
    blocks = plan_blocks(plan)
    todo = [b for b in blocks if not (blocks_dir / b.filename()).exists()]
    say(f"{len(blocks)} blocks, {len(blocks) - len(todo)} saved, {len(todo)} to run")
    pool: cf.Executor | None = None

    def run(todo: list[Block]) -> None:
        nonlocal pool
        if todo and pool is None and workers > 1:  # started only when there is work for it
            pool = process_pool(workers)
        _run_blocks(todo, blocks_dir, pool, say)

    try:
        run(todo)
        stage = [b for b in blocks if b.draw is not None]
        for look in range(2, plan.draw_looks + 1):
            stage = next_stage(plan, stage, blocks_dir)
            if not stage:
                break
            todo = [b for b in stage if not (blocks_dir / b.filename()).exists()]
            say(
                f"look {look} of {plan.draw_looks}: {len(stage)} inconclusive draws get "
                f"{plan.draw_replicates} more pairs ({len(stage) - len(todo)} saved)"
            )
            run(todo)
            blocks += stage
        later = sum(1 for b in blocks if b.first)
        say(f"{len(blocks)} blocks in all, {later} of them later looks at inconclusive draws")
    except BaseException:
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        raise
    if pool is not None:
        pool.shutdown()
    facts = [pd.read_csv(blocks_dir / b.filename()) for b in blocks if b.study is None]
    table = pd.concat(facts, ignore_index=True) if facts else pd.DataFrame()
    table.to_csv(out / "measures.csv", index=False)
    studies = [
        pd.read_csv(blocks_dir / b.filename(), keep_default_na=False, na_values=[""])
        for b in blocks
        if b.study is not None
    ]
    if studies:
        pd.concat(studies, ignore_index=True).to_csv(out / "patterns.csv", index=False)
    draws = draw_parameters(plan.draws)
    pd.DataFrame(
        [{"draw": d.index, **d.values, "lever": d.lever} for d in draws],
        columns=["draw", *[s.path for s in RANGES], "lever"],
    ).to_csv(out / "draws.csv", index=False)
    (out / "plan.json").write_text(json.dumps(plan.__dict__, indent=2) + "\n")
    return table


__all__ = [
    "Block",
    "ValidationPlan",
    "build_block",
    "draw_parameters",
    "next_stage",
    "plan_blocks",
    "run_task",
    "run_validation",
]
