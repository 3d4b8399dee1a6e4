"""Scenario errors a user can act on: where (file, line, key path) and what is allowed.

:class:`ScenarioError` carries one :class:`Issue` per problem and prints one line per issue, e.g.
``scenarios/x.yaml:14: vendors[0].program.margin: must be between 0 and 1, got 1.5``.
:func:`translate` turns a pydantic ``ValidationError`` into ``(key path, message)`` pairs in that
wording: ranges, types, allowed literals, unknown keys with a suggestion, missing keys. Pydantic's own
wording and links never reach the user.
"""

from __future__ import annotations

import difflib
import re
import types
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Union, get_args, get_origin

import annotated_types as at
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from sim.scenario.names import NAME_PATTERN, NAME_RULE, VENDOR_NAME_PATTERN, VENDOR_NAME_RULE

KeyPath = tuple[str | int, ...]
"""A key path into a scenario document: ``("vendors", 0, "program", "margin")``."""


@dataclass(frozen=True)
class Issue:
    """One problem in a scenario: where it is and what is wrong."""

    file: str
    line: int | None
    path: str
    message: str
    column: int | None = None

    def __str__(self) -> str:
        where = _printable(self.file)
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        path, message = _printable(self.path), _printable(self.message)
        return f"{where}: {path}: {message}" if path else f"{where}: {message}"


def _printable(text: str) -> str:
    """``text`` with line breaks and control characters escaped, so an issue stays on one line."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


class ScenarioError(Exception):
    """A scenario file, override or option is invalid; ``str()`` gives one line per issue."""

    def __init__(self, issues: Iterable[Issue]) -> None:
        unique = list(dict.fromkeys(issues))
        self.issues: list[Issue] = sorted(unique, key=lambda i: (i.file, i.line or 0))
        super().__init__("\n".join(str(issue) for issue in self.issues))

    def __str__(self) -> str:
        return "\n".join(str(issue) for issue in self.issues)


# ---------------------------------------------------------------------------------------------
# Paths, values and suggestions


def format_path(path: Sequence[str | int], start: str = "") -> str:
    """``("vendors", 0, "name")`` -> ``vendors[0].name``, appended to ``start``."""
    out = start
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


_KEY = r"[A-Za-z0-9_][\w-]*(?:\[\d+\])*"
_PATH_PREFIX = re.compile(rf"^({_KEY}(?:\.{_KEY})*): (.+)$", re.S)


def parse_path(text: str) -> KeyPath:
    """``vendors[0].name`` -> ``("vendors", 0, "name")`` (the inverse of :func:`format_path`)."""
    out: list[str | int] = []
    for token in re.findall(r"[^.\[\]]+|\[\d+\]", text):
        out.append(int(token[1:-1]) if token.startswith("[") else token)
    return tuple(out)


def split_message_path(message: str) -> tuple[KeyPath, str]:
    """Split ``"partners.count: must ..."`` into the key path it starts with and the rest."""
    match = _PATH_PREFIX.match(message)
    if match is None:
        return (), message
    return parse_path(match.group(1)), match.group(2)


def suggest(word: str, options: Iterable[str]) -> str:
    """``"; did you mean 'margin'?"`` when ``word`` is close to one of ``options``, else ``""``."""
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def unknown_message(what: str, word: str, options: Sequence[str], listing: str) -> str:
    """``unknown key 'margn'; did you mean 'margin'? allowed keys: margin, rebate``."""
    hint = suggest(word, options)
    allowed = ", ".join(options) or "none"
    return f"unknown {what} {word!r}{hint or ';'} {listing}: {allowed}"


def number(value: float) -> str:
    """A bound or value as a person writes it: ``1`` not ``1.0``, ``0.05``, ``1e-06``."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return str(value)


def show(value: Any, limit: int = 60) -> str:
    """A value as YAML would show it, shortened: ``'abc'``, ``1.5``, ``true``, ``null``, ``[1, 2]``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        text = number(value)
    elif isinstance(value, str):
        text = repr(value)
    elif isinstance(value, dict):
        text = "{" + ", ".join(f"{k}: {show(v, limit)}" for k, v in value.items()) + "}"
    elif isinstance(value, list | tuple):
        text = "[" + ", ".join(show(v, limit) for v in value) + "]"
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ---------------------------------------------------------------------------------------------
# Walking the schema


def unwrap(annotation: Any) -> Any:
    """Strip ``Annotated`` and ``| None`` from an annotation."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            members = [a for a in get_args(annotation) if a is not type(None)]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation


def is_model(annotation: Any) -> bool:
    """True for a pydantic model class."""
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def child_annotation(annotation: Any, part: str | int) -> tuple[Any, FieldInfo | None]:
    """The annotation (and field, for a model key) one step below ``annotation``."""
    annotation = unwrap(annotation)
    if is_model(annotation):
        info = annotation.model_fields.get(part) if isinstance(part, str) else None
        return (info.annotation, info) if info is not None else (None, None)
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is list and args:
        return args[0], None
    if origin is dict and len(args) == 2:
        return args[1], None
    if origin is tuple and args:
        return args[0], None
    return None, None


def walk(root: Any, path: KeyPath) -> tuple[Any, FieldInfo | None]:
    """Annotation and field info at ``path`` below ``root``; ``(None, None)`` when not in the schema."""
    annotation, info = root, None
    for part in path:
        annotation, info = child_annotation(annotation, part)
        if annotation is None:
            return None, None
    return annotation, info


def range_text(info: FieldInfo | None) -> str | None:
    """``between 0 and 1``, ``at least 0``, ``above 0 and at most 100``; None without bounds."""
    if info is None:
        return None
    low = high = None  # (value, inclusive)
    for item in info.metadata:
        if isinstance(item, at.Ge | at.Gt):
            value, inclusive = (item.ge, True) if isinstance(item, at.Ge) else (item.gt, False)
            if low is None or value > low[0] or (value == low[0] and not inclusive):
                low = (value, inclusive)
        elif isinstance(item, at.Le | at.Lt):
            value, inclusive = (item.le, True) if isinstance(item, at.Le) else (item.lt, False)
            if high is None or value < high[0] or (value == high[0] and not inclusive):
                high = (value, inclusive)
    if low and high and low[1] and high[1]:
        return f"between {number(low[0])} and {number(high[0])}"
    parts = []
    if low:
        parts.append(f"{'at least' if low[1] else 'above'} {number(low[0])}")
    if high:
        parts.append(f"{'at most' if high[1] else 'below'} {number(high[0])}")
    return " and ".join(parts) or None


# ---------------------------------------------------------------------------------------------
# Pydantic errors -> (path, message)

_TYPE_WORDS = {
    "float_type": "a number",
    "float_parsing": "a number",
    "finite_number": "a finite number",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "text",
    "dict_type": "a mapping of keys to values",
    "model_type": "a mapping of keys to values",
    "model_attributes_type": "a mapping of keys to values",
    "list_type": "a list",
    "tuple_type": "a list",
}
_RANGE_TYPES = {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}
RULE_HINT = (
    "must be a rule name such as softmax-utility or softmax-utility@1 "
    "(lowercase letters, digits, '-' and '_', optionally @version)"
)
NAME_HINT = f"must be a plain name: {NAME_RULE}"
VENDOR_NAME_HINT = f"must be a vendor name: {VENDOR_NAME_RULE}"


def data_path(data: Any, loc: Sequence[str | int]) -> KeyPath:
    """The part of a pydantic ``loc`` that names keys in ``data`` (drops union member tags)."""
    out: list[str | int] = []
    current = data
    for part in loc:
        if isinstance(current, dict):
            out.append(part)
            if part not in current:
                break
            current = current[part]
        elif isinstance(current, list | tuple) and isinstance(part, int) and part < len(current):
            out.append(part)
            current = current[part]
        else:
            break
    return tuple(out)


def translate(
    error: ValidationError, root: type[BaseModel], data: Any, prefix: KeyPath = ()
) -> list[tuple[KeyPath, str]]:
    """Pydantic errors of validating ``data`` against ``root`` as ``(key path, message)`` pairs.

    Args:
        error: the validation error.
        root: the model that was validated, for allowed keys and bounds.
        data: the input that was validated, to tell keys from union member tags.
        prefix: key path of ``data`` inside the scenario document.
    """
    grouped: dict[KeyPath, list[dict[str, Any]]] = {}
    for err in error.errors(include_url=False):
        grouped.setdefault(data_path(data, err["loc"]), []).append(err)
    out: list[tuple[KeyPath, str]] = []
    for path, errors in grouped.items():
        kinds = [e for e in errors if e["type"] in _TYPE_WORDS]
        if kinds:
            words = list(dict.fromkeys(_TYPE_WORDS[e["type"]] for e in kinds))
            out.append(
                (prefix + path, f"must be {' or '.join(words)}, got {show(kinds[0]['input'])}")
            )
            errors = [e for e in errors if e["type"] not in _TYPE_WORDS]
        for err in errors:
            where, message = _message(err, root, path)
            out.append((prefix + where, message))
    return list(dict.fromkeys(out))


def _message(err: dict[str, Any], root: type[BaseModel], path: KeyPath) -> tuple[KeyPath, str]:
    kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    got = f", got {show(value)}"
    if kind == "missing" and isinstance(err["loc"][-1], int):  # a [low, high] pair too short
        return (
            path,
            f"must be [low, high], got {show(list(value) if isinstance(value, tuple) else value)}",
        )
    if kind == "missing":
        return path[:-1], f"missing required key {path[-1]!r}"
    if kind == "extra_forbidden":
        owner = unwrap(walk(root, path[:-1])[0])
        allowed = list(owner.model_fields) if is_model(owner) else []
        return path, unknown_message("key", str(path[-1]), allowed, "allowed keys")
    if kind in _RANGE_TYPES:
        bounds = range_text(walk(root, path)[1]) or _ctx_bound(kind, ctx)
        return path, f"must be {bounds}{got}"
    if kind == "literal_error":
        expected = str(ctx.get("expected", ""))
        allowed = ", ".join(re.findall(r"'([^']*)'", expected)) or expected  # 3, 6 or 12
        return path, f"must be one of {allowed}{got}"
    if kind == "string_pattern_mismatch":
        pattern = ctx.get("pattern")
        hint = {NAME_PATTERN: NAME_HINT, VENDOR_NAME_PATTERN: VENDOR_NAME_HINT}.get(pattern)
        hint = hint or (RULE_HINT if path[-1:] == ("rule",) else f"must match {pattern}")
        return path, hint + got
    if kind == "string_too_long":
        size = len(value) if isinstance(value, str) else "more"
        return path, f"must be at most {ctx.get('max_length')} characters long (it has {size})"
    if kind in ("too_short", "too_long"):
        return path, _length_message(kind, ctx, value)
    if kind in ("value_error", "assertion_error"):
        where, message = split_message_path(str(ctx.get("error", err["msg"])))
        return path + where, message
    return path, f"is not valid ({err['msg'].lower()}){got}"


def _ctx_bound(kind: str, ctx: dict[str, Any]) -> str:
    words = {
        "greater_than": ("above", "gt"),
        "greater_than_equal": ("at least", "ge"),
        "less_than": ("below", "lt"),
        "less_than_equal": ("at most", "le"),
    }[kind]
    return f"{words[0]} {number(ctx.get(words[1], '?'))}"


def _length_message(kind: str, ctx: dict[str, Any], value: Any) -> str:
    if ctx.get("field_type") == "Tuple":
        return (
            f"must be [low, high], got {show(list(value) if isinstance(value, tuple) else value)}"
        )
    if kind == "too_short":
        size = ctx.get("min_length")
        return f"must have at least {size} entr{'y' if size == 1 else 'ies'}, got {show(value)}"
    size = ctx.get("max_length")
    return f"must have at most {size} entries, got {ctx.get('actual_length')}"
