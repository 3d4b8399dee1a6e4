"""``program.csv``: the vendor's own program changes (``date``, ``key``, ``value``), to be replayed as
scenario events. A key is any key an event may set (``program.margin``,
``comp_plan.partner_sourced_credit``, ``engagement.partner_join_stage``, ...), checked against the
scenario schema, and its value must be one that key accepts."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import ValidationError

from sim.calibration.checks import DATE_HINT, Bad, got_text, keep_good, parse_dates
from sim.calibration.csv_source import HistoryError, Table
from sim.scenario.errors import Issue
from sim.scenario.schema import EVENT_SECTIONS, EventConfig

PROGRAM_COLUMNS = ("date", "key", "value")


def read_program(
    table: Table, formats: tuple[str, ...], drop_bad: bool, dropped: dict[str, dict[str, int]]
) -> pd.DataFrame:
    """``program.csv`` checked: columns ``date``, ``key`` and ``value`` (a float or a bool)."""
    missing = [c for c in PROGRAM_COLUMNS if c not in table.frame.columns]
    if missing:
        listing = ", ".join(PROGRAM_COLUMNS)
        raise HistoryError(
            [Issue(table.file, 1, "", f"missing column {c!r}; columns: {listing}") for c in missing]
        )
    text = table.frame
    date, bad_date = parse_dates(text["date"], formats)
    values, problems = [], []
    for key, raw in zip(text["key"], text["value"], strict=True):
        value, problem = _event_value(key, raw)
        values.append(value)
        problems.append(problem)
    column = ["key" if p and p.startswith("key:") else "value" for p in problems]
    got = got_text(text["date"])
    bad_key = np.array([bool(p) and c == "key" for p, c in zip(problems, column, strict=True)])
    bad_value = np.array([bool(p) and c == "value" for p, c in zip(problems, column, strict=True)])
    bad = [
        Bad("unparseable date", "date", bad_date | (text["date"] == "").to_numpy(), lambda i: f"{DATE_HINT}, got {got(i)}"),
        Bad("unknown key", "key", bad_key, lambda i: problems[i].removeprefix("key: ")),
        Bad("bad value", "value", bad_value, lambda i: problems[i].removeprefix("value: ")),
    ]  # fmt: skip
    parsed = pd.DataFrame({"date": date, "key": text["key"], "value": values})
    shown = {c: c for c in PROGRAM_COLUMNS}
    return keep_good(table, shown, parsed, [b for b in bad if b.rows.any()], drop_bad, dropped)


def _event_value(key: str, raw: str) -> tuple[float | bool | None, str | None]:
    """The value of one program change, and what is wrong with it (``key: ...`` or ``value:
    ...``) or None; the scenario's own event validation decides."""
    section = key.partition(".")[0]
    if section not in EVENT_SECTIONS:
        sections = ", ".join(EVENT_SECTIONS)
        return None, f"key: must be <section>.<key> with section one of {sections}, got {key!r}"
    lower = raw.strip().lower()
    value: float | bool
    if lower in ("true", "false"):
        value = lower == "true"
    else:
        try:
            value = float(raw)
            if not np.isfinite(value):
                raise ValueError(raw)
        except ValueError:
            return None, f"value: must be a number or true/false, got {raw[:40]!r}"
    try:
        EventConfig.model_validate({"at_month": 0, "vendor": "v", "set": {key: value}})
    except ValidationError as exc:
        message = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
        where = "key" if "unknown key" in message or "<section>" in message else "value"
        return None, f"{where}: {message}"
    return value, None
