"""What a result folder's variants and sweep change, in words, from ``scenario.resolved.yaml``.

The resolved file holds the base variant in full and each other variant as only the keys where it
differs from base (``variants:``); a sweep folder's manifest holds the swept parameters.
"""

from __future__ import annotations

from typing import Any

from sim.experiments.reader import ResultSet


def resolved_document(results: ResultSet) -> dict[str, Any]:
    """The parsed ``scenario.resolved.yaml`` (empty when missing; a damaged one is a
    :class:`~sim.experiments.folder_layout.ResultsError`, see :attr:`ResultSet.resolved`)."""
    return results.resolved


def _flatten(doc: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(doc, dict):
        out: dict[str, Any] = {}
        for key, value in doc.items():
            out |= _flatten(value, f"{prefix}.{key}" if prefix else str(key))
        return out
    return {prefix: doc}


def _number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def event_text(event: dict[str, Any], base: dict[str, Any] | None = None) -> str:
    """``month 12, acme: program.margin 0.2 -> 0.12 (over 9 months, 3 months' notice)``; the
    value before the change is taken from ``base`` (the resolved base document) when given."""
    vendor = event.get("vendor", "?")

    def before(key: str) -> str:
        value = _base_value(base or {}, f"vendors.{vendor}.{key}")
        return f" {_number(value)}" if value is not None else ""

    sets = ", ".join(
        f"{k}{before(k)} \u2192 {_number(v)}" for k, v in (event.get("set") or {}).items()
    )
    ramp, notice = float(event.get("ramp_months") or 0), float(event.get("notice_months") or 0)
    how = [f"over {ramp:g} months" if ramp else "at once"]
    how.append(f"{notice:g} months' notice" if notice else "no notice")
    at = _number(event.get("at_month", "?"))
    return f"month {at}, {vendor}: {sets} ({', '.join(how)})"


def _base_value(base: dict[str, Any], path: str) -> Any:
    """The base value of a vendor key (``vendors.acme.program.margin``) or a plain path."""
    parts = path.split(".")
    node: Any = base
    if parts[0] == "vendors" and len(parts) > 2:
        node = next((v for v in base.get("vendors", []) if v.get("name") == parts[1]), {})
        parts = parts[2:]
    for part in parts:
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def variant_levers(results: ResultSet) -> dict[str, list[str]]:
    """Per variant (base first): what it changes, one phrase per event or override."""
    doc = resolved_document(results)
    variants = doc.get("variants") or {}
    out = {"base": [f"event at {event_text(e, doc)}" for e in doc.get("events") or []]}
    for name in results.variants:
        if name == "base":
            continue
        diff = dict(variants.get(name) or {})
        lines = [f"event at {event_text(e, doc)}" for e in diff.pop("events", None) or []]
        for vendors in [diff.pop("vendors", None)]:
            if isinstance(vendors, list):
                lines.append("vendors: replaced (see scenario.resolved.yaml)")
        for path, value in _flatten(diff).items():
            before = _base_value(doc, path)
            was = f" (base {_number(before)})" if before is not None else ""
            lines.append(f"{path} = {_number(value)}{was}")
        out[name] = lines
    if not out["base"]:
        out["base"] = ["the scenario as written (no events)"]
    return out


def focal_vendor(results: ResultSet) -> str:
    """The vendor the variants' events or sweep parameters change most often, else the first."""
    doc = resolved_document(results)
    counts: dict[str, int] = {}
    for diff in (doc.get("variants") or {}).values():
        for event in (diff or {}).get("events") or []:
            counts[event.get("vendor")] = counts.get(event.get("vendor"), 0) + 1
    for path in (results.manifest.get("sweep") or {}).get("parameters", {}):
        parts = path.split(".")
        if len(parts) > 2 and parts[0] == "vendors":
            counts[parts[1]] = counts.get(parts[1], 0) + 1
    known = {k: v for k, v in counts.items() if k in results.vendors}
    return max(known, key=known.get) if known else results.vendors[0]


__all__ = ["event_text", "focal_vendor", "resolved_document", "variant_levers"]
