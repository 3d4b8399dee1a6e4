"""Where two scenario documents differ, key path by key path.

Used to say what a run changed against its scenario file (``--set``, ``--seed``, ``--replicates``:
:func:`term_changes`, recorded in the result folder's manifest as ``overrides``) and, in reports,
what each variant changes against base.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def flatten_document(doc: Any, prefix: str = "") -> dict[str, Any]:
    """``{"vendors.acme.program.margin": 0.2, ...}``: every single value of a scenario document
    by key path, vendors by name; other lists (events) are one value each."""
    if isinstance(doc, Mapping):
        out: dict[str, Any] = {}
        for key, value in doc.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if key == "vendors" and not prefix and _named(value):
                for vendor in value:
                    rest = {k: v for k, v in vendor.items() if k != "name"}
                    out |= flatten_document(rest, f"vendors.{vendor['name']}")
            else:
                out |= flatten_document(value, path)
        return out
    return {prefix: doc}


def _named(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(v, Mapping) and isinstance(v.get("name"), str) for v in value
    )


def term_changes(written: Mapping[str, Any], run: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each key path whose value in ``run`` differs from ``written`` (both resolved documents):
    ``{"path": ..., "file": value as written (None if absent), "run": value run}``."""
    before, after = flatten_document(written), flatten_document(run)
    return [
        {"path": path, "file": before.get(path), "run": value}
        for path, value in after.items()
        if before.get(path) != value
    ]


__all__ = ["flatten_document", "term_changes"]
