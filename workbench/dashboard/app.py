"""The what-if page: edit variants on the left, run them in the background, read the answer.

The page opens with the scenario's own variants and runs them at once. "Run" runs every variant in
two stages, a quick answer with few replicates and then the scenario's replicate count, showing
each as it arrives; runs already done (same resolved variant, same seed, same replicate) come
from the cache, so a change to one variant runs only that variant. "Cancel" stops what has not
started. State is per browser tab (Solara reactive variables are per connection).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html import escape

import solara
from solara.lab import task

from analysis.levers import variant_levers
from sim.experiments.memory_guard import check_memory
from sim.scenario import Scenario, ScenarioError
from workbench.answers import build_answer
from workbench.api import Result
from workbench.background import stages, write_results
from workbench.dashboard.editor import VariantEditor
from workbench.dashboard.panels import (
    Cards,
    Chart,
    Headline,
    Numbers,
    SavePanel,
    default_paths,
)
from workbench.dashboard.session import served
from workbench.whatif import (
    BASE,
    Variant,
    build_scenario,
    describe,
    focus_vendor,
    save_scenario,
    variants_of,
)

CSS = """
.v-navigation-drawer { width: 400px !important; }
.effect { margin-top: 6px; }
.headline .v-alert__content { font-size: 15px; }
table.numbers td, table.numbers th { padding: 2px 10px; border-bottom: 1px solid #ddd; }
table.numbers td:nth-child(n+3) { text-align: right; }
"""


@dataclass(frozen=True)
class Ask:
    """One question to run: the variants, the seed and the replicates wanted."""

    variants: tuple[Variant, ...]
    seed: int
    replicates: int


@dataclass(frozen=True)
class Shown:
    """A stage's runs as the page shows them."""

    ask: Ask
    scenario: Scenario
    live: Result
    replicates: int


variants = solara.reactive(None)
editing = solara.reactive("")
vendor = solara.reactive("")
seed = solara.reactive(0)
replicates = solara.reactive(1)
shown = solara.reactive(None)
status = solara.reactive("")
_counter = [0]


def _start() -> None:
    """First render of a tab: the scenario's variants, its focus vendor, seed and replicates."""
    scenario = served().scenario
    found = variants_of(scenario)
    variants.set(found)
    editing.set(next((v.name for v in found if v.name != BASE), ""))
    vendor.set(focus_vendor(scenario))
    base = scenario.variants[BASE]
    seed.set(base.seed)
    replicates.set(base.replicates)


def _ask() -> Ask:
    return Ask(tuple(variants.value), int(seed.value), int(replicates.value))


def problems(ask: Ask) -> str:
    """What is wrong with the variants (empty when they can run)."""
    try:
        build_scenario(served().scenario, ask.variants, seed=ask.seed, replicates=1)
    except ScenarioError as exc:
        return str(exc)
    return ""


@task
def compute(ask: Ask) -> str:
    """Run ``ask`` stage by stage; each stage's answer replaces the one shown."""
    srv = served()
    final = len(ask.variants) * ask.replicates
    for count in stages(ask.replicates, srv.quick):
        scenario = build_scenario(srv.scenario, ask.variants, seed=ask.seed, replicates=count)
        check_memory(list(scenario.variants.values()), srv.runs.workers)  # as sim run does
        stage = "first answer" if count < ask.replicates else "all replicates"

        def progress(done: int, total: int, stage: str = stage) -> None:
            compute.progress = 100.0 * done / max(final, 1)
            status.set(f"{stage}: {done} of {total} runs")

        results = srv.runs.run(
            scenario, progress=progress, cancelled=lambda: not compute.is_current()
        )
        if results is None:
            status.set("cancelled; runs that finished are kept")
            return "cancelled"
        _counter[0] += 1
        folder = srv.live_root / f"live-{_counter[0]}"
        live = write_results(scenario, results, folder, temporary=True)
        shown.set(Shown(ask, scenario, live, count))
    failed = live.status != "complete"
    status.set(f"done: {count} replicates per variant" + ("; some runs failed" if failed else ""))
    return "done"


@solara.component
def Toolbar(ask: Ask, trouble: str) -> None:
    srv = served()
    names = [v.name for v in srv.scenario.variants[BASE].vendors]
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.Select("Focus vendor", values=names, value=vendor, style={"max-width": "180px"})
        solara.InputInt("Seed", value=seed, style={"max-width": "120px"})
        solara.InputInt("Replicates", value=replicates, style={"max-width": "120px"})
        solara.Button(
            "Run", icon_name="mdi-play", color="primary", disabled=bool(trouble),
            on_click=lambda: compute(ask),
        )  # fmt: skip
        solara.Button(
            "Cancel", icon_name="mdi-stop", disabled=not compute.pending, on_click=compute.cancel
        )
    if compute.pending:
        solara.ProgressLinear(compute.progress or True)
    solara.Text(status.value, classes=["run-status"])
    if compute.error:
        solara.Error(f"the runs stopped: {compute.exception}", dense=True)
    if trouble:
        for line in trouble.splitlines():
            solara.Error(line, dense=True)
    elif shown.value is not None and shown.value.ask != ask and not compute.pending:
        solara.Warning("The variants changed since the last run: press Run to update the answer.")


@solara.component
def Answer(now: Shown, focus: str) -> None:
    srv = served()
    answer = solara.use_memo(
        lambda: build_answer(now.live.results, srv.saved, focus), dependencies=[id(now), focus]
    )
    base = now.scenario.variants[BASE]
    words = {v.name: describe(v, base) for v in now.ask.variants}
    for result in srv.saved:
        for variant, lines in variant_levers(result).items():
            words[f"{result.path.name}:{variant}"] = "; ".join(lines)
    Headline(answer)
    Cards(answer, words)
    Chart(answer, f"{srv.scenario.name}: {focus}, {now.replicates} replicates per variant")
    with solara.Details("The numbers in full", expand=False):
        Numbers(answer)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    scenario_path, results_path = default_paths(srv.scenario.name, srv.results_root, stamp)

    def save_as_scenario(path: str) -> str:
        written = save_scenario(now.scenario, path)
        return f"Saved {written}; `sim run {written}` reproduces these numbers."

    def save_results(path: str) -> str:
        runs = srv.runs.run(now.scenario)
        folder = write_results(now.scenario, runs, path, command_line="sim dashboard").folder
        return f"Saved the result folder {folder} (sim compare, sim report and sim.load read it)."

    SavePanel(scenario_path, results_path, save_as_scenario, save_results, compute.pending)


@solara.component
def Page() -> None:
    srv = served()
    if variants.value is None:
        _start()
    ask = _ask()
    trouble = problems(ask)
    solara.use_effect(lambda: compute(ask) if not trouble else None, dependencies=[])
    solara.Style(CSS)
    solara.Title(f"sim dashboard: {srv.scenario.name}")
    with solara.Sidebar():
        VariantEditor(
            srv.scenario.variants[BASE], vendor.value, list(variants.value), variants.set,
            editing.value, editing.set,
        )  # fmt: skip
    with solara.Column(style={"padding": "4px 12px"}):
        solara.HTML("h2", escape(srv.scenario.name))
        solara.Text(srv.scenario.description)
        for note in srv.notes:
            solara.Info(note, dense=True)
        Toolbar(ask, trouble)
        if shown.value is not None:
            Answer(shown.value, vendor.value)
        else:
            solara.Info("Running the scenario's variants; the first answer comes in a few seconds.")


__all__ = ["Page"]
