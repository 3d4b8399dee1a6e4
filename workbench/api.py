"""The Python API: ``sim.run(...)`` runs a scenario and ``sim.load(DIR)`` opens a result folder; both
give a :class:`Result` with tidy tables, comparisons with 90% intervals and figures.

Example (in a notebook; a script needs the ``if __name__ == "__main__":`` guard when
``workers > 1``, as every process pool does)::

    import sim

    result = sim.run("scenarios/margin-cut.yaml", replicates=4, seed=1, workers=2)
    result.compare("channel_revenue", vendor="acme")   # difference from base with its interval
    result.plot("attention_share")                     # a matplotlib figure
    result.save("results/margin-cut-4")                # a normal result folder

A run is written through the same runner and writer as ``sim run``, into a temporary result folder
(removed when the :class:`Result` is garbage collected) or into ``out``; :meth:`Result.save` copies
it. So every number here is the number ``sim run`` writes for the same scenario and seed.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from analysis.compare import DEFAULT_METRICS, Comparison, build_comparison, comparison_table
from analysis.compare_plots import difference_figure, fan_figure
from analysis.metric_catalog import DERIVED, read_runs, read_series
from analysis.sources import open_source
from sim.experiments.folder_layout import MANIFEST_FILE, atomic_open
from sim.experiments.reader import ResultSet, load_results
from sim.scenario import Scenario, load_scenario, with_overrides

PathLike = str | os.PathLike[str]


def prepare(
    scenario: PathLike | Scenario,
    *,
    replicates: int | None = None,
    overrides: Mapping[str, Any] | None = None,
    seed: int | None = None,
) -> Scenario:
    """A scenario file (or a loaded scenario) with ``overrides``, ``seed`` and ``replicates``
    applied to every variant, validated.

    Args:
        scenario: a scenario file, or a :class:`~sim.scenario.Scenario` already loaded.
        replicates: replaces the file's ``replicates``.
        overrides: ``{key path: value}``, as ``--set`` (``{"vendors.acme.program.margin": 0.15}``).
        seed: replaces the file's ``seed``.

    Raises:
        sim.scenario.ScenarioError: the file or an override is wrong; the message names the key.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario, seed=seed, replicates=replicates)
        seed = replicates = None
    changes = dict(overrides or {})
    changes |= {k: v for k, v in (("seed", seed), ("replicates", replicates)) if v is not None}
    if not changes:
        return scenario
    configs = {name: with_overrides(config, changes) for name, config in scenario.variants.items()}
    return replace(scenario, variants=configs)


def run(
    scenario: PathLike | Scenario,
    *,
    replicates: int | None = None,
    variants: Sequence[str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    seed: int | None = None,
    workers: int | None = None,
    out: PathLike | None = None,
    progress: bool = False,
    engine: str = "population",
) -> Result:
    """Run every variant x replicate of a scenario and return its results.

    Args:
        scenario: a scenario file, or a loaded :class:`~sim.scenario.Scenario`.
        replicates: runs per variant (default: the file's).
        variants: names of the variants to run (default: all, ``base`` first).
        overrides: ``{key path: value}`` applied to every variant, as ``sim run --set``.
        seed: the scenario seed (default: the file's); replicate ``r`` of every variant uses
            ``SeedSequence(seed, spawn_key=(r,))``, so variants are paired.
        workers: processes (default: the CPU count, at most the number of runs); 1 runs here.
        out: write the result folder here (new or empty) instead of a temporary folder.
        progress: show a progress bar on a terminal.
        engine: ``population`` (fast) or ``per-agent``.

    Raises:
        sim.scenario.ScenarioError: a bad file or override.
        sim.experiments.UnknownVariantError: ``variants`` names a variant the scenario lacks.
        sim.experiments.MemoryLimitError: the runs would not fit in memory with these workers.
        sim.experiments.ResultsError: ``out`` exists and is not empty.
    """
    from sim.experiments.memory_guard import check_memory
    from sim.experiments.runner import plan_runs, run_scenario

    prepared = prepare(scenario, replicates=replicates, overrides=overrides, seed=seed)
    tasks = plan_runs(prepared, variants)
    workers = max(1, min(workers or os.cpu_count() or 1, len(tasks)))
    check_memory(list(prepared.variants.values()), workers)
    temporary = None if out is not None else Path(tempfile.mkdtemp(prefix="sim-run-"))
    summary = run_scenario(
        prepared,
        variants=variants,
        workers=workers,
        progress=progress,
        out_dir=out if out is not None else temporary,
        command_line=_call_text(scenario, replicates, variants, overrides, seed),
        engine=engine,
    )
    return Result(load_results(summary.folder), temporary=temporary)


def load(path: PathLike, results_root: PathLike = "results") -> Result:
    """Open a result folder (or the newest folder of a scenario file under ``results_root``).

    Raises:
        sim.experiments.ResultsError: not a result folder, or no results for that scenario yet.
    """
    return Result(open_source(path, results_root))


class Result:
    """The results of a scenario run: one result folder, opened for analysis.

    Tables are tidy: ``timeseries`` has one row per variant, replicate, step and vendor; ``runs``
    one per variant, replicate and vendor; ``summary`` one per variant, vendor and metric. Both
    ``timeseries`` and ``runs`` carry ``total_revenue`` (channel + direct) also for folders
    written before the model recorded it.
    """

    def __init__(self, results: ResultSet, *, temporary: Path | None = None) -> None:
        self.results = results
        self._cleanup = (
            weakref.finalize(self, shutil.rmtree, temporary, ignore_errors=True)
            if temporary is not None
            else None
        )

    def __repr__(self) -> str:
        return (
            f"<Result {self.name!r}: variants {', '.join(self.variants)}; {self.status}; "
            f"{self.folder}>"
        )

    @property
    def folder(self) -> Path:
        """The result folder (temporary unless the run had ``out`` or this came from ``load``)."""
        return self.results.path

    @property
    def name(self) -> str:
        return self.results.name

    @property
    def variants(self) -> list[str]:
        return self.results.variants

    @property
    def vendors(self) -> list[str]:
        return self.results.vendors

    @property
    def status(self) -> str:
        """``complete``, ``failed-runs`` or ``incomplete``, as in the manifest."""
        return self.results.status

    @property
    def manifest(self) -> dict[str, Any]:
        return self.results.manifest

    @cached_property
    def timeseries(self) -> pd.DataFrame:
        """Every metric per variant, replicate, step and vendor (flows per step)."""
        ts = self.results.timeseries
        missing = [name for name in DERIVED if name not in ts.columns]
        return ts.join(read_series(self.results, missing)[missing]) if missing else ts

    @cached_property
    def runs(self) -> pd.DataFrame:
        """Per variant, replicate and vendor: cumulative revenue, conflicts, partner counts."""
        runs = self.results.runs
        missing = [name for name in DERIVED if name not in runs.columns]
        return runs.join(read_runs(self.results, missing)[missing]) if missing else runs

    @cached_property
    def summary(self) -> pd.DataFrame:
        """Per variant, vendor and metric: mean, 5%, 50%, 95% across replicates."""
        return self.results.summary

    def comparison(
        self, metrics: str | Sequence[str] = DEFAULT_METRICS, months: tuple | None = None
    ) -> Comparison:
        """The variants compared with ``base`` (:mod:`analysis.compare`) over ``months``
        (``(first, last)``, either may be None)."""
        names = [metrics] if isinstance(metrics, str) else list(metrics)
        return build_comparison([self.results], names, months or (None, None))

    def compare(
        self,
        metric: str | Sequence[str] = "channel_revenue",
        vendor: str | None = None,
        months: tuple | None = None,
    ) -> pd.DataFrame:
        """Each variant's mean with its 90% interval and its paired difference from ``base``.

        One row per metric, statistic (flows: ``cumulative`` and ``final``; stocks: ``final``
        and ``average``), vendor and variant; columns as ``comparison.csv`` (docs/reference.md).
        """
        table = comparison_table(self.comparison(metric, months))
        if vendor is not None:
            self._check_vendor(vendor)
            table = table[table["vendor"] == vendor]
        return table.reset_index(drop=True)

    def plot(self, metric: str = "channel_revenue", vendor: str | None = None) -> Figure:
        """Mean and 5-95% band of replicates over time, one colour per variant, a panel per
        vendor (or only ``vendor``)."""
        return fan_figure(self._for_vendor(self.comparison(metric), vendor), metric)

    def plot_difference(self, metric: str = "channel_revenue", vendor: str | None = None) -> Figure:
        """Each variant's mean difference from ``base`` over time with its 90% band."""
        return difference_figure(self._for_vendor(self.comparison(metric), vendor), metric)

    def save(self, folder: PathLike) -> Path:
        """Copy the result folder to ``folder`` (new or empty) and return it.

        Each file appears under its final name only when it is completely written, and the
        manifest comes last, so an interrupted save is never taken for a finished folder (and,
        as with ``sim run``, one interrupted before the manifest is removed again). The folder's
        lock is held while it is written; links in the source folder are not followed.

        Raises:
            sim.experiments.ResultsError: ``folder`` exists and is not an empty folder.
            sim.experiments.FolderBusyError: another process writes into ``folder``.
        """
        from sim.experiments.result_folder import LOCK_FILE, claim_result_folder

        files = sorted(p for p in self.folder.rglob("*") if self._own_file(p, LOCK_FILE))
        files.sort(key=lambda p: p.name == MANIFEST_FILE and p.parent == self.folder)
        with claim_result_folder(self.name, folder) as target:
            for source in files:
                destination = target / source.relative_to(self.folder)
                destination.parent.mkdir(parents=True, exist_ok=True)
                with source.open("rb") as reader, atomic_open(destination, "wb") as writer:
                    shutil.copyfileobj(reader, writer)
        return target

    def _own_file(self, path: Path, lock: str) -> bool:
        """A file of the result folder itself: no link (nor under one), journal part or lock."""
        inner = path.relative_to(self.folder)
        under = [self.folder.joinpath(*inner.parts[:i]) for i in range(1, len(inner.parts))]
        return (
            path.is_file() and not path.is_symlink() and not any(p.is_symlink() for p in under)
            and ".parts" not in inner.parts and path.name != lock
        )  # fmt: skip

    def _check_vendor(self, vendor: str) -> None:
        if vendor not in self.vendors:
            raise ValueError(f"unknown vendor {vendor!r}; vendors are {', '.join(self.vendors)}")

    def _for_vendor(self, comp: Comparison, vendor: str | None) -> Comparison:
        if vendor is None:
            return comp
        self._check_vendor(vendor)
        return replace(comp, vendors=[vendor])


def _call_text(scenario: Any, replicates, variants, overrides, seed) -> str:
    """The call as a reader would type it, for the manifest's ``command_line``."""
    what = repr(str(scenario)) if not isinstance(scenario, Scenario) else repr(str(scenario.path))
    options = [
        f"{key}={value!r}"
        for key, value in (
            ("replicates", replicates), ("variants", list(variants) if variants else None),
            ("overrides", dict(overrides) if overrides else None), ("seed", seed),
        )
        if value is not None
    ]  # fmt: skip
    return f"sim.run({', '.join([what, *options])})"


__all__ = ["Result", "load", "prepare", "run"]
