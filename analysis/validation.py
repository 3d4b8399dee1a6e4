"""Validation tables, plots and ``docs/validation.md`` from the per-run measures a validation wrote.

Reads ``measures.csv`` and ``draws.csv`` (written by
:func:`sim.validation.check_facts.run_validation`); never runs a model. For each fact, check and
parameter set it computes the mean paired effect with a t interval over replicate pairs (95% for the
shipped scenarios, the Pocock level of the plan's looks for the draws) and whether the check holds,
is contradicted or is inconclusive (:mod:`sim.validation.verdicts`); a fact holds in a draw when all
its checks do. The dot plots are :mod:`analysis.validation_plots`.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from analysis.validation_patterns import patterns_section
from analysis.validation_plots import plot_fact
from sim.validation.facts import FACTS, MEASURE_LABELS, RANGES, Check, Fact
from sim.validation.verdicts import LEVEL, combined, holds, interval, look_level, verdict

GOAL = 0.9
"""Share of parameter draws in which every fact should hold."""


def _plan(measures_dir: Path) -> dict:
    """The plan the validation in ``measures_dir`` ran (empty for a folder written before plans
    were recorded: one look)."""
    path = measures_dir / "plan.json"
    return json.loads(path.read_text()) if path.exists() else {}


def _block(table: pd.DataFrame, fact: Fact, draw: int) -> pd.DataFrame:
    rows = table[table["draw"] == draw]
    if fact.pooled:
        # Every run of the draw counts once: give each run its own replicate id.
        rows = rows.assign(
            variant="base", replicate=rows.groupby(["fact", "variant", "replicate"]).ngroup()
        )
        return rows
    return rows[rows["fact"] == fact.number]


def evaluate(table: pd.DataFrame, draw_level: float = LEVEL) -> pd.DataFrame:
    """One row per fact, check and draw (-1 = shipped scenario): n, mean, interval, status, holds.

    The shipped scenarios' intervals are at :data:`LEVEL`; the draws' at ``draw_level`` (the
    Pocock level of a sequential validation, :func:`sim.validation.verdicts.look_level`).
    """
    out = []
    for fact in FACTS:
        for draw in sorted(table["draw"].unique()):
            block = _block(table, fact, int(draw))
            if block.empty:
                continue
            for i, check in enumerate(fact.checks):
                found = verdict(check, block, LEVEL if draw < 0 else draw_level)
                values = found.values
                reference = _reference_mean(block, check)
                out.append(
                    {
                        "fact": fact.number,
                        "check": i,
                        "label": check.label,
                        "draw": int(draw),
                        "n": int(np.sum(~np.isnan(values))),
                        "mean": found.mean,
                        "low": found.low,
                        "high": found.high,
                        "reference_mean": reference,
                        "share_expected_sign": float(np.mean(check.sign * values > 0)),
                        "status": found.status,
                        "holds": found.status == "holds",
                    }
                )
    return pd.DataFrame(out)


def _reference_mean(block: pd.DataFrame, check: Check) -> float:
    if check.kind not in ("paired",):
        return math.nan
    own = block[(block["vendor"] == check.vendor) & (block["variant"] == check.reference)]
    return float(own[check.measure].mean())


def fact_holds(evals: pd.DataFrame) -> pd.DataFrame:
    """Per fact and draw: whether every check holds."""
    return evals.groupby(["fact", "draw"], as_index=False)["holds"].all()


def fact_statuses(evals: pd.DataFrame) -> pd.DataFrame:
    """Per fact and draw: holds, contradicted (a check is) or inconclusive."""
    return evals.groupby(["fact", "draw"], as_index=False)["status"].agg(
        lambda s: combined(list(s))
    )


def draw_fractions(evals: pd.DataFrame) -> dict[int, tuple[int, int]]:
    """Fact -> (draws in which it holds, draws), over draws >= 0."""
    per = fact_holds(evals)
    per = per[per["draw"] >= 0]
    return {int(f): (int(g["holds"].sum()), int(len(g))) for f, g in per.groupby("fact", sort=True)}


def _fmt(value: float, measure: str) -> str:
    if math.isnan(value):
        return "n/a"
    if measure.startswith(("channel", "total")):
        return f"{value / 1e6:+.2f}M"
    if measure in ("conflicts", "accounting_violations"):
        return f"{value:+.0f}"
    if measure.endswith("_excess"):
        return f"{value / 1e3:+.1f}k"
    if measure == "plateau_month":
        return f"{value:+.1f}"
    return f"{value:+.3f}"


MAX_RELATIVE = 10.0
"""Largest relative effect worth printing: beyond it the reference is near 0 (a growth ratio of a
flat series, say) and the percentage says nothing."""


def _relative(effect: float, reference: float) -> str:
    """``, +7%``: the effect relative to the reference arm's mean, or nothing when meaningless."""
    if not reference or math.isnan(reference) or abs(effect / reference) > MAX_RELATIVE:
        return ""
    return f", {effect / reference:+.0%}"


def _check_text(check: Check) -> str:
    measure = "late gain - early gain" if check.kind == "lag" else MEASURE_LABELS[check.measure]
    if check.kind in ("paired", "lag"):
        what = f"{check.variant} - {check.reference}"
    else:
        what = f"{check.variant} - {check.threshold:.3g}"
        if check.kind == "every":
            what = f"every run: {check.variant} - {check.threshold:.3g}"
    return f"{check.label} ({check.vendor}; {measure}; {what})"


def write_report(measures_dir: Path, docs: Path, timing: str = "") -> pd.DataFrame:
    """Write ``docs/validation.md`` and ``docs/validation/*.png``; return the evaluations."""
    table = pd.read_csv(measures_dir / "measures.csv")
    plan = _plan(measures_dir)
    looks = int(plan.get("draw_looks", 1))
    evals = evaluate(table, look_level(looks))
    evals.to_csv(measures_dir / "effects.csv", index=False)
    plots = docs / "validation"
    plots.mkdir(parents=True, exist_ok=True)
    fractions = draw_fractions(evals)
    per_draw = fact_statuses(evals)
    unsettled = per_draw[(per_draw["draw"] >= 0) & (per_draw["status"] == "inconclusive")]
    shipped = evals[evals["draw"] == -1]
    draws = int(table.loc[table["draw"] >= 0, "draw"].nunique())
    replicates = table[table["draw"] == -1].groupby(["fact", "variant"])["replicate"].nunique()
    draw_reps = table[table["draw"] >= 0].groupby(["fact", "variant", "draw"])["replicate"]
    lines = [*_intro(replicates, draw_reps, draws, looks, plan.get("draw_replicates"), timing), ""]
    lines += [
        "| fact | scenario | check (vendor; measure; comparison) | shipped: effect [95% CI] "
        "(pairs with that sign) | holds in draws | fact holds in draws |",
        "|---|---|---|---|---|---|",
    ]
    for fact in FACTS:
        plot_fact(evals, fact, plots / f"fact{fact.number}.png")
        held, total = fractions.get(fact.number, (0, 0))
        share = f"**{held}/{total}** ({held / total:.0%})" if total else "n/a"
        open_draws = int((unsettled["fact"] == fact.number).sum())
        if open_draws:
            share += f"; {open_draws} inconclusive"
        for i, check in enumerate(fact.checks):
            row = shipped[(shipped["fact"] == fact.number) & (shipped["check"] == i)]
            own = evals[(evals["fact"] == fact.number) & (evals["check"] == i)]
            own = own[own["draw"] >= 0]
            cell = "not run"
            if not row.empty:
                r = row.iloc[0]
                measure = "lag" if check.kind == "lag" else check.measure
                rel = _relative(r["mean"], r["reference_mean"])
                mark = "" if r["holds"] else " **fails**"
                cell = (
                    f"{_fmt(r['mean'], measure)} [{_fmt(r['low'], measure)}, "
                    f"{_fmt(r['high'], measure)}]{rel} ({r['share_expected_sign']:.0%} of "
                    f"{r['n']}){mark}"
                )
                if check.kind == "every":
                    broken = round((1 - r["share_expected_sign"]) * r["n"])
                    cell = f"{broken} of {r['n']} runs break one{mark}"
            first = i == 0
            lines.append(
                f"| {fact.number if first else ''} {fact.title if first else ''} | "
                f"{fact.scenario if first else ''} | {_check_text(check)} | {cell} | "
                f"{int(own['holds'].sum())}/{len(own)} | {share if first else ''} |"
            )
    lines += ["", *patterns_section(measures_dir)]
    lines += ["", *_drivers_section(table, evals, measures_dir)]
    lines += ["", *_plots_section(), "", *_ranges_section(), "", *_notes_section()]
    (docs / "validation.md").write_text("\n".join(lines) + "\n")
    return evals


def _intro(
    replicates: pd.Series, draw_reps, draws: int, looks: int, stage: int | None, timing: str
) -> list[str]:
    reps = sorted(set(replicates.tolist())) or [0]
    pairs = draw_reps.nunique()
    if stage is None:  # a folder written before plans recorded it: the fewest pairs a draw had
        stage = int(pairs.min()) if len(pairs) else 0
    level = look_level(looks)
    if looks > 1:
        sequence = (
            f"first with {stage} paired replicates; while a fact is inconclusive in a draw "
            f"(neither holding nor contradicted) {stage} more pairs run, up to {looks} looks "
            f"({stage * looks} pairs). Each look uses the {level:.1%} interval, Pocock's boundary "
            f"for {looks} looks, so that looking again does not raise the chance of a false "
            "'holds' above the 2.5% (one side) of a single 95% interval"
        )
    else:
        sequence = f"with {stage} paired replicates each, one look at the {level:.0%} interval"
    text = [
        "# Validation: the stylized facts",
        "",
        "Generated by `make validate` (`sim check-facts`); do not edit by hand. It checks the "
        "stylized facts listed in `docs/model.md` section 1 in two ways:",
        "",
        f"1. **Shipped scenarios.** Each fact's scenario pair runs with {'/'.join(map(str, reps))} "
        "paired replicates (common random numbers: replicate *r* of both arms starts from the "
        "same seed). The effect is the mean paired difference with a 95% Student-t interval.",
        f"2. **Parameter draws.** The same comparison repeats over {draws} parameter sets drawn "
        "by a seeded Latin hypercube (`scipy.stats.qmc`) from the plausible ranges below, "
        f"{sequence}. A check *holds* in a draw when its interval excludes 0 on the side the "
        "field expects, is *contradicted* when it excludes 0 on the other side, and is "
        "*inconclusive* otherwise; a fact holds when all its checks hold. The goal is every fact "
        f"holding in at least {GOAL:.0%} of draws.",
        "",
        "In the plots, green dots are draws where a check holds, vermilion where it is "
        "contradicted, amber where it is inconclusive; bars are the intervals; the top row is the "
        "shipped scenario.",
    ]
    if timing:
        text += ["", timing]
    return text


def drivers(evals: pd.DataFrame, draws: pd.DataFrame) -> pd.DataFrame:
    """Per fact and check: the drawn parameter whose value best explains the effect across draws.

    The effect of a draw is its mean in the expected direction divided by the interval's half
    width (how clearly the check holds); the driver is the parameter with the largest absolute
    Spearman rank correlation with it.
    """
    rows = []
    params = [c for c in draws.columns if c != "draw"]
    for (fact, check), own in evals[evals["draw"] >= 0].groupby(["fact", "check"]):
        sign = FACTS[int(fact) - 1].checks[int(check)].sign
        half = (own["high"] - own["low"]) / 2
        margin = (sign * own["mean"] / half.where(half > 0)).to_numpy()
        merged = draws.set_index("draw").loc[own["draw"]]
        best, best_rho = "", 0.0
        for name in params:
            if np.isnan(margin).all() or merged[name].nunique() < 2:
                continue
            rho = stats.spearmanr(merged[name], margin, nan_policy="omit").statistic
            if not math.isnan(rho) and abs(rho) > abs(best_rho):
                best, best_rho = name, float(rho)
        rows.append({"fact": int(fact), "check": int(check), "driver": best, "rho": best_rho})
    return pd.DataFrame(rows)


def _drivers_section(table: pd.DataFrame, evals: pd.DataFrame, measures_dir: Path) -> list[str]:
    path = measures_dir / "draws.csv"
    if not path.exists() or (evals["draw"] >= 0).sum() == 0:
        return []
    found = drivers(evals, pd.read_csv(path))
    failed = evals[(evals["draw"] >= 0) & ~evals["holds"]]
    out = [
        "## What drives the effects across draws",
        "",
        "For each check, the drawn parameter with the largest Spearman rank correlation (rho) "
        "with how clearly the check holds (effect in the expected direction / interval half "
        "width), and the draws where it does not hold: contradicted (the interval on the wrong "
        "side) or inconclusive (the interval across 0 after the last look). `lever` is the fact's "
        "program level.",
        "",
        "| fact | check | strongest driver | rho | contradicted in draws | inconclusive in draws |",
        "|---|---|---|---|---|---|",
    ]
    for _, row in found.iterrows():
        check = FACTS[row["fact"] - 1].checks[row["check"]]
        fails = failed[(failed["fact"] == row["fact"]) & (failed["check"] == row["check"])]
        cells = [
            ", ".join(str(d) for d in fails.loc[fails["status"] == kind, "draw"]) or "none"
            for kind in ("contradicted", "inconclusive")
        ]
        out.append(
            f"| {row['fact']} | {check.label} | `{row['driver']}` | {row['rho']:+.2f} | "
            f"{cells[0]} | {cells[1]} |"
        )
    return out


def _plots_section() -> list[str]:
    out = ["## Effect per parameter draw", ""]
    for fact in FACTS:
        out.append(f"![Fact {fact.number}](validation/fact{fact.number}.png)")
        out.append("")
    return out


def _ranges_section() -> list[str]:
    out = [
        "## Plausible ranges",
        "",
        "Every draw sets all of these (uniform marginals, Latin hypercube). `partners.count` "
        "multiplies the scenario's own count.",
        "",
        "| parameter | low | high | reasoning |",
        "|---|---|---|---|",
    ]
    for spec in RANGES:
        out.append(f"| `{spec.path}` | {spec.low:g} | {spec.high:g} | {spec.reason} |")
    out += [
        "",
        "Each fact's program level is drawn as well, around its scenario's:",
        "",
        "| fact | program level | low | high |",
        "|---|---|---|---|",
    ]
    for fact in FACTS:
        if fact.lever is not None:
            name, low, high, _ = fact.lever
            out.append(f"| {fact.number} | {name} | {low:g} | {high:g} |")
    return out


def _notes_section() -> list[str]:
    out = ["## Definitions and notes", ""]
    out.append(
        "- **Stall statistic (fact 7, pattern P14).** On a vendor's monthly partner-sourced "
        "revenue: *start* = mean of months 1-6, *early* = mean of months 13-24, *late* = mean of "
        "the last 12. It *rose* when early / start - 1 is at least 0.5; its late growth ratio is "
        "(late - early) per month over (early - start) per month (windows' centres apart). A run "
        "is *stalled* when it rose and its late growth ratio is at most 1/3, *growing* when it "
        "rose and kept more of its pace (or took off late), *flat* otherwise "
        "(`sim/validation/stall.py`)."
    )
    out.append(
        "- **Lag (fact 6).** Per pair, the relative channel-revenue gain of `invest` over `base` "
        "in months 37-48 minus its relative gain in months 13-18."
    )
    for fact in FACTS:
        if fact.note:
            out.append(f"- **Fact {fact.number}.** {fact.note}")
    return out


__all__ = [
    "draw_fractions",
    "drivers",
    "evaluate",
    "fact_holds",
    "fact_statuses",
    "holds",
    "interval",
    "plot_fact",
    "write_report",
]
