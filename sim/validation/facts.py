"""The stylized facts of docs/model.md §1 as checks on paired runs.

A :class:`Fact` names a shipped scenario and one or more :class:`Check` s. A check compares two
variants of that scenario replicate by replicate (common random numbers: both arms of a pair start
from the same seed), or compares one variant's runs with a threshold. The per-run numbers the checks
read are :mod:`sim.validation.measures`; the parameter ranges a validation draws from are
:mod:`sim.validation.ranges`. Running the facts is :mod:`sim.validation.check_facts`; turning the
numbers into intervals, tables and plots is :mod:`analysis.validation`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from sim.validation.measures import MEASURE_LABELS, plateau_month, run_measures
from sim.validation.ranges import RANGES, Draw, Range, apply_draw

CheckKind = Literal["paired", "lag", "level", "every"]


@dataclass(frozen=True)
class Check:
    """One comparison a fact needs, with the sign the field expects.

    Kinds:

    - ``paired``: per replicate ``variant - reference`` of ``measure``; expected sign ``sign``.
    - ``lag``: per replicate, the relative gain of ``variant`` over ``reference`` in months 37-48
      minus its relative gain in months 13-18 (the effect arrives late); expected ``sign``.
    - ``level``: per replicate ``measure`` of ``variant`` minus ``threshold``; expected ``sign``.
    - ``every``: every replicate of ``variant`` has ``sign * (measure - threshold) > 0``.

    A paired, lag or level check *holds* when the 95% interval of the mean excludes 0 on the side of
    ``sign``; an ``every`` check holds when no replicate breaks it.
    """

    label: str
    kind: CheckKind
    variant: str
    measure: str
    sign: int
    reference: str | None = None
    vendor: str = "acme"
    threshold: float = 0.0

    def __post_init__(self) -> None:
        if self.sign not in (-1, 1):
            raise ValueError(f"{self.label}: sign must be -1 or +1, got {self.sign}")
        if self.kind in ("paired", "lag") and self.reference is None:
            raise ValueError(f"{self.label}: a {self.kind} check needs a reference variant")
        if self.measure not in MEASURE_LABELS and self.kind != "lag":
            raise ValueError(f"{self.label}: unknown measure {self.measure!r}")

    @property
    def variants(self) -> tuple[str, ...]:
        return (self.variant,) if self.reference is None else (self.variant, self.reference)


Lever = Callable[[dict[str, dict[str, Any]], float], None]
"""Sets a fact's program level in the variants' config documents (in place)."""


@dataclass(frozen=True)
class Fact:
    """A stylized fact: its scenario file, its checks and the program level a validation varies.

    Attributes:
        number: the fact's number in docs/model.md §1.
        title: its short name.
        scenario: file name under ``scenarios/``.
        checks: every check must hold for the fact to hold.
        lever: (description, low, high, apply) or None: in each parameter draw the scenario's
            program level is drawn in [low, high] and set by ``apply`` in the variants' documents.
        note: anything a reader of the validation table should know.
        pooled: the checks apply to every run of every other fact (no runs of its own).
    """

    number: int
    title: str
    scenario: str
    checks: tuple[Check, ...]
    lever: tuple[str, float, float, Lever] | None = None
    note: str = ""
    pooled: bool = False

    @property
    def variants(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(v for check in self.checks for v in check.variants))


def set_event_value(key: str, vendor: str | None = None) -> Lever:
    """A lever setting ``key`` in every event (of ``vendor``, if given) of every variant."""

    def apply(documents: dict[str, dict[str, Any]], value: float) -> None:
        for doc in documents.values():
            for event in doc.get("events", []):
                if key in event["set"] and vendor in (None, event["vendor"]):
                    event["set"][key] = value

    return apply


def set_vendor_value(vendor: str, section: str, key: str, variants: tuple[str, ...]) -> Lever:
    """A lever setting ``vendors[vendor].section.key`` in the given variants' documents."""

    def apply(documents: dict[str, dict[str, Any]], value: float) -> None:
        for name in variants:
            for entry in documents[name]["vendors"]:
                if entry["name"] == vendor:
                    entry[section][key] = value

    return apply


FACTS: tuple[Fact, ...] = (
    Fact(
        1,
        "Gradual beats abrupt",
        "margin-cut.yaml",
        (
            Check(
                "channel revenue after month 24",
                "paired",
                "gradual",
                "channel_after_24",
                1,
                "abrupt",
            ),
            Check("final mean trust", "paired", "gradual", "trust", 1, "abrupt"),
            Check("final attention share", "paired", "gradual", "attention", 1, "abrupt"),
        ),
        ("margin after the cut (both arms)", 0.08, 0.16, set_event_value("program.margin")),
    ),
    Fact(
        2,
        "Comp conflict hurts",
        "comp-conflict.yaml",
        (
            Check("conflicts", "paired", "no-partner-credit", "conflicts", 1, "base"),
            Check("final mean trust", "paired", "no-partner-credit", "trust", -1, "base"),
            Check(
                "channel revenue after month 24",
                "paired",
                "no-partner-credit",
                "channel_after_24",
                -1,
                "base",
            ),
            Check(
                "channel + direct revenue, last 12 months",
                "paired",
                "no-partner-credit",
                "total_last_12",
                -1,
                "base",
            ),
        ),
        (
            "partner-sourced credit in no-partner-credit",
            0.0,
            0.5,
            set_event_value("comp_plan.partner_sourced_credit"),
        ),
    ),
    Fact(
        3,
        "Late engagement hurts",
        "late-engagement.yaml",
        (
            Check("final mean trust", "paired", "late", "trust", -1, "base"),
            Check(
                "channel revenue after month 24", "paired", "late", "channel_after_24", -1, "base"
            ),
        ),
        ("join stage in late", 0.65, 0.95, set_event_value("engagement.partner_join_stage")),
    ),
    Fact(
        4,
        "Partners follow profit among vendors",
        "margin-war.yaml",
        (
            Check(
                "acme attention when rival raises margin",
                "paired",
                "rival-raises",
                "attention",
                -1,
                "base",
            ),
            Check(
                "rival attention when it raises margin",
                "paired",
                "rival-raises",
                "attention",
                1,
                "base",
                vendor="rival",
            ),
            Check(
                "acme at 5% margin: attention / lowest rival's below 1/3",
                "level",
                "acme-low-margin",
                "attention_ratio",
                -1,
                threshold=1 / 3,
            ),
        ),
        ("rival's raised margin", 0.24, 0.32, set_event_value("program.margin", "rival")),
        note="The level drawn sets rival's new margin; acme-low-margin keeps acme at 5%.",
    ),
    Fact(
        5,
        "Few partners are productive",
        "baseline.yaml",
        (
            Check(
                "productive share below 1/2", "level", "base", "productive_share", -1, threshold=0.5
            ),
            Check(
                "top-decile share above 1/2", "level", "base", "top_decile_share", 1, threshold=0.5
            ),
        ),
    ),
    Fact(
        6,
        "Enablement pays with a lag",
        "enablement.yaml",
        (
            Check("final mean capability", "paired", "invest", "capability", 1, "base"),
            Check("channel revenue, months 37-48", "paired", "invest", "channel_37_48", 1, "base"),
            Check(
                "gain in months 37-48 minus gain in months 13-18", "lag", "invest", "lag", 1, "base"
            ),
        ),
        (
            "enablement per partner-month in invest",
            1000.0,
            2500.0,
            set_event_value("program.enablement_per_partner_month"),
        ),
    ),
    Fact(
        7,
        "Misalignment stalls an ecosystem",
        "misaligned-launch.yaml",
        (
            Check(
                "misaligned launch: partner-sourced revenue rises by half in 18 months",
                "level",
                "base",
                "stall_rise_excess",
                1,
            ),
            Check(
                "misaligned launch: then grows at under a third of that pace",
                "level",
                "base",
                "late_pace_excess",
                -1,
            ),
            Check(
                "aligned launch keeps more of its pace",
                "paired",
                "aligned",
                "late_growth_ratio",
                1,
                "base",
            ),
        ),
        ("misaligned margin", 0.06, 0.14, set_vendor_value("acme", "program", "margin", ("base",))),
        note="The rise and the late pace are tested on the mean series, in linear form (months "
        "13-24 minus 1.5 x months 1-6; late pace minus 1/3 of the early pace, per month), so that "
        "a run with no revenue in months 1-6 or no early growth counts (a per-run ratio is "
        "infinite or undefined there).",
    ),
    Fact(
        8,
        "Accounting holds",
        "baseline.yaml",
        (
            Check(
                "no identity broken in any run",
                "every",
                "base",
                "accounting_violations",
                -1,
                threshold=0.5,
            ),
        ),
        note="Checked on every run of facts 1-7 (each draw and the shipped scenarios).",
        pooled=True,
    ),
)
"""The facts, in the order of docs/model.md §1."""


def paired_values(table: pd.DataFrame, check: Check) -> np.ndarray:
    """The per-replicate values of ``check`` from a table of run measures (one block).

    ``table`` has columns ``variant, replicate, vendor`` and the measures.
    """
    own = table[table["vendor"] == check.vendor].set_index(["variant", "replicate"])
    if check.kind in ("level", "every"):
        return (own.loc[check.variant, check.measure] - check.threshold).to_numpy(dtype=float)
    mine, ref = own.loc[check.variant], own.loc[check.reference]
    if check.kind == "paired":
        return (mine[check.measure] - ref[check.measure]).to_numpy(dtype=float)
    late = mine["channel_37_48"] / ref["channel_37_48"] - 1
    early = mine["channel_13_18"] / ref["channel_13_18"] - 1
    return (late - early).to_numpy(dtype=float)


__all__ = [
    "FACTS",
    "MEASURE_LABELS",
    "RANGES",
    "Check",
    "Draw",
    "Fact",
    "Range",
    "apply_draw",
    "paired_values",
    "plateau_month",
    "run_measures",
]
