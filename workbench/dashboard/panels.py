"""The answer: a headline, a card per variant with its paired difference from base in each key
metric (worded as the report words it), the overlaid fan charts, the numbers as a table, and
saving the scenario and the results."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from pathlib import Path

import solara

from analysis.formatting import format_value
from analysis.intervals import LEVEL
from analysis.whatif_plots import whatif_figure
from workbench.answers import METRICS, Answer, main_stat, metric_words

MUTED = {"color": "#5f6368", "font-size": "13px"}
CLEAR = {"font-weight": "600"}


@solara.component
def Headline(answer: Answer) -> None:
    """Which variant is best for the vendor's channel revenue, overall and among the what-ifs."""
    for text, best in answer.headlines("channel_revenue"):
        (solara.Success if best else solara.Info)(text, classes=["headline"], dense=True)


@solara.component
def Cards(answer: Answer, describe: dict[str, str]) -> None:
    """One card per compared variant: what it changes and its difference from base per metric."""
    arms = [a for a in answer.arms if a != "base"]
    with solara.Row(style={"flex-wrap": "wrap", "align-items": "stretch"}):
        for arm in arms:
            with solara.Card(
                arm, subtitle=describe.get(arm, ""), margin=0, classes=["variant-card"],
                style={"min-width": "300px", "max-width": "420px", "flex": "1"},
            ):  # fmt: skip
                solara.Text(
                    f"vs base, {answer.replicates.get(arm, 0)} paired replicates, {LEVEL:.0%} CI",
                    style=MUTED,
                )
                for metric in METRICS:
                    effect = next((e for e in answer.effects[metric] if e.arm == arm), None)
                    if effect is None:
                        continue
                    with solara.Column(gap="0px", classes=["effect"]):
                        solara.Text(metric_words(metric).capitalize(), style=MUTED)
                        solara.Text(
                            effect.text, style=CLEAR if effect.clear else {},
                            classes=[f"effect-{metric}"],
                        )  # fmt: skip
    for name, why in answer.missing.items():
        solara.Warning(f"{name}: {why}; not shown")


@solara.component
def Chart(answer: Answer, title: str) -> None:
    figure = solara.use_memo(
        lambda: whatif_figure(answer.comparison, answer.vendor, METRICS, answer.markers, title),
        dependencies=[id(answer)],
    )
    solara.FigureMatplotlib(figure, format="png", dependencies=[id(answer)])


@solara.component
def Numbers(answer: Answer) -> None:
    """Every card's number in full: per variant and metric, its mean and its difference from base
    with the interval, in whole units (the numbers ``sim compare`` writes to comparison.csv)."""
    header = ["variant", "metric", "mean", "difference from base", "CI low", "CI high", "n"]
    rows = []
    for metric in METRICS:
        stat = main_stat(metric)
        part = answer.table[(answer.table.metric == metric) & (answer.table.stat == stat)]
        for r in part.itertuples():
            cells = [r.arm, f"{metric} ({stat})", *(
                _exact(metric, x) for x in (r.mean, r.diff, r.diff_low, r.diff_high)
            ), str(r.n)]  # fmt: skip
            rows.append("".join(f"<td>{escape(c)}</td>" for c in cells))
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join(f"<tr>{row}</tr>" for row in rows)
    solara.HTML(
        "table", f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody>", classes=["numbers"],
        style="border-collapse: collapse; font-size: 13px; font-variant-numeric: tabular-nums",
    )  # fmt: skip


def _exact(metric: str, value: float) -> str:
    if value != value:  # NaN: base has no difference from itself
        return ""
    if format_value(metric, 1e6).startswith("$"):
        return f"{value:,.0f}"
    return f"{value:.4f}"


@solara.component
def SavePanel(
    default_scenario: str,
    default_results: str,
    save_scenario: Callable[[str], str],
    save_results: Callable[[str], str],
    disabled: bool,
) -> None:
    """Save as scenario (a YAML file ``sim run`` reproduces exactly) and save results (a normal
    result folder); each says where it wrote or why it could not."""
    # reactive values read when the button is pressed: the path the browser sent last, never the
    # one of an earlier render
    scenario_path = solara.use_reactive(default_scenario)
    results_path = solara.use_reactive(default_results)
    said, set_said = solara.use_state(("", ""))

    def run(kind: str, action: Callable[[str], str], path: solara.Reactive[str]) -> None:
        try:
            set_said(("ok", action(path.value)))
        except (OSError, ValueError) as exc:
            set_said(("error", f"{kind}: {exc}"))

    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.InputText("Scenario file", value=scenario_path, continuous_update=True)
        solara.Button(
            "Save as scenario", icon_name="mdi-content-save", disabled=disabled,
            on_click=lambda: run("save as scenario", save_scenario, scenario_path),
        )  # fmt: skip
        solara.InputText("Result folder", value=results_path, continuous_update=True)
        solara.Button(
            "Save results", icon_name="mdi-folder-download", disabled=disabled,
            on_click=lambda: run("save results", save_results, results_path),
        )  # fmt: skip
    kind, text = said
    if kind == "ok":
        solara.Success(text, classes=["save-message"])
    elif kind == "error":
        solara.Error(text, classes=["save-message"])


def default_paths(name: str, results_root: Path, stamp: str) -> tuple[str, str]:
    """Where saving goes unless the user says otherwise."""
    return f"{name}-whatif.yaml", str(results_root / name / f"dashboard-{stamp}")


__all__ = ["Cards", "Chart", "Headline", "Numbers", "SavePanel", "default_paths"]
