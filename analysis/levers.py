"""What a result folder's variants, overrides and sweep change, in words, and which vendor its
reports are about.

The resolved file holds the base variant in full and each other variant as only the keys where it
differs from base (``variants:``); the manifest holds what ``--set``, ``--seed`` and
``--replicates`` changed against the scenario file (``overrides``; older folders: the command
line) and, for a sweep, the swept parameters.
"""

from __future__ import annotations

import shlex
from typing import Any

from sim.experiments.folder_layout import ResultsError
from sim.experiments.reader import ResultSet
from sim.scenario.differences import flatten_document


def resolved_document(results: ResultSet) -> dict[str, Any]:
    """The parsed ``scenario.resolved.yaml`` (empty when missing; a damaged one is a
    :class:`~sim.experiments.folder_layout.ResultsError`, see :attr:`ResultSet.resolved`)."""
    return results.resolved


def focus_vendor(results: ResultSet, vendor: str | None = None) -> str:
    """The vendor a report is about: ``vendor`` (``--vendor``) when given, else the scenario's
    ``focus``, else (folders written before ``focus`` existed) the first vendor.

    Raises:
        ResultsError: ``vendor`` is not a vendor of the folder.
    """
    if vendor is not None:
        if vendor not in results.vendors:
            raise ResultsError(
                f"--vendor {vendor}: not a vendor of {results.path}; its vendors: "
                + ", ".join(results.vendors)
            )
        return vendor
    focus = resolved_document(results).get("focus")
    return focus if focus in results.vendors else results.vendors[0]


def _number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _base_value(base: dict[str, Any], path: str) -> Any:
    """The base value of a vendor key (``vendors.acme.program.margin``) or a plain path."""
    return flatten_document(base).get(path)


def _month(event: dict[str, Any]) -> float:
    try:
        return float(event.get("at_month", 0) or 0)
    except (TypeError, ValueError):  # a damaged folder's file: keep its order
        return 0.0


def values_before(events: list[dict[str, Any]], base: dict[str, Any]) -> list[dict[str, Any]]:
    """For each of one variant's ``events``, the value each key it sets has just before it: the
    base document's, or what an earlier event of the list set it to (a launch term at month 0
    included), so a cut reads ``0.25 → 0.15`` when month 0 set 0.25."""
    state = dict(flatten_document(base))
    out: list[dict[str, Any]] = [{} for _ in events]
    for i in sorted(range(len(events)), key=lambda i: _month(events[i])):
        vendor = events[i].get("vendor", "?")
        for key, value in (events[i].get("set") or {}).items():
            path = f"vendors.{vendor}.{key}"
            out[i][key] = state.get(path)
            state[path] = value
    return out


def events_text(events: list[dict[str, Any]], base: dict[str, Any]) -> list[str]:
    """:func:`event_text` of each of one variant's events, each from the value in force before."""
    befores = values_before(events, base)
    return [event_text(e, before=b) for e, b in zip(events, befores, strict=True)]


def _before(
    key: str, vendor: str, before: dict[str, Any] | None, base: dict[str, Any] | None
) -> Any:
    """The value ``key`` had before an event: from ``before`` when given, else ``base``'s."""
    if before is not None:
        return before.get(key)
    return _base_value(base or {}, f"vendors.{vendor}.{key}")


def event_label(
    event: dict[str, Any], results: ResultSet | None = None, before: dict[str, Any] | None = None
) -> str:
    """``acme program.margin 0.2 → 0.12 over 9 months``: short, for a chart's legend; the values
    before are ``before`` (:func:`values_before`) when given, else the resolved base's."""
    base = resolved_document(results) if results is not None else {}
    vendor = event.get("vendor", "?")
    changes = []
    for key, value in (event.get("set") or {}).items():
        old = _before(key, vendor, before, base)
        was = f"{_number(old)} \u2192 " if old is not None else "\u2192 "
        changes.append(f"{key.split('.')[-1]} {was}{_number(value)}")
    ramp = float(event.get("ramp_months") or 0)
    over = f" over {ramp:g} months" if ramp else ""
    return f"{vendor} {', '.join(changes)}{over}"


def event_text(
    event: dict[str, Any],
    base: dict[str, Any] | None = None,
    before: dict[str, Any] | None = None,
) -> str:
    """``month 12, acme: program.margin 0.2 -> 0.12 (over 9 months, 3 months' notice)``; the
    value before the change is ``before[key]`` (:func:`values_before`) when given, else taken
    from ``base`` (the resolved base document) when given."""
    vendor = event.get("vendor", "?")

    def was(key: str) -> str:
        value = _before(key, vendor, before, base)
        return f" {_number(value)}" if value is not None else ""

    sets = ", ".join(
        f"{k}{was(k)} \u2192 {_number(v)}" for k, v in (event.get("set") or {}).items()
    )
    ramp, notice = float(event.get("ramp_months") or 0), float(event.get("notice_months") or 0)
    how = [f"over {ramp:g} months" if ramp else "at once"]
    how.append(f"{notice:g} months' notice" if notice else "no notice")
    at = _number(event.get("at_month", "?"))
    return f"month {at}, {vendor}: {sets} ({', '.join(how)})"


def variant_events(results: ResultSet) -> dict[str, list[dict[str, Any]]]:
    """Per variant of the folder, the events it runs (a variant's own list replaces base's)."""
    doc = resolved_document(results)
    variants = doc.get("variants") or {}
    base = list(doc.get("events") or [])
    out = {}
    for name in results.variants:
        diff = variants.get(name) or {}
        out[name] = list(diff["events"]) if "events" in diff else base
    return out


def run_changes(results: ResultSet) -> list[dict[str, Any]]:
    """What ``--set``, ``--seed`` and ``--replicates`` changed in this run against the scenario
    file: ``{"path", "file", "run"}`` (``file`` None when not known). Folders written before the
    manifest recorded ``overrides`` fall back to the ``--set`` values of the command line."""
    manifest = results.manifest
    if isinstance(manifest.get("overrides"), list):
        return [c for c in manifest["overrides"] if isinstance(c, dict) and "path" in c]
    try:
        words = shlex.split(manifest.get("command_line") or "")
    except ValueError:
        return []
    changes = []
    for flag, value in zip(words, words[1:], strict=False):
        if flag == "--set" and "=" in value:
            path, _, text = value.partition("=")
            changes.append({"path": path.strip(), "file": None, "run": text.strip()})
        elif flag in ("--seed", "--replicates"):
            changes.append({"path": flag[2:], "file": None, "run": value})
    return changes


def change_text(change: dict[str, Any]) -> str:
    """``acme program.margin 0.2 → 0.15 (--set)`` (``partners.count = 100 (--set)`` when the
    file's value is not known; ``--seed``, ``--replicates`` for those keys)."""
    path, run, file = str(change["path"]), change.get("run"), change.get("file")
    parts = path.split(".")
    vendor_key = parts[0] == "vendors" and len(parts) > 2
    shown = f"{parts[1]} {'.'.join(parts[2:])}" if vendor_key else path
    flag = f"--{path}" if path in ("seed", "replicates") else "--set"
    if file is None:
        return f"{shown} = {_number(run)} ({flag})"
    return f"{shown} {_number(file)} \u2192 {_number(run)} ({flag})"


def changes_sentence(results: ResultSet) -> str:
    """``This run differs from the scenario file, in every variant: acme program.margin 0.2 →
    0.15 (--set). ...``, or empty when it does not."""
    changes = run_changes(results)
    if not changes:
        return ""
    return (
        "This run differs from the scenario file, in every variant: "
        + "; ".join(change_text(c) for c in changes)
        + ". The description above is the file's."
    )


def variant_levers(results: ResultSet) -> dict[str, list[str]]:
    """Per variant (base first): what it changes, one phrase per event or override; base also
    says what the run changed against the scenario file."""
    doc = resolved_document(results)
    variants = doc.get("variants") or {}
    changes = run_changes(results)
    overrides = [f"run with {'; '.join(change_text(c) for c in changes)} (every variant)"]
    out = {"base": overrides[: bool(changes)]}
    out["base"] += [f"event at {text}" for text in events_text(doc.get("events") or [], doc)]
    for name in results.variants:
        if name == "base":
            continue
        diff = dict(variants.get(name) or {})
        lines = [f"event at {text}" for text in events_text(diff.pop("events", None) or [], doc)]
        for path, value in flatten_document(diff).items():
            before = _base_value(doc, path)
            was = f" (base {_number(before)})" if before is not None else ""
            lines.append(f"{path} = {_number(value)}{was}")
        out[name] = lines or ["nothing: the same as base"]
    if not out["base"]:
        out["base"] = ["the scenario as written (no events, no overrides)"]
    return out


__all__ = [
    "change_text", "changes_sentence", "event_label", "event_text", "events_text", "values_before", "focus_vendor", "resolved_document",
    "run_changes", "variant_events", "variant_levers",
]  # fmt: skip
