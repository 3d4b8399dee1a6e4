"""YAML documents that remember where each value came from.

:func:`read_document` reads one scenario file safely (plain values only: no tag constructs an object)
and returns the data plus a :class:`Src` tree parallel to it, so an error at any key path can name
the file and line that supplied the value. :func:`merge` deep-merges two such documents (mappings
merge, everything else is replaced) and keeps each value's origin.
"""

from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from sim.scenario.errors import Issue, KeyPath, ScenarioError, format_path, show

MAX_BYTES = 1_000_000
"""Largest scenario file read, in bytes."""
MAX_VALUES = 200_000
"""Most values one document may expand to (YAML aliases can multiply a small file)."""
MAX_DEPTH = 50
"""Deepest nesting of mappings and lists."""

_STD = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_STD}{t}" for t in ("str", "int", "float", "bool", "null")}
_TEXT_TAGS = {f"{_STD}timestamp", f"{_STD}str"}


@dataclass
class Src:
    """Where a value came from: file, line (1-based, None for command-line values) and the key path
    as written there; ``children`` mirrors the value's keys or list positions."""

    file: str
    line: int | None
    shown: str
    children: dict[str | int, Src] = field(default_factory=dict)

    def locate(self, path: KeyPath) -> tuple[str, int | None, str]:
        """File, line and displayed key path of ``path``: the deepest value along it that exists."""
        node, rest = self, tuple(path)
        while rest:
            size = _dotted_key(node, rest)
            if not size:
                break
            key = rest[0] if size == 1 else ".".join(map(str, rest[:size]))
            node, rest = node.children[key], rest[size:]
        return node.file, node.line, format_path(rest, node.shown)

    def child(self, key: str | int) -> Src:
        """Origin of the value at ``key`` (this value's origin when it was not recorded)."""
        found = self.children.get(key)
        return (
            found
            if found is not None
            else Src(self.file, self.line, format_path([key], self.shown))
        )

    def issue(self, path: KeyPath, message: str) -> Issue:
        """An :class:`Issue` at ``path``."""
        file, line, shown = self.locate(path)
        return Issue(file, line, shown, message)


def _dotted_key(node: Src, rest: KeyPath) -> int:
    """How many parts of ``rest`` name one child of ``node``: 1 for a plain key, more for a key
    with dots in it such as an event's ``program.margin``; 0 when none does."""
    if rest[0] in node.children:
        return 1
    for size in range(2, len(rest) + 1):
        parts = rest[:size]
        if all(isinstance(p, str) for p in parts) and ".".join(parts) in node.children:
            return size
    return 0


class _TooDeep(Exception):
    """Nesting far beyond :data:`MAX_DEPTH`, stopped while composing (before Python's recursion
    limit), at the line where it goes too deep."""

    def __init__(self, line: int) -> None:
        self.line = line


class _Loader(yaml.SafeLoader):
    """SafeLoader that also reads ``1e5`` and ``2.5e-3`` as numbers (YAML 1.2 style) and stops
    composing nodes nested deeper than a little over :data:`MAX_DEPTH` (the builder gives the
    exact message, with the key path, for depths just above it)."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH + 100:
                raise _TooDeep(self.peek_event().start_mark.line + 1)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


_Loader.add_implicit_resolver(
    f"{_STD}float",
    re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


def read_document(path: Path, shown: str) -> tuple[Any, Src]:
    """Read the YAML file ``path`` (shown to the user as ``shown``) into plain data and its origins.

    Raises:
        ScenarioError: the file is missing, too large, not UTF-8, not valid YAML, empty, or uses a
            tag or construct that is not a plain value.
    """
    return parse_text(_read_text(path, shown), shown)


def parse_text(text: str, shown: str, path: KeyPath = ()) -> tuple[Any, Src]:
    """Parse YAML ``text``; ``path`` is where it sits in the scenario (for ``--set`` values)."""
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        raise ScenarioError([_syntax_issue(exc, shown, format_path(path))]) from None
    except yaml.YAMLError as exc:  # ReaderError: a character YAML does not allow
        raise ScenarioError([_reader_issue(exc, text, shown)]) from None
    except _TooDeep as exc:
        message = f"nesting is deeper than {MAX_DEPTH} levels"
        raise ScenarioError([Issue(shown, exc.line, format_path(path), message)]) from None
    except RecursionError:
        raise ScenarioError([Issue(shown, None, "", "nesting is too deep")]) from None
    if node is None:
        raise ScenarioError([Issue(shown, None, format_path(path), "file is empty")])
    builder = _Builder(loader, shown)
    data, src = builder.build(node, path, node.start_mark.line + 1, 0)
    if builder.issues:
        raise ScenarioError(builder.issues)
    return data, src


def _read_text(path: Path, shown: str) -> str:
    def fail(message: str, line: int | None = None) -> ScenarioError:
        return ScenarioError([Issue(shown, line, "", message)])

    try:
        if not path.exists():
            raise fail("file not found")
        if path.is_dir():
            raise fail("is a directory, not a scenario file")
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise fail(f"cannot read the file: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:
        raise fail(
            f"file is larger than {MAX_BYTES // 1_000_000} MB; a scenario file is small text"
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        byte = raw[exc.start]
        raise fail(f"is not UTF-8 text (byte 0x{byte:02x}); save it as UTF-8", line) from None


def _syntax_issue(exc: yaml.MarkedYAMLError, shown: str, path: str) -> Issue:
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or exc.context or "not valid YAML"
    if exc.context and exc.problem and exc.problem.startswith("but "):
        problem = f"{exc.context}, {exc.problem}"  # "expected a single document, but found ..."
    elif exc.context and exc.problem and exc.context_mark is not None:
        problem = f"{problem} ({exc.context} at line {exc.context_mark.line + 1})"
    message = f"invalid YAML: {problem}"
    if "'\\t'" in problem:  # PyYAML writes the tab escaped
        message += "; use spaces, not tabs"
    elif "<block" in problem:
        message += "; check the indentation"
    if mark is None:
        return Issue(shown, None, path, message)
    return Issue(shown, mark.line + 1, path, message, column=mark.column + 1)


def _reader_issue(exc: yaml.YAMLError, text: str, shown: str) -> Issue:
    position = getattr(exc, "position", 0)
    character = getattr(exc, "character", "")
    code = ord(character) if isinstance(character, str) and character else int(character or 0)
    line = text.count("\n", 0, position) + 1
    return Issue(
        shown, line, "", f"contains the control character #x{code:04x}, which YAML does not allow"
    )


class _Builder:
    """Turns composed YAML nodes into plain data and a :class:`Src` tree, collecting issues."""

    def __init__(self, loader: _Loader, file: str) -> None:
        self.loader = loader
        self.file = file
        self.issues: list[Issue] = []
        self.count = 0

    def fail(self, line: int, path: KeyPath, message: str) -> tuple[None, Src]:
        self.issues.append(Issue(self.file, line, format_path(path), message))
        return None, Src(self.file, line, format_path(path))

    def build(self, node: Node, path: KeyPath, line: int, depth: int) -> tuple[Any, Src]:
        """The value of ``node`` (found at ``line`` under ``path``) and its origin tree."""
        self.count += 1
        if self.count > MAX_VALUES:
            if self.count == MAX_VALUES + 1:
                message = f"the document expands to more than {MAX_VALUES} values (YAML aliases?)"
                self.fail(line, path[:1], message)
            return None, Src(self.file, line, format_path(path))
        if depth > MAX_DEPTH:
            return self.fail(line, path[:1], f"nesting is deeper than {MAX_DEPTH} levels")
        if isinstance(node, MappingNode):
            return self._mapping(node, path, line, depth)
        if isinstance(node, SequenceNode):
            return self._sequence(node, path, line, depth)
        return self._scalar(node, path, line)

    def _tag_problem(self, node: Node, allowed: set[str]) -> str | None:
        if node.tag in allowed:
            return None
        tag = node.tag.replace(_STD, "!!")
        return f"YAML tag {tag!r} is not allowed; a scenario holds plain text, numbers, true/false, lists and mappings"

    def _scalar(self, node: ScalarNode, path: KeyPath, line: int) -> tuple[Any, Src]:
        if node.tag in _TEXT_TAGS:
            return node.value, Src(self.file, line, format_path(path))
        problem = self._tag_problem(node, _SCALAR_TAGS)
        if problem:
            return self.fail(line, path, problem)
        try:
            value = self.loader.construct_object(node)
        except Exception:  # noqa: BLE001 - e.g. '!!int abc' or an int too long to read
            tag = node.tag.replace(_STD, "!!")
            return self.fail(line, path, f"cannot read {show(node.value)} as {tag}")
        if isinstance(value, float) and math.isinf(value) and "inf" not in node.value.lower():
            return self.fail(line, path, f"{node.value} is too large for a number")
        return value, Src(self.file, line, format_path(path))

    def _sequence(
        self, node: SequenceNode, path: KeyPath, line: int, depth: int
    ) -> tuple[Any, Src]:
        problem = self._tag_problem(node, {f"{_STD}seq"})
        if problem:
            return self.fail(line, path, problem)
        data: list[Any] = []
        src = Src(self.file, line, format_path(path))
        for index, item in enumerate(node.value):
            value, src.children[index] = self.build(
                item, (*path, index), item.start_mark.line + 1, depth + 1
            )
            data.append(value)
        return data, src

    def _mapping(self, node: MappingNode, path: KeyPath, line: int, depth: int) -> tuple[Any, Src]:
        problem = self._tag_problem(node, {f"{_STD}map"})
        if problem:
            return self.fail(line, path, problem)
        data: dict[str, Any] = {}
        src = Src(self.file, line, format_path(path))
        first_line: dict[str, int] = {}
        merged: list[tuple[dict[str, Any], Src]] = []
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            if key_node.tag == f"{_STD}merge":
                merged.extend(self._merge_sources(value_node, path, key_line, depth))
                continue
            key = self._key(key_node, path, key_line)
            if key is None:
                continue
            if key in first_line:
                self.fail(
                    key_line,
                    (*path, key),
                    f"duplicate key {key!r} (first at line {first_line[key]})",
                )
                continue
            first_line[key] = key_line
            data[key], src.children[key] = self.build(value_node, (*path, key), key_line, depth + 1)
        for extra, extra_src in merged:  # '<<: *anchor' keys fill in what is not written out
            for key, value in extra.items():
                if key not in data:
                    data[key], src.children[key] = value, extra_src.children[key]
        return data, src

    def _key(self, node: Node, path: KeyPath, line: int) -> str | None:
        if not isinstance(node, ScalarNode):
            self.fail(line, path, "a key must be plain text, not a list or mapping")
            return None
        problem = self._tag_problem(node, _SCALAR_TAGS | _TEXT_TAGS)
        if problem:
            self.fail(line, path, problem)
            return None
        return node.value

    def _merge_sources(
        self, node: Node, path: KeyPath, line: int, depth: int
    ) -> list[tuple[dict[str, Any], Src]]:
        nodes = node.value if isinstance(node, SequenceNode) else [node]
        out = []
        for item in nodes:
            if not isinstance(item, MappingNode):
                self.fail(line, path, "'<<' must name a mapping (an alias such as *defaults)")
                continue
            value, src = self._mapping(item, path, line, depth + 1)
            if isinstance(value, dict):
                out.append((value, src))
        return out


def merge(base: Any, base_src: Src, over: Any, over_src: Src) -> tuple[Any, Src]:
    """Deep-merge ``over`` onto ``base``: mappings merge key by key, anything else is replaced.

    Neither input is changed; each merged value keeps the origin of the document that supplied it.
    """
    if not (isinstance(base, dict) and isinstance(over, dict)):
        return over, over_src
    data = dict(base)
    src = Src(over_src.file, over_src.line, over_src.shown, dict(base_src.children))
    for key, value in over.items():
        value_src = over_src.child(key)
        if key in base:
            data[key], src.children[key] = merge(base[key], base_src.child(key), value, value_src)
        else:
            data[key], src.children[key] = value, value_src
    return data, src


def copied(data: Any, src: Src) -> tuple[Any, Src]:
    """Independent copies of a document and its origins, safe to change in place."""
    return copy.deepcopy(data), copy.deepcopy(src)
