"""Running a sweep: each sample of the design is a variant (``s0000``, ...) run for every replicate.

A sweep folder is an ordinary result folder plus ``samples.csv`` and a ``"sweep"`` key in the
manifest (docs/experiments.md, "Sweeps"). Replicate ``r`` of every sample runs from
``SeedSequence(entropy=seed, spawn_key=(r,))``, so samples are compared on common random numbers.
Sample configs are built lazily (a few ahead of the workers), so a 10,000-run sweep never holds
10,000 configs or outputs in memory.

Example::

    scenario = load_scenario("scenarios/sweep-margin-credit.yaml", replicates=2)
    plan = plan_sweep(scenario, method="lhs", samples=16)
    summary = run_sweep(plan, workers=4)
"""

from __future__ import annotations

import concurrent.futures as cf
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

import sim
from sim.experiments.folder_layout import RESOLVED_FILE, ResultsError, atomic_write_text
from sim.experiments.manifest import RunRecord, scenario_notes, sha256_text
from sim.experiments.result_folder import claim_result_folder, reason
from sim.experiments.runner import RunSummary, execute
from sim.experiments.sweep_design import (
    SAMPLES_FILE,
    Design,
    design_matrix,
    samples_frame,
    sweep_manifest,
)
from sim.experiments.tasks import RunTask
from sim.experiments.writer import ResultWriter
from sim.scenario.errors import unwrap
from sim.scenario.overrides import resolve_path
from sim.scenario.resolution import dump_yaml, resolved_document, with_overrides
from sim.scenario.schema import ScenarioConfig, SweepMethod

if TYPE_CHECKING:
    from sim.scenario import Scenario


class NoSweepError(ValueError):
    """The scenario has no ``sweep:`` block."""


@dataclass(frozen=True)
class SweepPlan:
    """What a sweep runs: the base config, the design and the values each sample uses.

    Attributes:
        name: the scenario name.
        base: the base variant's config (seed and replicates included).
        design: the sampled design (unit values scaled to the bounds).
        samples: the rows of ``samples.csv`` (values actually used: whole-number keys rounded).
        info: manifest keys describing the scenario.
    """

    name: str
    base: ScenarioConfig
    design: Design
    samples: pd.DataFrame
    info: dict[str, Any]

    @property
    def replicates(self) -> int:
        return self.base.replicates

    @property
    def runs(self) -> int:
        return len(self.samples) * self.replicates

    def records(self) -> list[RunRecord]:
        """Every planned run, sample by sample, replicates ascending."""
        seed = self.base.seed
        return [
            RunRecord(name, r, seed, (r,))
            for name in self.samples["sample"]
            for r in range(self.replicates)
        ]


def whole_number_keys(config: ScenarioConfig, paths: list[str] | tuple[str, ...]) -> set[str]:
    """The swept paths whose key takes whole numbers (their samples are rounded)."""
    doc = resolved_document(config)
    return {path for path in paths if unwrap(resolve_path(doc, path)[1]) is int}


def plan_sweep(
    scenario: Scenario, *, method: SweepMethod | None = None, samples: int | None = None
) -> SweepPlan:
    """Sample the design of the scenario's sweep (base variant; other variants are not swept).

    Raises:
        NoSweepError: the scenario has no ``sweep:`` block.
    """
    base = next(iter(scenario.variants.values()))
    if base.sweep is None:
        raise NoSweepError(
            f"{scenario.path}: no sweep: block; add one, e.g.\n"
            "sweep:\n  method: lhs\n  samples: 64\n  parameters:\n"
            "    vendors.acme.program.margin: [0.05, 0.30]"
        )
    design = design_matrix(base.sweep, base.seed, method, samples)
    frame = samples_frame(design, whole_number_keys(base, design.names))
    info = {
        "description": scenario.description,
        "scenario_file": str(scenario.path),
        "horizon_months": base.time.horizon_months,
        "time_step": base.time.step,
        "sweep": sweep_manifest(design, base.replicates),
        **scenario_notes(scenario),
    }
    info["warnings"] += [str(warning) for warning in design.warnings]
    return SweepPlan(scenario.name, base, design, frame, info)


def sweep_tasks(
    base: ScenarioConfig,
    samples: pd.DataFrame,
    names: list[str] | tuple[str, ...],
    replicates: int,
    done: set[tuple[str, int]] = frozenset(),  # type: ignore[assignment]
) -> Iterator[RunTask]:
    """The runs not in ``done``, in plan order; each sample's config is built when first needed."""
    for row in samples.itertuples(index=False):
        row_values = dict(zip(samples.columns, row, strict=True))
        name = str(row_values["sample"])
        config = None
        for r in range(replicates):
            if (name, r) in done:
                continue
            if config is None:
                config = with_overrides(base, sample_values(row_values, names))
            yield RunTask(name, r, config)


def sample_values(row: Mapping[str, Any], names: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """``path -> value`` of one samples.csv row, as Python numbers."""
    return {name: row[name].item() if hasattr(row[name], "item") else row[name] for name in names}


def resolved_sweep_yaml(plan: SweepPlan) -> str:
    """``scenario.resolved.yaml`` of a sweep: the base, its ``sweep:`` as run (method, N)."""
    doc = resolved_document(plan.base)
    doc["sweep"] = {
        "method": plan.design.method,
        "samples": plan.design.options["base_samples"],
        "parameters": {
            n: list(b) for n, b in zip(plan.design.names, plan.design.bounds, strict=True)
        },
    }
    header = (
        f"# Fully resolved scenario {plan.name!r}, written by sim {sim.__version__}: the base of "
        f"a {plan.design.method} sweep of {len(plan.samples)} samples (samples.csv).\n"
        f"# Re-run with: sim sweep {RESOLVED_FILE}\n"
    )
    return header + dump_yaml(doc)


def run_sweep(
    plan: SweepPlan,
    *,
    workers: int = 1,
    executor: cf.Executor | None = None,
    progress: bool = True,
    out_dir: Path | str | None = None,
    results_root: Path | str = "results",
    command_line: str | None = None,
    max_in_flight: int | None = None,
) -> RunSummary:
    """Run every sample x replicate of ``plan`` into a new sweep folder.

    Arguments and result as :func:`sim.experiments.runner.run_scenario`; failed runs and Ctrl-C/SIGTERM do not
    raise (the folder is then ``failed-runs`` or ``incomplete``; finish it with
    :func:`sim.experiments.resume.resume_folder`).

    Raises:
        sim.experiments.folder_layout.ResultsError: ``out_dir`` exists and is not empty.
    """
    with claim_result_folder(plan.name, out_dir, results_root) as folder:
        samples = plan.samples.to_csv(index=False, lineterminator="\n")
        try:
            atomic_write_text(folder / SAMPLES_FILE, samples)
        except OSError as exc:  # nothing has run yet: a problem with the folder (exit 2)
            raise ResultsError(f"{folder}: cannot write {SAMPLES_FILE}: {reason(exc)}") from exc
        writer = ResultWriter(
            folder=folder,
            scenario_name=plan.name,
            plan=plan.records(),
            resolved_yaml=resolved_sweep_yaml(plan),
            command_line=command_line,
            vendors=[vendor.name for vendor in plan.base.vendors],
            info={**plan.info, "checksums": {SAMPLES_FILE: sha256_text(samples)}},
        )
        tasks = sweep_tasks(plan.base, plan.samples, plan.design.names, plan.replicates)
        return execute(
            tasks,
            writer,
            workers=workers,
            executor=executor,
            progress=progress,
            title=f"{plan.name} ({plan.design.method})",
            max_in_flight=max_in_flight,
        )


def read_samples(path: Path) -> pd.DataFrame:
    """``samples.csv`` as written (floats read back exactly)."""
    exact = {} if int(pd.__version__.split(".")[0]) >= 3 else {"float_precision": "round_trip"}
    return pd.read_csv(path, dtype={"sample": str, "block": str}, keep_default_na=False, **exact)


__all__ = [
    "NoSweepError",
    "SweepPlan",
    "plan_sweep",
    "read_samples",
    "run_sweep",
    "sweep_tasks",
    "whole_number_keys",
]
