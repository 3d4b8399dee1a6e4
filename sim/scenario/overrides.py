"""Setting one key of a scenario document by path: ``--set vendors.acme.program.margin=0.12``.

Paths use dots between keys. Vendors are addressed by name (``vendors.acme.program.margin``), other
lists by position (``events.0.ramp_months``), behaviour parameters by slot
(``behaviours.partner_attention.temperature``). A path is checked against the schema before it is
set, so a typo is an error with a suggestion, never a silently ignored key.
"""

from __future__ import annotations

import difflib
import re
from typing import Any, get_args, get_origin

from sim.behaviours import registry
from sim.scenario.errors import (
    Issue,
    KeyPath,
    ScenarioError,
    format_path,
    is_model,
    show,
    unknown_message,
    unwrap,
)
from sim.scenario.schema import ScenarioConfig, VendorConfig
from sim.scenario.yaml_source import Src, parse_text

NOT_SETTABLE = ("extends", "variants")
"""Top-level keys that shape how a file is read; they cannot be overridden."""


class PathError(ValueError):
    """A key path that does not name a key of the scenario; the message says why."""


def parse_assignment(text: str) -> tuple[str, Any]:
    """Split ``PATH=VALUE`` and read VALUE as YAML (``0.12`` -> float, ``true`` -> bool, ``acme`` -> text).

    Raises:
        ScenarioError: no ``=``, an empty path, or a VALUE that is not plain YAML.
    """
    path, equals, value_text = text.partition("=")
    path = path.strip()
    if not equals or not path:
        message = "must be PATH=VALUE, e.g. vendors.acme.program.margin=0.12"
        raise ScenarioError([Issue("--set", None, text, message)])
    if not value_text.strip():
        return path, None
    try:
        value, _ = parse_text(value_text, "--set")
    except ScenarioError as exc:
        raise ScenarioError([Issue("--set", None, path, i.message) for i in exc.issues]) from None
    return path, value


def apply_override(
    doc: dict[str, Any], src: Src, path: str, value: Any, label: str, *, whole_numbers: bool = False
) -> None:
    """Set ``path`` to ``value`` in ``doc`` (in place), recording ``label`` as the value's origin.

    Args:
        doc: a raw scenario document (before validation).
        src: origins of ``doc``'s values.
        path: dotted key path, vendors by name.
        value: the new value.
        label: origin shown in error messages, e.g. ``--set``.
        whole_numbers: turn a float such as ``100.0`` into an int where the key is a whole number.

    Raises:
        ScenarioError: the path does not name a key of the scenario.
    """
    try:
        keys, annotation = resolve_path(doc, path)
        if whole_numbers and unwrap(annotation) is int and isinstance(value, float):
            value = int(value) if value.is_integer() else value
        _assign(doc, src, keys, value, label, path)
    except PathError as exc:
        raise ScenarioError([Issue(label, None, path, str(exc))]) from None


def resolve_path(doc: dict[str, Any], path: str) -> tuple[KeyPath, Any]:
    """The document key path named by the dotted ``path`` and the schema annotation of its value.

    A list entry may be named by position in brackets, as error messages write it:
    ``vendors[0].program.margin`` is the first vendor's margin, ``events[1].ramp_months`` the
    second event's ramp.

    Raises:
        PathError: an unknown key, vendor, slot or parameter, or a step into a single value.
    """
    parts = split_parts(path)
    if "" in parts:
        raise PathError("is not a key path; write keys with dots, e.g. vendors.acme.program.margin")
    annotation: Any = ScenarioConfig
    current: Any = doc
    keys: list[str | int] = []
    i = 0
    while i < len(parts):
        kind, part = unwrap(annotation), parts[i]
        if get_origin(kind) is not list and isinstance(part, int):
            raise PathError(f"{format_path(keys)} is not a list; it has no entry [{part}]")
        if is_model(kind):
            step: str | int = _model_key(kind, str(part), doc, path)
            annotation, used = kind.model_fields[str(part)].annotation, 1
        elif get_origin(kind) is list:
            annotation = get_args(kind)[0]
            if isinstance(part, int):
                step, used = _position(current, keys, str(part)), 1
            elif annotation is VendorConfig:
                step, used = _vendor(current, [str(p) for p in parts[i:]])
            else:
                step, used = _position(current, keys, part), 1
        elif get_origin(kind) is dict and tuple(keys) == ("behaviours",):
            return _behaviour(current, [str(p) for p in parts[i:]])
        elif get_origin(kind) is dict:
            return (*keys, ".".join(map(str, parts[i:]))), get_args(kind)[1]
        else:
            raise PathError(f"{format_path(keys)} is a single value; it has no key {part!r}")
        keys.append(step)
        current = _get(current, step)
        i += used
    return tuple(keys), annotation


def split_parts(path: str) -> list[str | int]:
    """``vendors[0].program.margin`` -> ``["vendors", 0, "program", "margin"]``; positions in
    brackets become whole numbers, every other part stays text."""
    parts: list[str | int] = []
    for piece in path.split("."):
        match = _INDEXED.fullmatch(piece)
        if match is None:
            parts.append(piece)
            continue
        parts.append(match.group(1))
        parts += [int(index) for index in re.findall(r"\d+", match.group(2))]
    return parts


_INDEXED = re.compile(r"([^\[\]]+)((?:\[\d+\])+)")


def settable_paths(doc: dict[str, Any]) -> list[str]:
    """Every single-value key path ``--set`` accepts in ``doc``, vendors by name
    (``vendors.acme.program.margin``); events, behaviours and the sweep's ranges left out."""
    vendors = doc.get("vendors") if isinstance(doc, dict) else None
    names = [
        v["name"]
        for v in (vendors if isinstance(vendors, list) else [])
        if isinstance(v, dict) and isinstance(v.get("name"), str)
    ]
    out: list[str] = []

    def walk(model: Any, prefix: str) -> None:
        for key, info in model.model_fields.items():
            path = f"{prefix}.{key}" if prefix else key
            kind = unwrap(info.annotation)
            if model is ScenarioConfig and key in (*NOT_SETTABLE, "events", "behaviours"):
                continue
            if is_model(kind):
                walk(kind, path)
            elif get_origin(kind) is list and get_args(kind)[0] is VendorConfig:
                for name in names or ["NAME"]:
                    walk(VendorConfig, f"{path}.{name}")
            elif get_origin(kind) not in (list, dict, tuple):
                out.append(path)

    walk(ScenarioConfig, "")
    return out


def path_suggestion(doc: dict[str, Any], path: str) -> str | None:
    """The key path a mistyped ``path`` most likely means: one that ends with it
    (``acme.program.margin`` -> ``vendors.acme.program.margin``, ``horizon_months`` ->
    ``time.horizon_months``), else the closest whole path; None when nothing is close."""
    candidates = settable_paths(doc)
    ending = [c for c in candidates if c == path or c.endswith("." + path)]
    if ending:
        return ending[0]
    close = difflib.get_close_matches(path, candidates, n=1, cutoff=0.75)
    return close[0] if close else None


def _get(container: Any, step: str | int) -> Any:
    if isinstance(container, dict):
        return container.get(step)
    if isinstance(container, list) and isinstance(step, int) and step < len(container):
        return container[step]
    return None


def _model_key(model: Any, key: str, doc: dict[str, Any], path: str) -> str:
    if model is ScenarioConfig and key in NOT_SETTABLE:
        raise PathError(f"{key!r} cannot be overridden; change it in the file")
    if key not in model.model_fields:
        hint = path_suggestion(doc, path)
        meant = f"; did you mean {hint}?" if hint else ";"
        raise PathError(f"unknown key {key!r}{meant} allowed keys: {', '.join(model.model_fields)}")
    return key


def _vendor(vendors: Any, parts: list[str]) -> tuple[int, int]:
    """Index of the vendor named at the start of ``parts`` and how many parts its name takes."""
    entries = vendors if isinstance(vendors, list) else []
    names = [v.get("name") for v in entries if isinstance(v, dict)]
    rest = ".".join(parts)
    for index, name in sorted(enumerate(names), key=lambda item: -len(str(item[1]))):
        if isinstance(name, str) and (rest == name or rest.startswith(name + ".")):
            return index, name.count(".") + 1
    known = [n for n in names if isinstance(n, str)]
    raise PathError(unknown_message("vendor", parts[0], known, "vendors are"))


def _position(items: Any, keys: list[str | int], part: str) -> int:
    where = format_path(keys)
    if not part.isdigit():
        raise PathError(
            f"{where} is a list; name an entry by its position (0, 1, ...), got {part!r}"
        )
    size = len(items) if isinstance(items, list) else 0
    if int(part) >= size:
        raise PathError(f"{where} has no entry {part}; it has {size}")
    return int(part)


def _behaviour(behaviours: Any, parts: list[str]) -> tuple[KeyPath, Any]:
    slot = parts[0]
    if slot not in registry.SLOTS:
        raise PathError(unknown_message("behaviour slot", slot, list(registry.SLOTS), "slots are"))
    if len(parts) == 1:
        return ("behaviours", slot), dict
    if len(parts) > 2:
        raise PathError(
            f"behaviours.{slot}.{parts[1]} is a single value; it has no key {parts[2]!r}"
        )
    param = parts[1]
    if param == "rule":
        return ("behaviours", slot, "rule"), str
    choice = behaviours.get(slot) if isinstance(behaviours, dict) else None
    ref = choice.get("rule") if isinstance(choice, dict) else None
    try:
        spec = registry.resolve(slot, ref if isinstance(ref, str) else None)
    except (registry.UnknownRuleError, ValueError):
        return ("behaviours", slot, param), None  # the unknown rule is reported when validating
    fields = spec.cls.Params.model_fields
    if param not in fields:
        listing = f"parameters of {slot} rule {spec.id} are"
        raise PathError(unknown_message("parameter", param, ["rule", *fields], listing))
    return ("behaviours", slot, param), fields[param].annotation


def _assign(doc: Any, src: Src, keys: KeyPath, value: Any, label: str, shown: str) -> None:
    container, node = doc, src
    for depth, key in enumerate(keys[:-1]):
        inner = _get(container, key)
        if inner is None:
            slot_key = depth == 1 and keys[0] == "behaviours"
            inner = {"rule": registry.DEFAULT_RULES[str(key)]} if slot_key else {}
            container[key] = inner
            node.children[key] = Src(label, None, format_path(keys[: depth + 1]))
        elif not isinstance(inner, list if isinstance(keys[depth + 1], int) else dict):
            where = format_path(keys[: depth + 1])
            raise PathError(f"cannot set a key inside {where}: it is {show(inner)}, not a mapping")
        if key not in node.children:
            node.children[key] = node.child(key)
        container, node = inner, node.children[key]
    container[keys[-1]] = value
    node.children[keys[-1]] = Src(label, None, shown)
