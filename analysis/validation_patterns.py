"""The patterns section of ``docs/validation.md``: each quantitative pattern's measured value on
its shipped scenario, the range it must fall in, and whether it does.

Reads ``patterns.csv`` (written by :func:`sim.validation.check_facts.run_validation`); never runs a
model. The patterns, their studies and ranges are data in :mod:`sim.validation.patterns`.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from sim.validation.patterns import PATTERNS, STUDY_BY_NAME, evaluate_patterns


def pattern_table(measures_dir: Path) -> pd.DataFrame | None:
    """The evaluated patterns (one row each), or None when the validation ran no pattern study."""
    path = measures_dir / "patterns.csv"
    if not path.exists():
        return None
    table = pd.read_csv(path)
    return evaluate_patterns({name: rows for name, rows in table.groupby("study")})


def _value_text(value: float, unit: str) -> str:
    if math.isnan(value):
        return "not run"
    if unit == "share":
        return f"{value * 100:.1f}%"
    if unit == "margin":
        return f"{value * 100:.0f}%"
    if unit == "per year":
        return f"{value:+.4f}"
    return f"{value:.1f}"


def patterns_section(measures_dir: Path) -> list[str]:
    """Markdown lines: the patterns table, or nothing when no pattern study ran."""
    evaluated = pattern_table(measures_dir)
    if evaluated is None:
        return []
    table = pd.read_csv(measures_dir / "patterns.csv")
    replicates = table.groupby(["study", "variant"])["replicate"].nunique()
    reps = "/".join(str(n) for n in sorted(set(replicates.tolist())))
    held = int(evaluated["holds"].sum())
    out = [
        "## Quantitative patterns",
        "",
        f"Each pattern is measured on its shipped scenario with {reps} paired replicates "
        "(means over replicates, and over vendors unless one is named), with the shipped "
        "parameters; definitions in `docs/model.md` section 8.2. "
        f"**{held} of {len(evaluated)} hold.**",
        "",
        "| # | pattern | scenario | measured | range | holds |",
        "|---|---|---|---|---|---|",
    ]
    for pattern, (_, row) in zip(PATTERNS, evaluated.iterrows(), strict=True):
        study = STUDY_BY_NAME[pattern.study]
        mark = "yes" if row["holds"] else "**no**"
        out.append(
            f"| {pattern.code} | {pattern.title} | `{study.scenario}` "
            f"({', '.join(study.arms) if len(study.arms) <= 2 else f'{len(study.arms)} arms'}) | "
            f"{_value_text(row['value'], pattern.unit)} | {pattern.range_text} | {mark} |"
        )
    return out


__all__ = ["pattern_table", "patterns_section"]
