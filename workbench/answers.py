"""What the dashboard shows for one vendor: each variant's paired difference from ``base`` per key
metric with its 90% interval, the variant that is best beyond noise (if any), and the series of
the fan charts with the months of each variant's changes.

The live variants (one result folder, written from the runs of the page) and any saved result
folders opened beside them form one comparison (:mod:`analysis.compare`): live variants keep their
names, saved ones are ``FOLDER:variant``, and every one is compared with the live ``base``. Runs
pair by seed, also across folders run with the same scenario seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import pandas as pd

from analysis import wording
from analysis.compare import (
    Arm,
    Comparison,
    build_comparison,
    comparison_table,
    leads,
    run_values,
    stats_for,
)
from analysis.levers import variant_events
from analysis.metric_catalog import metric_info
from analysis.whatif_plots import Marker
from sim.experiments.reader import ResultSet

METRICS = (
    "channel_revenue",
    "total_revenue",
    "vendor_net_revenue",
    "attention_share",
    "mean_trust",
)
"""The metrics of the cards and the fan charts."""
BASE = "base"


@dataclass(frozen=True)
class Effect:
    """One card line: a variant's paired difference from ``base`` in one metric.

    ``stat`` is ``cumulative`` for flows (the whole run) and ``final`` for stocks (the last step).
    """

    arm: str
    metric: str
    stat: str
    mean: float
    diff: float
    low: float
    high: float
    agree: int
    pairs: int

    @property
    def effect(self) -> wording.Effect:
        return wording.Effect(self.diff, self.low, self.high, agree=self.agree, pairs=self.pairs)

    @property
    def text(self) -> str:
        """As the report's tables say it (:func:`analysis.wording.cell_text`)."""
        return wording.cell_text(self.metric, self.effect)

    @property
    def clear(self) -> bool:
        """The interval lies on one side of zero."""
        return wording.verdict(self.effect) in ("up", "down")


Leads = tuple[str, dict[str, wording.Effect]]
"""The arm ahead on average and its paired lead over each other arm."""


@dataclass
class Answer:
    """Everything the page shows for one vendor after a stage of runs.

    ``leads`` per metric over every arm, ``change_leads`` among the arms other than base.
    """

    vendor: str
    comparison: Comparison
    table: pd.DataFrame
    effects: dict[str, list[Effect]]
    leads: dict[str, Leads]
    change_leads: dict[str, Leads]
    markers: list[Marker]
    replicates: dict[str, int]
    missing: dict[str, str]

    @property
    def arms(self) -> list[str]:
        return [arm.label for arm in self.comparison.arms]

    def best(self, metric: str, *, changes: bool = False) -> str | None:
        """The arm ahead of every other beyond noise (among those other than base: ``changes``),
        or None."""
        leader, ahead = (self.change_leads if changes else self.leads)[metric]
        return leader if wording.is_best(ahead) else None

    def headlines(self, metric: str = "channel_revenue") -> list[tuple[str, str | None]]:
        """``(sentence, best arm or None)`` as the report says it
        (:func:`analysis.wording.best_sentence`): over every arm, then among the arms other than
        base when there are at least two (which change is better, whatever base does)."""
        what = f"{self.vendor}'s {metric_words(metric)}"
        leader, ahead = self.leads[metric]
        out = [(wording.best_sentence(what, metric, leader, ahead), self.best(metric))]
        if metric in self.change_leads:
            leader, ahead = self.change_leads[metric]
            sentence = wording.best_sentence(f"{what} among the what-ifs", metric, leader, ahead)
            out.append((sentence, self.best(metric, changes=True)))
        return out


def metric_words(metric: str) -> str:
    """``channel revenue over the run``, ``final attention share``."""
    meta = metric_info(metric)
    label = meta.label.split(" (")[0].lower()
    return f"{label} over the run" if meta.kind == "flow" else f"final {label}"


def main_stat(metric: str) -> str:
    """The statistic a card shows: cumulative for flows, final for stocks."""
    return stats_for(metric)[0]


def build_answer(
    live: ResultSet, saved: Sequence[ResultSet], vendor: str, metrics: Sequence[str] = METRICS
) -> Answer:
    """The comparison of ``live`` (with ``base``) and ``saved`` folders for ``vendor``."""
    usable = [s for s in saved if vendor in s.vendors]
    missing = {
        _folder_label(s, saved): f"has no vendor {vendor!r}" for s in saved if s not in usable
    }
    comp = _relabelled(build_comparison([live, *usable], list(metrics)), live, usable)
    comp = replace(comp, vendors=[vendor])
    table = comparison_table(comp)
    values = run_values(comp)
    values = values[values["vendor"] == vendor]
    effects, best, best_change = {}, {}, {}
    changes = [a.label for a in comp.arms if a.label != BASE]
    for metric in metrics:
        stat = main_stat(metric)
        rows = table[(table.metric == metric) & (table.stat == stat) & (table.reference != "")]
        effects[metric] = [
            Effect(r.arm, metric, stat, r.mean, r.diff, r.diff_low, r.diff_high, r.agree, r.pairs)
            for r in rows.itertuples()
        ]
        column = values.set_index(["arm", "seed"])[f"{metric}:{stat}"]
        best[metric] = _leads(column, [a.label for a in comp.arms])
        if len(changes) >= 2:
            best_change[metric] = _leads(column, changes)
    counts = table[table.metric == metrics[0]].drop_duplicates("arm").set_index("arm")["n"]
    return Answer(
        vendor=vendor,
        comparison=comp,
        table=table,
        effects=effects,
        leads=best,
        change_leads=best_change,
        markers=_markers(live, usable, saved, vendor),
        replicates={arm: int(n) for arm, n in counts.items()},
        missing=missing,
    )


def _leads(column: pd.Series, arms: Sequence[str]) -> Leads:
    leader, gaps = leads(column, arms)
    return leader, {other: wording.Effect.from_interval(gap) for other, gap in gaps.items()}


def _folder_label(result: ResultSet, saved: Sequence[ResultSet]) -> str:
    """A saved folder's name in labels: its folder name, with its parent when two share it."""
    names = [s.path.name for s in saved]
    if names.count(result.path.name) > 1:
        return f"{result.path.parent.name}/{result.path.name}"
    return result.path.name


def _relabelled(comp: Comparison, live: ResultSet, saved: Sequence[ResultSet]) -> Comparison:
    """Live arms named by their variant, saved ones ``FOLDER:variant``; all against live base."""
    sources = [live, *saved]
    labels = {}
    for arm in comp.arms:
        index = _source_index(comp, arm)
        labels[arm.label] = (
            arm.variant if index == 0 else f"{_folder_label(sources[index], saved)}:{arm.variant}"
        )
    arms = [Arm(labels[a.label], a.source, a.variant) for a in comp.arms]
    reference = {a.label: BASE for a in arms if a.label != BASE}
    return replace(
        comp,
        arms=arms,
        reference=reference,
        timeseries=comp.timeseries.assign(arm=comp.timeseries["arm"].map(labels)),
        step_months={labels[k]: v for k, v in comp.step_months.items()},
    )


def _source_index(comp: Comparison, arm: Arm) -> int:
    """Which folder (0: live) an arm of a comparison comes from, by the order arms were made."""
    sources = list(dict.fromkeys(a.source for a in comp.arms))
    return sources.index(arm.source)


def _markers(
    live: ResultSet, usable: Sequence[ResultSet], saved: Sequence[ResultSet], vendor: str
) -> list[Marker]:
    """Announcement, start and end of every change of ``vendor`` in every arm."""
    out = []
    for i, result in enumerate([live, *usable]):
        for variant, events in variant_events(result).items():
            arm = variant if i == 0 else f"{_folder_label(result, saved)}:{variant}"
            for event in events:
                if event.get("vendor") != vendor:
                    continue
                at = float(event.get("at_month", 0))
                notice, ramp = (
                    float(event.get("notice_months", 0)),
                    float(event.get("ramp_months", 0)),
                )
                if notice:
                    out.append(Marker(arm, at - notice, "announced"))
                out.append(Marker(arm, at, "starts"))
                if ramp:
                    out.append(Marker(arm, at + ramp, "complete"))
    return out


__all__ = [
    "Answer",
    "Effect",
    "METRICS",
    "Leads",
    "build_answer",
    "main_stat",
    "metric_words",
]
