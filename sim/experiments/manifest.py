"""What a result folder records about its runs: the plan (:class:`RunRecord` per run, with its
seed and status), the environment (Python, platform, library and plugin versions) and the fully
resolved scenario (``scenario.resolved.yaml``). :class:`sim.experiments.writer.ResultWriter` writes
them into ``manifest.json`` and the folder.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import importlib.metadata
import platform
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sim
from sim.behaviours import discovery
from sim.experiments.folder_layout import LIBRARIES, RESOLVED_FILE, RunStatus


@dataclass
class RunRecord:
    """One planned run and how it went.

    Attributes:
        variant: variant name.
        replicate: replicate number, 0-based.
        entropy: ``SeedSequence`` entropy (the scenario seed).
        spawn_key: ``SeedSequence`` spawn key, ``(replicate,)``.
        status: ``ok``, ``failed`` or ``not-run`` (interrupted before it finished).
        error: ``ExceptionType: message`` of a failed run.
        traceback: full traceback text of a failed run.
        seconds: wall time of the run.
    """

    variant: str
    replicate: int
    entropy: int
    spawn_key: tuple[int, ...]
    status: RunStatus = "not-run"
    error: str | None = None
    traceback: str | None = None
    seconds: float | None = None

    @property
    def key(self) -> tuple[str, int]:
        return (self.variant, self.replicate)


def resolved_scenario_yaml(scenario: Any, ran: Sequence[str] | None = None) -> str:
    """The scenario as one re-runnable YAML file with every default filled in.

    The top level is the ``base`` variant fully resolved; every other variant is written under
    ``variants:`` as only the keys where its resolved document differs from base (lists whole), so
    ``sim run scenario.resolved.yaml`` runs the same configurations again.
    """
    from sim.scenario import dump_yaml, resolved_document

    names = list(scenario.variants)
    base = resolved_document(scenario.variants[names[0]])
    doc = dict(base)
    others = {name: _diff(resolved_document(scenario.variants[name]), base) for name in names[1:]}
    if others:
        doc["variants"] = others
    ran_text = ", ".join(ran if ran is not None else names)
    header = (
        f"# Fully resolved scenario {scenario.name!r}, written by sim {sim.__version__}.\n"
        f"# Variants that ran: {ran_text}. Re-run with: sim run {RESOLVED_FILE}\n"
    )
    return header + dump_yaml(doc)


def scenario_notes(scenario: Any) -> dict[str, Any]:
    """The manifest's ``warnings`` (one line each, as ``sim validate`` prints them) and
    ``overrides`` (each key ``--set``, ``--seed`` or ``--replicates`` changed against the file:
    ``path``, ``file``, ``run``) of a loaded scenario."""
    return {
        "warnings": [str(issue) for issue in getattr(scenario, "warnings", [])],
        "overrides": list(getattr(scenario, "overrides", [])),
    }


def _diff(doc: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in doc.items():
        if key not in base:
            out[key] = value
        elif isinstance(value, dict) and isinstance(base[key], dict):
            sub = _diff(value, base[key])
            if sub:
                out[key] = sub
        elif value != base[key]:
            out[key] = value
    return out


def environment() -> dict[str, Any]:
    """Python, platform and library versions for the manifest."""
    libraries = {}
    for lib in LIBRARIES:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            libraries[lib] = importlib.metadata.version(lib)
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "libraries": libraries,
        "plugins": discovery.provenance(),  # behaviour rules from outside the engine
    }


def sha256_text(text: str) -> str:
    """SHA-256 of ``text`` as a file holds it (UTF-8), in hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sha256_file(path: Path) -> str:
    """SHA-256 of a file's bytes, in hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def timestamp() -> str:
    """Local time now with its UTC offset, to the second (ISO 8601), as the manifest records it."""
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")
