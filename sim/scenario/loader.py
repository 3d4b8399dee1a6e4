"""Scenario files: YAML with line numbers, ``extends``, variants and ``--set`` overrides, resolved to
one frozen :class:`~sim.scenario.schema.ScenarioConfig` per variant.

A scenario is read in this order: the file and the chain of files it ``extends`` (deep merge, lists
replaced, the extending file wins); then each variant is merged onto that base document; then
``--set`` overrides and ``--seed``/``--replicates`` apply to every variant; then each variant is
validated against the schema and its behaviour rules' parameter schemas. Every problem found is
reported at once as a :class:`ScenarioError` naming the file, line and key path.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.scenario.differences import term_changes
from sim.scenario.errors import Issue, ScenarioError, show, suggest, unknown_message
from sim.scenario.lint import scenario_warnings
from sim.scenario.names import name_problem
from sim.scenario.overrides import apply_override, parse_assignment
from sim.scenario.resolution import resolved_document, validate_document
from sim.scenario.schema import ScenarioConfig
from sim.scenario.yaml_source import Src, copied, merge, read_document

MAX_EXTENDS = 16
"""Longest chain of ``extends`` (files beyond the first)."""
MAX_VARIANTS = 1_000
"""Most variants in one file; comparisons have a handful, sweeps use ``sweep:`` instead."""
MAX_EVENTS = 1_000
"""Most events of one variant; real programs change a few terms a few times."""
MAX_EVENTS_TOTAL = 20_000
"""Most events over all variants together (each variant is validated with its events), so a
1 MB file cannot make validation hold tens of millions of events."""
MAX_RUNS = 1_000_000
"""Most runs (variants x replicates) one scenario may plan: a typo such as ``replicates: 100000``
with 20 variants is an error, not a two-million-run manifest."""
EXTENDS_SUFFIXES = (".yaml", ".yml")
"""``extends`` names only YAML files, so a scenario cannot make the loader read any other file."""
VARIANT_KEYS_FORBIDDEN = ("name", "extends", "variants", "focus")
"""Keys a variant may not set (``focus``: every variant of a scenario is read for one vendor)."""
BASE = "base"
"""Name of the variant that is the file itself."""
SCENARIO_KEYS = frozenset([*ScenarioConfig.model_fields, "extends", "variants"])
"""Top-level keys of a scenario file; a file reached through ``extends`` with any other key is
not a scenario and is reported without its content."""

__all__ = ["Scenario", "load_scenario"]


@dataclass(frozen=True)
class Scenario:
    """A loaded scenario file: one validated config per variant, ``base`` first.

    Attributes:
        path: the file, as given.
        name: the scenario's name (used for its results folder).
        description: what the scenario asks.
        variants: variant name -> resolved config; ``base`` first, then the file's variants in order.
        document: the merged raw document of ``base``: after ``extends``, before ``--set`` and the
            seed/replicates flags, without ``variants``.
        warnings: what will not do what it seems to (:mod:`sim.scenario.lint`); it still runs.
        overrides: each key of ``base`` that ``--set``, ``--seed`` or ``--replicates`` changed
            against the file as written: ``{"path", "file", "run"}``.
    """

    path: Path
    name: str
    description: str
    variants: dict[str, ScenarioConfig]
    document: dict[str, Any]
    warnings: list[Issue] = field(default_factory=list)
    overrides: list[dict[str, Any]] = field(default_factory=list)

    def variant(self, name: str) -> ScenarioConfig:
        """The config of variant ``name``.

        Raises:
            ScenarioError: no such variant; the message lists the variants.
        """
        if name in self.variants:
            return self.variants[name]
        message = unknown_message("variant", name, list(self.variants), "variants are")
        raise ScenarioError([Issue(str(self.path), None, "", message)])


def load_scenario(
    path: str | os.PathLike[str],
    overrides: Sequence[str] = (),
    *,
    seed: int | None = None,
    replicates: int | None = None,
) -> Scenario:
    """Read, merge, override and validate a scenario file.

    Args:
        path: the scenario file; error messages show it as given.
        overrides: ``PATH=VALUE`` strings (``--set``), applied to every variant.
        seed: replaces the file's ``seed`` (``--seed``).
        replicates: replaces the file's ``replicates`` (``--replicates``).

    Raises:
        ScenarioError: anything wrong, with file, line, key path and what is allowed.
    """
    shown = os.fspath(path)
    assignments = _parse_assignments([overrides] if isinstance(overrides, str) else overrides)
    extended: list[str] = []
    try:
        return _load(shown, assignments, seed, replicates, extended)
    except ScenarioError as exc:
        if not extended:
            raise
        raise ScenarioError([_without_content(i, extended) for i in exc.issues]) from None


def _load(
    shown: str,
    assignments: list[tuple[str, Any]],
    seed: int | None,
    replicates: int | None,
    extended: list[str],
) -> Scenario:
    doc, src = _load_chain(Path(shown), shown, (), extended)
    documents = _split_variants(doc, src)
    _check_events(documents)
    flags = {"seed": seed, "replicates": replicates}
    flags_given = any(value is not None for value in flags.values())
    configs: dict[str, ScenarioConfig] = {}
    issues: list[Issue] = []
    base_issues: set[Issue] = set()
    for name, (data, data_src) in documents.items():
        try:
            configs[name] = _finish(data, data_src, assignments, flags)
        except ScenarioError as exc:
            if name == BASE:
                base_issues = set(exc.issues)
                issues.extend(exc.issues)
            else:
                issues.extend(_in_variant(i, name) for i in exc.issues if i not in base_issues)
    if issues:
        raise ScenarioError(issues)
    _check_run_count(configs, documents[BASE][1], replicates)
    base = configs[BASE]
    warnings = scenario_warnings(configs, {name: src for name, (_, src) in documents.items()})
    changes = _changes(documents[BASE], base, assignments) if assignments or flags_given else []
    return Scenario(
        Path(shown), base.name, base.description, configs, documents[BASE][0], warnings, changes
    )


def _changes(
    written: tuple[dict[str, Any], Src], run: ScenarioConfig, assignments: list[tuple[str, Any]]
) -> list[dict[str, Any]]:
    """What ``--set`` and the flags changed in ``base`` against the file as written."""
    try:
        as_written = validate_document(*copied(*written))
    except ScenarioError:  # the file is only valid with its overrides: say what they set
        return [{"path": path, "file": None, "run": value} for path, value in assignments]
    return term_changes(resolved_document(as_written), resolved_document(run))


# ---------------------------------------------------------------------------------------------
# Files and extends


def _load_chain(
    path: Path, shown: str, chain: tuple[tuple[Path, str], ...], extended: list[str]
) -> tuple[dict[str, Any], Src]:
    """The document of ``path`` merged onto the files it extends, with origins; the files it
    extends are added to ``extended``."""
    data, src = read_document(path, shown)
    if not isinstance(data, dict):
        # an extended file's content is not echoed: `extends: /etc/passwd.yaml` must not leak it
        got = show(data) if not chain else _kind(data)
        message = (
            f"the top level must be a mapping of scenario keys (name, vendors, ...), got {got}"
        )
        raise ScenarioError([Issue(shown, src.line, "", message)])
    strangers = [key for key in data if key not in SCENARIO_KEYS]
    if chain and strangers:  # not a scenario: say so by path and count, never by its keys
        message = (
            f"not a scenario file: {len(strangers)} of its top-level keys are not scenario keys "
            f"(name, vendors, ...); check it with: sim validate {shown}"
        )
        raise ScenarioError([Issue(shown, None, "", message)])
    if "extends" not in data:
        return data, src
    target, extends_src = data.pop("extends"), src.children.pop("extends")
    parent, parent_shown = _parent(target, extends_src, path, shown)
    here = _real(path)
    files = [*chain, (here, shown)]
    if _real(parent) in [p for p, _ in files]:
        cycle = " -> ".join([s for _, s in files] + [parent_shown])
        raise ScenarioError([extends_src.issue((), f"cycle: {cycle}")])
    if len(files) > MAX_EXTENDS:
        message = f"more than {MAX_EXTENDS} levels of extends; flatten the chain"
        raise ScenarioError([extends_src.issue((), message)])
    if not parent.is_file():
        what = "is not a file" if parent.exists() else "file not found"
        raise ScenarioError([extends_src.issue((), f"{what}: {parent_shown}")])
    if not _real(parent).name.lower().endswith(EXTENDS_SUFFIXES):
        message = f"{parent_shown} is a link to a file that is not a .yaml or .yml file"
        raise ScenarioError([extends_src.issue((), message)])
    extended.append(parent_shown)
    parent_data, parent_src = _load_chain(parent, parent_shown, tuple(files), extended)
    merged, merged_src = merge(parent_data, parent_src, data, src)
    _drop_variants(merged, merged_src, parent_data.get("variants"), parent_shown)
    return merged, merged_src


def _drop_variants(merged: dict[str, Any], src: Src, inherited: Any, parent: str) -> None:
    """``variants: {NAME: null}`` in an extending file drops the variant NAME it inherits."""
    variants = merged.get("variants")
    if not isinstance(variants, dict):
        return
    inherited = inherited if isinstance(inherited, dict) else {}
    issues = []
    for name in [n for n, value in variants.items() if value is None]:
        if name in inherited:
            del variants[name]
            src.child("variants").children.pop(name, None)
            continue
        known = ", ".join(map(str, inherited)) or "none"
        hint = suggest(str(name), map(str, inherited)) or ";"
        message = (
            f"null drops a variant inherited through extends, but {parent} has no variant "
            f"{name!r}{hint} its variants: {known}"
        )
        issues.append(src.child("variants").issue((name,), message))
    if issues:
        raise ScenarioError(issues)


_QUOTED = re.compile(r"got ('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|[\[{].*)")


def _without_content(issue: Issue, extended: list[str]) -> Issue:
    """An issue in an extended file with the text it quotes replaced by its kind: a file reached
    through ``extends`` may not be the user's own (``got 'sk_live_...'`` must not be printed)."""
    if issue.file not in extended:
        return issue
    message = _QUOTED.sub(lambda m: "got " + _kind_of_shown(m.group(1)), issue.message)
    return Issue(issue.file, issue.line, issue.path, message, issue.column)


def _kind_of_shown(text: str) -> str:
    return {"[": "a list", "{": "a mapping"}.get(text[:1], "text")


def _kind(value: Any) -> str:
    """What a value is, without its content: ``a list``, ``text``, ``a number``."""
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "text"
    if isinstance(value, bool) or value is None:
        return show(value)
    return "a number"


def _parent(target: Any, src: Src, path: Path, shown: str) -> tuple[Path, str]:
    if not isinstance(target, str) or not target.strip() or "\0" in target:
        message = (
            f"must be the path of another scenario file, relative to this one, got {show(target)}"
        )
        raise ScenarioError([src.issue((), message)])
    if not target.lower().endswith(EXTENDS_SUFFIXES):
        message = (
            "must name a scenario file ending in .yaml or .yml, relative to this one, "
            f"got {show(target)}"
        )
        raise ScenarioError([src.issue((), message)])
    parent_shown = os.path.normpath(os.path.join(os.path.dirname(shown), target))
    return path.parent / target, parent_shown


def _real(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()


# ---------------------------------------------------------------------------------------------
# Variants and overrides


def _split_variants(doc: dict[str, Any], src: Src) -> dict[str, tuple[dict[str, Any], Src]]:
    """``base`` (the document without ``variants``) and each variant merged onto it."""
    variants = doc.pop("variants", None)
    variants_src = src.children.pop("variants", src)
    out = {BASE: (doc, src)}
    if variants is None:
        return out
    if not isinstance(variants, dict):
        message = f"must be a mapping of variant name to overrides, got {show(variants)}"
        raise ScenarioError([variants_src.issue((), message)])
    if len(variants) > MAX_VARIANTS:
        message = (
            f"{len(variants)} variants, more than the limit of {MAX_VARIANTS} per file; for many "
            "points of a parameter space use a sweep: block and sim sweep"
        )
        raise ScenarioError([variants_src.issue((), message)])
    issues = []
    for name, override in variants.items():
        problem = _variant_problem(name, override)
        if problem:
            file, line, shown = variants_src.locate((name,))
            if problem.startswith("variant name"):
                shown = variants_src.shown
            issues.append(Issue(file, line, shown, problem))
            continue
        forbidden = [key for key in VARIANT_KEYS_FORBIDDEN if key in override]
        for key in forbidden:
            issues.append(variants_src.issue((name, key), f"a variant may not set {key!r}"))
        if not forbidden:
            out[name] = merge(doc, src, override, variants_src.child(name))
    if issues:
        raise ScenarioError(issues)
    return out


def _check_events(documents: dict[str, tuple[dict[str, Any], Src]]) -> None:
    """Each variant has at most :data:`MAX_EVENTS` events, all together :data:`MAX_EVENTS_TOTAL`;
    checked before any variant is validated."""
    total = 0
    for name, (data, src) in documents.items():
        events = data.get("events")
        count = len(events) if isinstance(events, list) else 0
        total += count
        if count > MAX_EVENTS:
            message = f"{count} events, more than the limit of {MAX_EVENTS} per variant"
            raise ScenarioError([_in_variant(src.issue(("events",), message), name)])
    if total > MAX_EVENTS_TOTAL:
        data, src = documents[BASE]
        message = (
            f"{len(documents)} variants with these events make {total} events to validate, more "
            f"than the limit of {MAX_EVENTS_TOTAL}; use fewer variants or events"
        )
        raise ScenarioError([src.issue(("events",), message)])


def _variant_problem(name: str, override: Any) -> str | None:
    if name == BASE:
        return f"the name {BASE!r} is the file itself; give the variant another name"
    problem = name_problem(name)
    if problem:
        return f"variant name {show(name)} {problem}"
    if override is None:
        return (
            "must be a mapping of the keys this variant changes; null drops a variant only in a "
            "file that extends one that has it"
        )
    if not isinstance(override, dict):
        return f"must be a mapping of the keys this variant changes, got {show(override)}"
    return None


def _check_run_count(configs: dict[str, ScenarioConfig], src: Src, flag: int | None) -> None:
    """Every variant's replicates together stay within :data:`MAX_RUNS`."""
    total = sum(config.replicates for config in configs.values())
    if total <= MAX_RUNS:
        return
    message = (
        f"{len(configs)} variants with these replicates make {total} runs, more than the limit of "
        f"{MAX_RUNS} per scenario; use fewer replicates or variants"
    )
    if flag is not None:
        raise ScenarioError([Issue("--replicates", None, "replicates", message)])
    raise ScenarioError([src.issue(("replicates",), message)])


def _in_variant(issue: Issue, name: str) -> Issue:
    """Say which variant an issue belongs to when its key path does not."""
    if name == BASE or issue.path.startswith("variants."):
        return issue
    return Issue(
        issue.file, issue.line, issue.path, f"{issue.message} (in variant {name!r})", issue.column
    )


def _parse_assignments(overrides: Sequence[str]) -> list[tuple[str, Any]]:
    out, issues = [], []
    for text in overrides:
        try:
            out.append(parse_assignment(text))
        except ScenarioError as exc:
            issues.extend(exc.issues)
    if issues:
        raise ScenarioError(issues)
    return out


def _finish(
    data: dict[str, Any], src: Src, assignments: list[tuple[str, Any]], flags: dict[str, Any]
) -> ScenarioConfig:
    """Apply ``--set`` and the ``--seed``/``--replicates`` flags to a copy, then validate."""
    if assignments or any(v is not None for v in flags.values()):
        data, src = copied(data, src)
        issues = []
        for path, value in assignments:
            try:
                apply_override(data, src, path, value, "--set")
            except ScenarioError as exc:
                issues.extend(exc.issues)
        for key, value in flags.items():
            if value is not None:
                data[key], src.children[key] = value, Src(f"--{key}", None, key)
        if issues:
            raise ScenarioError(issues)
    return validate_document(data, src)
