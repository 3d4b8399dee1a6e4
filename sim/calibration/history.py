"""A vendor's deal history, read from a folder of CSV files into canonical frames, row by row checked.

``deals.csv`` is required, ``partners.csv`` and ``program.csv`` optional (format:
docs/calibration.md). Every bad or inconsistent row is an error naming its file, line and column;
with ``drop_bad`` the bad rows are dropped instead and counted by reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.calibration.checks import (
    DATE_HINT,
    FIRST_YEAR,
    LAST_YEAR,
    MAX_ID_LENGTH,
    Bad,
    bad_id,
    got_text,
    keep_good,
    parse_dates,
    parse_flags,
    parse_numbers,
)
from sim.calibration.csv_source import HistoryError, Table, fail, read_table
from sim.calibration.presets import (
    DEAL_COLUMNS,
    OUTCOMES,
    PARTNER_COLUMNS,
    SOURCES,
    ColumnMapping,
    apply_mapping,
    resolve_mapping,
)
from sim.calibration.program import read_program
from sim.experiments.deal_files import DEALS_FILE, PARTNERS_FILE
from sim.scenario.errors import Issue, suggest
from sim.scenario.names import VENDOR_NAME_PATTERN

PROGRAM_FILE = "program.csv"


@dataclass(frozen=True)
class History:
    """A checked deal history in canonical columns.

    Attributes:
        deals: one row per opportunity: ``deal_id``, ``created``, ``closed`` (NaT while open),
            ``amount``, ``outcome``, ``partner_id`` (NA for direct), ``source``, ``registered``,
            ``partner_join_stage``, ``contested``, ``vendor`` (NA: the focus vendor).
        partners: ``partner_id``, ``joined``, ``left`` (NaT while active), ``tier``; or None.
        program: ``date``, ``key`` (``section.key``), ``value``; or None.
        dropped: with ``drop_bad``, {file: {reason: rows dropped}}; each row counted once.
    """

    deals: pd.DataFrame
    partners: pd.DataFrame | None = None
    program: pd.DataFrame | None = None
    dropped: dict[str, dict[str, int]] = field(default_factory=dict)


def read_history(
    folder: Path, columns: str | Path | None = None, drop_bad: bool = False
) -> History:
    """Read and check the history in ``folder``; ``columns`` is a preset name or a mapping file.

    Raises:
        HistoryError: a file or column is missing, a file is unreadable or too large, or (without
            ``drop_bad``) any row is bad; one line per problem.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise fail(str(folder), "is not a folder; give the folder that holds deals.csv")
    mapping = resolve_mapping(columns)
    dropped: dict[str, dict[str, int]] = {}
    partners = None
    if (folder / PARTNERS_FILE).exists():
        table = read_table(folder / PARTNERS_FILE, str(folder / PARTNERS_FILE))
        partners = _checked(table, mapping, "partners", _partner_checks, drop_bad, dropped, None)
    table = read_table(folder / DEALS_FILE, str(folder / DEALS_FILE))
    deals = _checked(table, mapping, "deals", _deal_checks, drop_bad, dropped, partners)
    program = None
    if (folder / PROGRAM_FILE).exists():
        table = read_table(folder / PROGRAM_FILE, str(folder / PROGRAM_FILE))
        program = read_program(table, mapping.date_formats, drop_bad, dropped)
    return History(deals, partners, program, dropped)


def _checked(table, mapping, kind, checks, drop_bad, dropped, partners) -> pd.DataFrame:
    renames = mapping.deals if kind == "deals" else mapping.partners
    frame, shown = apply_mapping(table.frame, renames, mapping, kind)
    required = DEAL_COLUMNS if kind == "deals" else PARTNER_COLUMNS
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise HistoryError([_missing(table, c, renames, mapping) for c in missing])
    parsed, bad = checks(frame, mapping, partners, table.lines, shown)
    return keep_good(table, shown, parsed, bad, drop_bad, dropped)


def _missing(table: Table, column: str, renames, mapping: ColumnMapping) -> Issue:
    names = [s for s, t in renames.items() if t == column]
    wanted = " or ".join(repr(n) for n in names) if names else repr(column)
    hint = suggest(names[0] if names else column, table.frame.columns)
    via = "" if mapping.name == "canonical" else f" (--columns {mapping.name})"
    message = f"missing column {wanted} for {column}{via}{hint}"
    return Issue(table.file, 1, "", message)


# ----------------------------------------------------------------------------- deals.csv
def _deal_checks(frame: pd.DataFrame, mapping: ColumnMapping, partners, lines: np.ndarray, shown):
    text = {c: frame[c] for c in frame.columns}
    created, bad_created = parse_dates(text["created"], mapping.date_formats)
    closed, bad_closed = parse_dates(text["closed"], mapping.date_formats)
    amount, bad_amount = parse_numbers(text["amount"])
    outcome, source, ids = text["outcome"].str.lower(), text["source"].str.lower(), text["deal_id"]
    partner = text["partner_id"]
    is_closed = outcome.isin(("won", "lost")).to_numpy()
    empty = {c: (text[c] == "").to_numpy() for c in ("deal_id", "created", "amount", "closed")}
    dup = ids.duplicated() & (ids != "")

    def first_line(i: int) -> int:  # only for the few rows shown
        return int(lines[ids.tolist().index(ids.iloc[i])])  # (numpy would drop a trailing NUL)

    got = {c: got_text(text[c]) for c in text}
    flags = mapping.outcome_flags
    if flags and shown.get("outcome") == "/".join(flags):

        def outcome_message(i: int) -> str:
            return f"must each be true or false, got {text['outcome'].iloc[i]}"
    else:

        def outcome_message(i: int) -> str:
            return f"must be won, lost or open, got {got['outcome'](i)}"

    bad = [
        Bad("missing deal_id", "deal_id", empty["deal_id"], lambda i: "is empty; every row needs an id"),
        Bad("bad id", "deal_id", bad_id(ids), lambda i: f"must be printable text of at most {MAX_ID_LENGTH} characters"),
        Bad("duplicate deal_id", "deal_id", dup.to_numpy(), lambda i: f"{got['deal_id'](i)} appears twice (first on line {first_line(i)})"),
        Bad("missing date", "created", empty["created"], lambda i: f"is empty; {DATE_HINT}"),
        Bad("unparseable date", "created", bad_created, lambda i: f"{DATE_HINT} (years {FIRST_YEAR}-{LAST_YEAR}), got {got['created'](i)}"),
        Bad("unparseable date", "closed", bad_closed, lambda i: f"{DATE_HINT} or empty while open, got {got['closed'](i)}"),
        Bad("unparseable number", "amount", bad_amount | empty["amount"], lambda i: f"must be a number such as 12500.50, got {got['amount'](i)}"),
        Bad("negative amount", "amount", (amount < 0).to_numpy(), lambda i: f"must be 0 or more, got {got['amount'](i)}"),
        Bad("unknown outcome", "outcome", ~outcome.isin(OUTCOMES).to_numpy(), outcome_message),
        Bad("unknown source", "source", ~source.isin(SOURCES).to_numpy(), lambda i: f"must be {' or '.join(SOURCES)}, got {got['source'](i)}"),
        Bad("closed deal without close date", "closed", is_closed & empty["closed"], lambda i: f"is empty, but the deal is {outcome.iloc[i]}; a won or lost deal has a close date"),
        Bad("open deal with close date", "closed", (outcome == "open").to_numpy() & ~empty["closed"], lambda i: "must be empty while the deal is open (or set outcome to won or lost)"),
        Bad("close before creation", "closed", (closed < created).to_numpy(), lambda i: f"{closed.iloc[i]:%Y-%m-%d} is before the deal was created ({created.iloc[i]:%Y-%m-%d})"),
        Bad("partner deal without partner_id", "partner_id", (source == "partner").to_numpy() & (partner == "").to_numpy(), lambda i: "is empty, but the deal is partner-sourced; name the partner or set source to vendor"),
        Bad("bad id", "partner_id", bad_id(partner), lambda i: f"must be printable text of at most {MAX_ID_LENGTH} characters"),
    ]  # fmt: skip
    parsed = pd.DataFrame(
        {
            "deal_id": ids,
            "created": created,
            "closed": closed,
            "amount": amount,
            "outcome": outcome,
            "partner_id": partner.where(partner != ""),
            "source": source,
        }
    )
    bad += _optional_deal_columns(text, parsed, got)
    if partners is not None:
        unknown = (partner != "").to_numpy() & ~partner.isin(partners["partner_id"]).to_numpy()
        message = f"is not a partner_id of {PARTNERS_FILE}"
        bad.append(Bad("unknown partner", "partner_id", unknown, lambda i: f"{got['partner_id'](i)} {message}"))  # fmt: skip
    return parsed, [b for b in bad if b.rows.any()]


def _optional_deal_columns(text, parsed: pd.DataFrame, got) -> list[Bad]:
    """registered, contested, partner_join_stage and vendor: NA where the export has no column."""
    bad = []
    for name in ("registered", "contested"):
        if name not in text:
            parsed[name] = pd.Series(pd.NA, index=parsed.index, dtype="boolean")
            continue
        flags, unreadable = parse_flags(text[name])
        parsed[name] = flags
        bad.append(Bad("unparseable flag", name, unreadable, lambda i, n=name: f"must be true or false, got {got[n](i)}"))  # fmt: skip
    parsed["partner_join_stage"] = np.nan
    if "partner_join_stage" in text:
        stage, unreadable = parse_numbers(text["partner_join_stage"])
        parsed["partner_join_stage"] = stage
        outside = unreadable | ((stage < 0) | (stage > 1)).to_numpy()
        bad.append(Bad("join stage outside 0-1", "partner_join_stage", outside, lambda i: f"must be a number from 0 (start) to 1 (order-taker), got {got['partner_join_stage'](i)}"))  # fmt: skip
    parsed["vendor"] = pd.Series(np.nan, index=parsed.index, dtype=str)
    if "vendor" in text:
        vendor = text["vendor"]
        parsed["vendor"] = vendor.where(vendor != "")
        named = vendor.str.fullmatch(VENDOR_NAME_PATTERN.strip("^$")).to_numpy(dtype=bool)
        unnamed = (vendor != "").to_numpy() & ~named
        bad.append(Bad("bad vendor name", "vendor", unnamed, lambda i: f"must be a vendor name (letters, digits, - and _), got {got['vendor'](i)}"))  # fmt: skip
    return bad


# ----------------------------------------------------------------------------- partners.csv
def _partner_checks(
    frame: pd.DataFrame, mapping: ColumnMapping, partners, lines: np.ndarray, shown
):
    text = {c: frame[c] for c in frame.columns}
    empty = pd.Series("", index=frame.index)
    ids = text["partner_id"]
    joined, bad_joined = parse_dates(text["joined"], mapping.date_formats)
    left, bad_left = parse_dates(text.get("left", empty), mapping.date_formats)
    tier = text.get("tier", empty)
    got = {c: got_text(text[c]) for c in text}
    bad = [
        Bad("missing partner_id", "partner_id", (ids == "").to_numpy(), lambda i: "is empty; every row needs an id"),
        Bad("bad id", "partner_id", bad_id(ids), lambda i: f"must be printable text of at most {MAX_ID_LENGTH} characters"),
        Bad("duplicate partner_id", "partner_id", (ids.duplicated() & (ids != "")).to_numpy(), lambda i: f"{got['partner_id'](i)} appears twice"),
        Bad("missing date", "joined", (text["joined"] == "").to_numpy(), lambda i: f"is empty; {DATE_HINT}"),
        Bad("unparseable date", "joined", bad_joined, lambda i: f"{DATE_HINT}, got {got['joined'](i)}"),
        Bad("unparseable date", "left", bad_left, lambda i: f"{DATE_HINT} or empty while the partner is active, got {got['left'](i)}"),
        Bad("left before joining", "left", (left < joined).to_numpy(), lambda i: f"{left.iloc[i]:%Y-%m-%d} is before the partner joined ({joined.iloc[i]:%Y-%m-%d})"),
        Bad("bad tier", "tier", bad_id(tier), lambda i: f"must be printable text of at most {MAX_ID_LENGTH} characters"),
    ]  # fmt: skip
    parsed = pd.DataFrame(
        {"partner_id": ids, "joined": joined, "left": left, "tier": tier.where(tier != "")}
    )
    return parsed, [b for b in bad if b.rows.any()]
