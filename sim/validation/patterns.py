"""The quantitative patterns the default model must meet at once (pattern-oriented modelling).

Signs alone cannot tell mechanisms apart; these patterns pin magnitudes. Each :class:`Pattern` is a
number computed from the per-run measures (:mod:`sim.validation.measures`) of one :class:`Study` (a
shipped scenario and the variants run from it, with paired replicates) and the range it must fall
in. The table is ``docs/model.md`` sections 1 and 8.2; ``sim check-facts`` runs the studies and
:mod:`analysis.validation` writes each pattern's measured value into ``docs/validation.md``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

MARGINS = (0.05, 0.10, 0.15, 0.20, 0.25, 0.30, 0.40, 0.50)
"""acme's margins in the margin sweep of P7 (the other vendors stay at the file's terms)."""


@dataclass(frozen=True)
class Study:
    """Runs the patterns read: variants of one shipped scenario, plus variants made by overrides.

    Attributes:
        name: the study's name (block files and tables).
        scenario: file name under ``scenarios/``.
        variants: the file's variants to run.
        extra: more variants, each ``{dotted path: value}`` applied to the file's base document
            (``vendors.acme.program.margin``); vendors are addressed by name.
    """

    name: str
    scenario: str
    variants: tuple[str, ...] = ("base",)
    extra: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def arms(self) -> tuple[str, ...]:
        return (*self.variants, *self.extra)


STUDIES: tuple[Study, ...] = (
    Study("baseline", "baseline.yaml"),
    Study("archetype-isv", "archetype-isv.yaml"),
    Study("archetype-channel-first", "archetype-channel-first.yaml"),
    Study("margin-cut", "margin-cut.yaml", ("base", "abrupt")),
    Study("misaligned-launch", "misaligned-launch.yaml", ("base", "aligned")),
    Study(
        "margin-sweep",
        "baseline.yaml",
        (),
        {f"margin-{m:.2f}": {"vendors.acme.program.margin": m} for m in MARGINS},
    ),
)
STUDY_BY_NAME = {s.name: s for s in STUDIES}

Value = Callable[[pd.DataFrame], float]
"""A pattern's number from its study's table (columns ``variant, replicate, vendor`` and measures)."""


def _per_replicate(table: pd.DataFrame, variant: str = "base") -> pd.core.groupby.DataFrameGroupBy:
    return table[table["variant"] == variant].groupby("replicate")


def mean_of(measure: str, variant: str = "base", vendor: str | None = None) -> Value:
    """Mean over replicates (and vendors, unless one is named) of a per-run measure."""

    def value(table: pd.DataFrame) -> float:
        rows = table[table["variant"] == variant]
        if vendor is not None:
            rows = rows[rows["vendor"] == vendor]
        return float(np.nanmean(rows[measure].to_numpy(dtype=float)))

    return value


def ecosystem_revenue_change(table: pd.DataFrame) -> float:
    """P1: channel revenue of all vendors in the last 12 months over the first 12, minus 1."""
    sums = _per_replicate(table)[["channel_last_12", "channel_first_12"]].sum()
    return float((sums["channel_last_12"] / sums["channel_first_12"] - 1).mean())


def productive_share(table: pd.DataFrame) -> float:
    """P3: linked lines (all vendors) that won in the last 12 months, over all linked lines."""
    sums = _per_replicate(table)[["productive_partners", "partners"]].sum()
    return float((sums["productive_partners"] / sums["partners"]).mean())


def attention_change(table: pd.DataFrame) -> float:
    """P13: the modelled vendors' total attention share, last month minus first."""
    sums = _per_replicate(table)[["attention", "attention_first"]].sum()
    return float((sums["attention"] - sums["attention_first"]).mean())


def exits_after_cut(table: pd.DataFrame) -> float:
    """P5: acme's line exits in the 12 months after the abrupt cut minus the 12 months before."""
    rows = table[(table["variant"] == "abrupt") & (table["vendor"] == "acme")]
    return float((rows["exits_13_24"] - rows["exits_1_12"]).mean())


def cut_cost(table: pd.DataFrame) -> float:
    """P8: share of acme's channel revenue in months 13-36 lost by the abrupt cut, paired."""
    acme = table[table["vendor"] == "acme"].set_index(["variant", "replicate"])["channel_13_36"]
    return float((1 - acme.loc["abrupt"] / acme.loc["base"]).mean())


def best_margin(table: pd.DataFrame) -> float:
    """P7: acme's margin with the highest mean vendor net revenue in the margin sweep."""
    acme = table[table["vendor"] == "acme"]
    means = acme.groupby("variant")["net_revenue"].mean()
    return float(means.idxmax().removeprefix("margin-"))


def stalled_share(vendor: str | None = None) -> Value:
    """P14: share of runs (and vendors, unless one is named) the stall statistic calls stalled."""
    return mean_of("stalled", "base", vendor)


@dataclass(frozen=True)
class Pattern:
    """A pattern: a number from a study's runs and the range it must fall in (inclusive)."""

    code: str
    title: str
    study: str
    value: Value
    low: float = -math.inf
    high: float = math.inf
    unit: str = "share"
    note: str = ""

    def holds(self, number: float) -> bool:
        return bool(np.isfinite(number) and self.low <= number <= self.high)

    @property
    def range_text(self) -> str:
        fmt = (lambda x: f"{x:g}") if self.unit != "share" else (lambda x: f"{x * 100:g}%")
        if self.low == -math.inf:
            return f"at most {fmt(self.high)}"
        if self.high == math.inf:
            return f"above {fmt(self.low)}" if self.low == 0 else f"at least {fmt(self.low)}"
        return f"{fmt(self.low)} to {fmt(self.high)}"


def _common(study: str) -> tuple[Pattern, ...]:
    """The patterns of a steady ecosystem with no events, on one shipped scenario."""
    return (
        Pattern("P1", "channel revenue, last 12 months vs first 12", study,
                ecosystem_revenue_change, -0.05, 0.05),
        Pattern("P2", "mean trust drift per year", study,
                mean_of("trust_drift_per_year"), -0.02, 0.02, unit="per year"),
        Pattern("P4", "top decile of partners' share of channel revenue", study,
                mean_of("top_decile_share"), 0.60),
        Pattern("P5", "partner-vendor lines that exit per year", study,
                mean_of("exit_rate"), 0.05, 0.30),
        Pattern("P6", "vendor win rate (won / closed)", study, mean_of("win_rate"), 0.15, 0.35),
        Pattern("P10", "mean rep utilization", study, mean_of("rep_utilization"), 0.60, 1.00),
        Pattern("P11", "contested share of partner-sourced deals", study,
                mean_of("contested_share"), 0.03, 0.15),
        Pattern("P13", "change of the modelled vendors' attention share", study,
                attention_change, -0.05, 0.05),
    )  # fmt: skip


PATTERNS: tuple[Pattern, ...] = (
    *_common("baseline"),
    Pattern("P3", "linked partners with a win in the last 12 months", "baseline",
            productive_share, 0.05, 0.30),
    Pattern("P12", "recruits: median months to first win (those that won in year 1)", "baseline",
            mean_of("recruit_months_to_first_win"), 3.0, 9.0, unit="months"),
    Pattern("P12", "recruits: share with no win in their first year", "baseline",
            mean_of("recruit_no_win_first_year"), 0.30, 0.60),
    Pattern("P14", "baseline runs the stall statistic calls stalled", "baseline",
            stalled_share(), 0.0, 0.10),
    *_common("archetype-isv"),
    Pattern("P9", "partner-sourced share of revenue, ISV archetype", "archetype-isv",
            mean_of("partner_sourced_share"), 0.10, 0.35),
    *_common("archetype-channel-first"),
    Pattern("P9", "partner-sourced share of revenue, channel-first archetype",
            "archetype-channel-first", mean_of("partner_sourced_share"), 0.75, 0.95),
    Pattern("P5", "acme's line exits: 12 months after an abrupt cut minus 12 before", "margin-cut",
            exits_after_cut, 0.0, unit="lines", note="must be above 0"),
    Pattern("P8", "channel revenue lost in the 24 months after an abrupt 8-point cut", "margin-cut",
            cut_cost, 0.05, 0.40),
    Pattern("P7", "acme's margin that maximises its net revenue (others at their margins)",
            "margin-sweep", best_margin, 0.10, 0.35, unit="margin"),
    Pattern("P14", "misaligned launch runs the stall statistic calls stalled (acme)",
            "misaligned-launch", stalled_share("acme"), 0.80, 1.0),
)  # fmt: skip
"""Every pattern with its study and range, in the order of docs/model.md section 8.2."""


def evaluate_patterns(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per pattern: code, title, study, value, range, holds (from each study's table)."""
    rows = []
    for pattern in PATTERNS:
        table = tables.get(pattern.study)
        number = pattern.value(table) if table is not None and len(table) else math.nan
        rows.append(
            {
                "code": pattern.code,
                "title": pattern.title,
                "study": pattern.study,
                "value": number,
                "range": pattern.range_text,
                "unit": pattern.unit,
                "holds": pattern.holds(number),
            }
        )
    return pd.DataFrame(rows)


__all__ = [
    "MARGINS",
    "PATTERNS",
    "STUDIES",
    "STUDY_BY_NAME",
    "Pattern",
    "Study",
    "evaluate_patterns",
]
