"""Resolving one scenario document to a validated config, and a config back to plain data.

:func:`validate_document` checks one variant's merged document: the schema of
:mod:`sim.scenario.schema` (including event values against the keys they change), each behaviour
slot's rule and parameters (via the registry), and sweep paths and ranges. :func:`resolved_document`
turns a config back into plain data with every default filled in; :func:`with_overrides` changes a
resolved config by key path (used by sweeps).
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Iterator, Mapping
from typing import Any

import yaml
from pydantic import ValidationError

from sim.behaviours import discovery, registry
from sim.behaviours.registry import RuleParams, RuleSpec
from sim.scenario.errors import (
    RULE_HINT,
    Issue,
    KeyPath,
    ScenarioError,
    format_path,
    number,
    show,
    translate,
    unknown_message,
    unwrap,
)
from sim.scenario.overrides import PathError, apply_override, resolve_path
from sim.scenario.schema import BehaviourChoice, ScenarioConfig
from sim.scenario.yaml_source import Src

_CONFIG = "scenario"
"""Origin shown for problems in a config that did not come from a file."""


def with_overrides(config: ScenarioConfig, values: Mapping[str, object]) -> ScenarioConfig:
    """``config`` with ``path -> value`` overrides applied (``--set`` paths, typed values), re-validated.

    A float with a whole value is accepted for a whole-number key (``partners.count: 100.0``).

    Raises:
        ScenarioError: an unknown path or an invalid value; the origin is shown as ``override``.
    """
    doc = resolved_document(config)
    src = Src("override", None, "")
    for path, value in values.items():
        apply_override(doc, src, path, value, "override", whole_numbers=True)
    return validate_document(doc, src, check_sweep=False)


def resolved_behaviours(config: ScenarioConfig) -> dict[str, tuple[RuleSpec, RuleParams]]:
    """The rule and validated parameters of every behaviour slot (defaults for slots not given)."""
    out: dict[str, tuple[RuleSpec, RuleParams]] = {}
    for slot in registry.SLOTS:
        choice = config.behaviours.get(slot)
        try:
            spec = registry.resolve(slot, choice.rule if choice else None)
            out[slot] = (spec, registry.validate_params(spec, choice.params if choice else {}))
        except registry.UnknownRuleError as exc:
            raise ScenarioError([Issue(_CONFIG, None, f"behaviours.{slot}", str(exc))]) from None
        except ValidationError as exc:
            found = translate(exc, spec.cls.Params, choice.params, ("behaviours", slot))
            raise ScenarioError(
                [Issue(_CONFIG, None, format_path(p), m) for p, m in found]
            ) from None
    return out


def resolved_document(config: ScenarioConfig) -> dict[str, Any]:
    """The fully resolved scenario as plain data: every default filled in, every behaviour slot's
    rule as ``name@version`` with all its parameters. Loading it back gives an equal config."""
    doc = _plain(config.model_dump(mode="python"))
    doc["behaviours"] = {
        slot: {"rule": spec.id, **_plain(params.model_dump(mode="python"))}
        for slot, (spec, params) in resolved_behaviours(config).items()
    }
    if doc.get("sweep") is None:
        doc.pop("sweep", None)
    return doc


def dump_yaml(doc: Mapping[str, Any]) -> str:
    """``doc`` as block-style YAML, keys in their order."""
    return yaml.dump(
        _plain(dict(doc)),
        Dumper=yaml.SafeDumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )


def validate_document(
    data: dict[str, Any], src: Src, *, check_sweep: bool = True
) -> ScenarioConfig:
    """One variant's merged document as a config with every behaviour slot resolved.

    Args:
        data: the document (after extends, variant merge and overrides).
        src: where each of its values came from, for error locations.
        check_sweep: also check the sweep's paths and ranges.

    Raises:
        ScenarioError: every problem found.
    """
    found = list(_non_finite(data, ()))
    behaviours, behaviour_issues = _check_behaviours(data.get("behaviours"))
    found += behaviour_issues
    config = None
    try:
        config = ScenarioConfig.model_validate(data)
    except ValidationError as exc:
        flagged = {path for path, _ in found}
        found += [(p, m) for p, m in translate(exc, ScenarioConfig, data) if p not in flagged]
    if config is not None and behaviours is not None and not found:
        config = config.model_copy(update={"behaviours": behaviours})
        if check_sweep:
            found += list(_check_sweep(config))
    if found or config is None:
        raise ScenarioError([src.issue(path, message) for path, message in found])
    return config


def _non_finite(value: Any, path: KeyPath) -> Iterator[tuple[KeyPath, str]]:
    if isinstance(value, float) and not math.isfinite(value):
        yield path, f"must be a finite number, got {show(value)}"
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _non_finite(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _non_finite(item, (*path, index))


def _check_behaviours(
    raw: Any,
) -> tuple[dict[str, BehaviourChoice] | None, list[tuple[KeyPath, str]]]:
    """Every slot's rule and parameters, checked by the registry; None and the issues when wrong."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        return None, [(("behaviours",), f"must be a mapping of slot to rule, got {show(raw)}")]
    chosen: dict[str, tuple[RuleSpec, RuleParams]] = {}
    issues: list[tuple[KeyPath, str]] = []
    for slot, choice in raw.items():
        path: KeyPath = ("behaviours", slot)
        if slot not in registry.SLOTS:
            slots = list(registry.SLOTS)
            issues.append((path, unknown_message("behaviour slot", slot, slots, "slots are")))
            continue
        problem = _choice_problem(choice)
        if problem:
            issues.append((path + problem[0], problem[1]))
            continue
        try:
            spec = registry.resolve(slot, choice["rule"])
        except registry.UnknownRuleError as exc:
            issues.append(((*path, "rule"), _unknown_rule(slot, choice["rule"], exc)))
            continue
        params = {k: v for k, v in choice.items() if k != "rule"}
        huge = [k for k, v in params.items() if _too_large(v)]
        if huge:  # a rule schema would fail turning it into a float
            issues += [
                ((*path, k), f"is too large for a number, got {show(params[k])}") for k in huge
            ]
            continue
        try:
            chosen[slot] = (spec, spec.cls.Params.model_validate(params, strict=True))
        except ValidationError as exc:
            issues += translate(exc, spec.cls.Params, params, path)
    if issues:
        return None, issues
    resolved = {}
    for slot in registry.SLOTS:
        spec, params = chosen.get(slot) or _default_rule(slot)
        resolved[slot] = BehaviourChoice.model_validate({"rule": spec.id, **params.model_dump()})
    return resolved, issues


def _too_large(value: Any) -> bool:
    return (
        isinstance(value, int) and not isinstance(value, bool) and abs(value) > sys.float_info.max
    )


def _choice_problem(choice: Any) -> tuple[KeyPath, str] | None:
    """What is wrong with a slot's ``{rule: ..., params...}`` mapping before its rule is looked up."""
    if not isinstance(choice, dict):
        return (), f"must be a mapping with a rule and its parameters, got {show(choice)}"
    if "rule" not in choice:
        return (), "missing required key 'rule'"
    ref = choice["rule"]
    if not isinstance(ref, str) or not re.fullmatch(r"[a-z0-9][a-z0-9_-]*(@[0-9]+)?", ref):
        return ("rule",), f"{RULE_HINT}, got {show(ref)}"
    return None


def _default_rule(slot: str) -> tuple[RuleSpec, RuleParams]:
    spec = registry.resolve(slot)
    return spec, spec.cls.Params()


def _unknown_rule(slot: str, ref: str, exc: registry.UnknownRuleError) -> str:
    name = ref.partition("@")[0]
    names = sorted({spec.name for spec in registry.all_rules() if spec.slot == slot})
    if name in names:
        return str(exc)  # a known rule without that version: the registry lists the versions
    message = unknown_message(f"{slot} rule", name, names, "registered rules are")
    return message + discovery.broken_note()


def _check_sweep(config: ScenarioConfig) -> Iterator[tuple[KeyPath, str]]:
    """Each swept path must name a numeric key, and both ends of its range must be valid values."""
    if config.sweep is None:
        return
    doc = resolved_document(config)
    for path, bounds in config.sweep.parameters.items():
        where = ("sweep", "parameters", path)
        try:
            _, annotation = resolve_path(doc, path)
        except PathError as exc:
            yield where, str(exc)
            continue
        if unwrap(annotation) not in (int, float):
            yield where, f"must name a numeric key; {path} is not a number"
            continue
        for end, bound in zip(("low", "high"), bounds, strict=True):
            try:
                with_overrides(config, {path: bound})
            except ScenarioError as exc:
                yield where, f"{end} = {number(bound)}: {exc.issues[0].message}"


def _plain(value: Any) -> Any:
    """Tuples as lists, recursively, so the data dumps as plain YAML."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
