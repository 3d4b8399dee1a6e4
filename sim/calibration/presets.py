"""Column mappings from common CRM and PRM exports to the canonical history columns.

A mapping renames an export's columns (source column -> canonical column; several source names may
point to one canonical column, the first present wins), translates the values of ``outcome`` and
``source`` (``"*"`` for any other value), and says which date formats to try after ISO 8601.
Presets: ``salesforce``, ``hubspot``, ``partnerstack``; any other export via a small YAML file
(``--columns mapping.yaml``, format in docs/calibration.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import pandas as pd

from sim.calibration.csv_source import HistoryError
from sim.scenario.errors import Issue, ScenarioError, show, suggest
from sim.scenario.yaml_source import Src, read_document

DEAL_COLUMNS = ("deal_id", "created", "closed", "amount", "outcome", "partner_id", "source")
"""Required columns of deals.csv."""
DEAL_OPTIONAL = ("registered", "partner_join_stage", "contested", "vendor")
PARTNER_COLUMNS = ("partner_id", "joined")
"""Required columns of partners.csv."""
PARTNER_OPTIONAL = ("left", "tier")
OUTCOMES = ("won", "lost", "open")
SOURCES = ("partner", "vendor")
ANY = "*"
"""In a value map, the canonical value of every source value not listed."""


@dataclass(frozen=True)
class ColumnMapping:
    """How one kind of export becomes canonical history columns.

    Attributes:
        name: the preset's name, or the mapping file.
        deals: deals.csv's source column -> canonical column.
        partners: partners.csv's source column -> canonical column.
        values: canonical column (``outcome``, ``source``) -> {source value: canonical value};
            source values compare without case; ``"*"`` maps every value not listed.
        date_formats: ``strptime`` formats tried, in order, after ISO 8601.
        open_close_date: ``"ignore"`` when the export fills the close date of open deals with the
            *expected* close (Salesforce, HubSpot), ``"error"`` to treat it as an inconsistency.
        outcome_flags: (closed column, won column) of boolean flags that give the outcome when
            both are in the export (Salesforce's IsClosed and IsWon), before ``values["outcome"]``.
        source_default: the ``source`` of every deal when the export has no source column:
            ``"partner"`` (a PRM's deals), or ``"by-partner"`` (partner when it names a partner).
    """

    name: str
    deals: MappingProxyType[str, str] = field(default_factory=lambda: MappingProxyType({}))
    partners: MappingProxyType[str, str] = field(default_factory=lambda: MappingProxyType({}))
    values: MappingProxyType[str, MappingProxyType[str, str]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    date_formats: tuple[str, ...] = ()
    open_close_date: Literal["error", "ignore"] = "error"
    outcome_flags: tuple[str, str] | None = None
    source_default: Literal["partner", "by-partner"] | None = None


def _frozen(mapping: dict[str, Any]) -> MappingProxyType:
    return MappingProxyType(
        {k: _frozen(v) if isinstance(v, dict) else v for k, v in mapping.items()}
    )


CANONICAL = ColumnMapping("canonical")

_CLOSED_WON = {"closed won": "won", "closedwon": "won", "won": "won"}
_CLOSED_LOST = {"closed lost": "lost", "closedlost": "lost", "lost": "lost"}

PRESETS: dict[str, ColumnMapping] = {
    # A Salesforce Opportunity export (Data Loader or a report with API names): CloseDate of an
    # open opportunity is its expected close, so it is ignored; IsClosed/IsWon decide the outcome
    # when exported, StageName otherwise. Partner accounts: an Account export of the partners, with
    # the two custom fields Partner_Exit_Date__c and Partner_Tier__c where the org keeps them.
    "salesforce": ColumnMapping(
        "salesforce",
        deals=_frozen(
            {
                "Id": "deal_id",
                "CreatedDate": "created",
                "CloseDate": "closed",
                "Amount": "amount",
                "StageName": "outcome",
                "PartnerAccountId": "partner_id",
                "LeadSource": "source",
                "Deal_Registered__c": "registered",
            }
        ),
        partners=_frozen(
            {
                "Id": "partner_id",
                "CreatedDate": "joined",
                "Partner_Exit_Date__c": "left",
                "Partner_Tier__c": "tier",
            }
        ),
        values=_frozen(
            {
                "outcome": {**_CLOSED_WON, **_CLOSED_LOST, ANY: "open"},
                "source": {"partner": "partner", "partner referral": "partner", ANY: "vendor"},
            }
        ),
        date_formats=("%m/%d/%Y", "%m/%d/%Y %I:%M %p", "%d/%m/%Y"),
        open_close_date="ignore",
        outcome_flags=("IsClosed", "IsWon"),
    ),
    # A HubSpot deals export (column labels as the export writes them). HubSpot has no standard
    # partner property: the preset reads a custom deal property labelled "Partner"; a deal naming
    # a partner is partner-sourced unless a "Deal Source" column says otherwise.
    "hubspot": ColumnMapping(
        "hubspot",
        deals=_frozen(
            {
                "Deal ID": "deal_id",
                "Record ID": "deal_id",
                "Create Date": "created",
                "Close Date": "closed",
                "Amount": "amount",
                "Deal Stage": "outcome",
                "Partner": "partner_id",
                "Deal Source": "source",
            }
        ),
        partners=_frozen(
            {"Record ID": "partner_id", "Partner": "partner_id", "Create Date": "joined"}
        ),
        values=_frozen(
            {
                "outcome": {**_CLOSED_WON, **_CLOSED_LOST, ANY: "open"},
                "source": {"partner": "partner", ANY: "vendor"},
            }
        ),
        date_formats=("%Y-%m-%d %H:%M", "%m/%d/%Y", "%m/%d/%Y %H:%M"),
        open_close_date="ignore",
        source_default="by-partner",
    ),
    # A PartnerStack deals export: every deal there was submitted by a partner.
    "partnerstack": ColumnMapping(
        "partnerstack",
        deals=_frozen(
            {
                "key": "deal_id",
                "created_at": "created",
                "close_date": "closed",
                "amount": "amount",
                "stage": "outcome",
                "partner_key": "partner_id",
            }
        ),
        partners=_frozen(
            {
                "partner_key": "partner_id",
                "created_at": "joined",
                "archived_at": "left",
                "group": "tier",
            }
        ),
        values=_frozen({"outcome": {**_CLOSED_WON, **_CLOSED_LOST, ANY: "open"}}),
        open_close_date="ignore",
        source_default="partner",
    ),
}


def resolve_mapping(columns: str | Path | None) -> ColumnMapping:
    """The mapping ``--columns`` names: none (canonical columns), a preset, or a YAML file.

    Raises:
        HistoryError: an unknown preset, or a mapping file that is missing or malformed.
    """
    if columns is None:
        return CANONICAL
    text = str(columns)
    if text in PRESETS:
        return PRESETS[text]
    if not text.endswith((".yaml", ".yml")):
        raise HistoryError(
            [
                _issue(
                    text,
                    None,
                    f"unknown preset{suggest(text, PRESETS) or ';'} presets: "
                    f"{', '.join(PRESETS)}; or a mapping file ending in .yaml",
                )
            ]  # fmt: skip
        )
    return read_mapping(Path(text))


def read_mapping(path: Path) -> ColumnMapping:
    """A :class:`ColumnMapping` from a YAML mapping file (read with the scenario loader's limits)."""
    try:
        data, src = read_document(path, str(path))
    except ScenarioError as exc:
        raise HistoryError(exc.issues) from None
    problems: list = []
    if not isinstance(data, dict):
        raise HistoryError([src.issue((), "a mapping file is a mapping: deals:, partners:, ...")])
    known = ("deals", "partners", "values", "date_formats", "open_close_date")
    for key in data:
        if key not in known:
            problems.append(src.issue((key,), f"unknown key{suggest(str(key), known) or ';'} "
                                              f"allowed: {', '.join(known)}"))  # fmt: skip
    deals = _renames(
        data.get("deals", {}), src.child("deals"), DEAL_COLUMNS + DEAL_OPTIONAL, problems
    )
    partners = _renames(
        data.get("partners", {}),
        src.child("partners"),
        PARTNER_COLUMNS + PARTNER_OPTIONAL,
        problems,
    )
    values = _value_maps(data.get("values", {}), src.child("values"), problems)
    formats = data.get("date_formats", [])
    if not isinstance(formats, list) or not all(isinstance(f, str) and "%" in f for f in formats):
        problems.append(src.issue(("date_formats",), "must be a list of formats like '%d.%m.%Y'"))
        formats = []
    policy = data.get("open_close_date", "error")
    if policy not in ("error", "ignore"):
        problems.append(src.issue(("open_close_date",), "must be error or ignore"))
    if problems:
        raise HistoryError(problems)
    return ColumnMapping(
        str(path), _frozen(deals), _frozen(partners), _frozen(values), tuple(formats), policy
    )


def _renames(data: Any, src: Src, allowed: tuple[str, ...], problems: list) -> dict[str, str]:
    if not isinstance(data, dict):
        problems.append(src.issue((), "must map export columns to canonical columns"))
        return {}
    out = {}
    for source, target in data.items():
        if target not in allowed:
            hint = suggest(str(target), allowed) or ";"
            problems.append(
                src.child(source).issue(
                    (), f"unknown canonical column {target!r}{hint} allowed: {', '.join(allowed)}"
                )
            )
        else:
            out[str(source)] = target
    return out


def _value_maps(data: Any, src: Src, problems: list) -> dict[str, dict[str, str]]:
    allowed = {"outcome": OUTCOMES, "source": SOURCES}
    if not isinstance(data, dict):
        problems.append(src.issue((), "must be outcome: {...} and/or source: {...}"))
        return {}
    out: dict[str, dict[str, str]] = {}
    for column, mapping in data.items():
        if column not in allowed or not isinstance(mapping, dict):
            problems.append(src.issue((column,), "only outcome and source have value maps"))
            continue
        for value, target in mapping.items():
            if target not in allowed[column]:
                problems.append(
                    src.child(column).issue(
                        (value,), f"must be one of {', '.join(allowed[column])}, got {target!r}"
                    )
                )
        out[column] = {str(k).strip().lower() if k != ANY else ANY: v for k, v in mapping.items()}
    return out


def _issue(file: str, line: int | None, message: str) -> Issue:
    return Issue("--columns", line, "", f"{file}: {message}")


def apply_mapping(
    frame: pd.DataFrame, renames: Mapping[str, str], mapping: ColumnMapping, kind: str
) -> tuple[pd.DataFrame, dict[str, str]]:
    """``frame`` with canonical column names and values, and each canonical column's name in the
    export (for messages). Columns neither mapped nor canonical are left out."""
    canonical = (
        DEAL_COLUMNS + DEAL_OPTIONAL if kind == "deals" else PARTNER_COLUMNS + PARTNER_OPTIONAL
    )
    out: dict[str, pd.Series] = {}
    shown: dict[str, str] = {}
    for source, target in renames.items():
        if source in frame.columns and target not in out:
            out[target], shown[target] = frame[source], source
    for name in canonical:
        if name in frame.columns and name not in out and name not in renames:
            out[name], shown[name] = frame[name], name
    if kind == "deals":
        flags = mapping.outcome_flags
        from_flags = bool(flags) and all(f in frame.columns for f in flags)
        if from_flags:
            out["outcome"], shown["outcome"] = (
                _outcome_from_flags(frame[flags[0]], frame[flags[1]]),
                "/".join(flags),
            )
        for column, values in mapping.values.items():
            if column in out and not (column == "outcome" and from_flags):
                out[column] = _translate(out[column], values)
        if "source" not in out and mapping.source_default is not None and "partner_id" in out:
            by_partner = np.where(out["partner_id"] != "", "partner", "vendor")
            partner = mapping.source_default == "partner"
            out["source"] = pd.Series("partner" if partner else by_partner, index=frame.index)
            shown["source"] = shown["partner_id"]
        if mapping.open_close_date == "ignore" and "closed" in out and "outcome" in out:
            out["closed"] = out["closed"].where(out["outcome"] != "open", "")
    return pd.DataFrame(out, index=frame.index), shown


def _translate(values: pd.Series, mapping: Mapping[str, str]) -> pd.Series:
    """Each value through ``mapping`` (without case; ``"*"`` for the rest; unmapped kept as is)."""
    key = values.str.lower()
    mapped = key.map(lambda v: mapping.get(v, mapping.get(ANY)))
    return mapped.where(mapped.notna(), values)


_TRUE, _FALSE = ("true", "1", "yes"), ("false", "0", "no")


def _outcome_from_flags(closed: pd.Series, won: pd.Series) -> pd.Series:
    """won, lost or open from the two flags; where a flag is unreadable, both as written."""
    is_closed, is_won = closed.str.lower(), won.str.lower()
    outcome = np.where(
        is_closed.isin(_FALSE),
        "open",
        np.where(is_won.isin(_TRUE), "won", np.where(is_won.isin(_FALSE), "lost", "?")),
    )
    readable = is_closed.isin(_TRUE + _FALSE) & (outcome != "?")
    shown = {
        name: values.map(lambda v: show(v, 20)) for name, values in (("c", closed), ("w", won))
    }
    as_written = f"{closed.name} " + shown["c"] + f", {won.name} " + shown["w"]
    return pd.Series(outcome, index=closed.index).where(readable, as_written)
