"""Property: any YAML in gives a valid scenario or a clear ScenarioError, never a traceback.

Documents are random nested mappings, lists and scalars (with scenario keys mixed in so the schema
is reached), random text and bytes, YAML-looking text built from YAML's own punctuation, character
and byte edits of a valid file, and mutations of a valid scenario: a key dropped, a value of the
wrong type, an unknown key, a number far out of range, random unicode. ``--set`` strings, sweep
overrides and ``extends`` chains are fuzzed the same way, and a few hundred documents go through
``sim validate`` itself.

Each property runs ``FUZZ_EXAMPLES`` examples (default 200, so the suite stays fast); for a long
local run: ``FUZZ_EXAMPLES=5000 pytest tests/test_scenario_fuzz.py --hypothesis-show-statistics``.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sim.scenario import Scenario, ScenarioError, load_scenario, with_overrides

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "200"))
"""Examples per property test."""

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

VALID: dict[str, Any] = {
    "name": "fuzz",
    "description": "valid starting point",
    "seed": 1,
    "replicates": 2,
    "time": {"horizon_months": 12, "step": "month"},
    "market": {"opportunities_per_month": 60, "deal_size": {"median": 40000, "spread": 0.9}},
    "vendors": [
        {"name": "acme", "program": {"margin": 0.2, "deal_registration": True}},
        {"name": "rival", "comp_plan": {"partner_sourced_credit": 0.5}},
    ],
    "partners": {"count": 20, "vendors_per_partner": 2, "capacity": {"distribution": "pareto"}},
    "behaviours": {"partner_attention": {"rule": "softmax-utility", "temperature": 0.5}},
    "events": [{"at_month": 3, "vendor": "acme", "set": {"program.margin": 0.1}}],
    "variants": {
        "slow": {
            "events": [
                {"at_month": 3, "vendor": "acme", "set": {"program.margin": 0.1}, "ramp_months": 3}
            ]
        }
    },
    "sweep": {"parameters": {"vendors.acme.program.margin": [0.05, 0.3]}},
}

KEYS = [
    "name", "description", "seed", "replicates", "time", "market", "vendors", "partners",
    "behaviours", "events", "variants", "sweep", "extends", "program", "margin", "step",
    "horizon_months", "vendor", "set", "at_month", "rule", "partner_attention", "trust",
    "parameters", "method", "<<", "base", "../x",
]  # fmt: skip

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([10**400, -(10**400)]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["month", "week", "acme", "softmax-utility", "program.margin", "x.yaml", ""]),
)
keys = st.one_of(st.sampled_from(KEYS), st.text(min_size=1, max_size=8))
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=5)),
    max_leaves=25,
)


def check(path: Path, overrides: tuple[str, ...] = ()) -> None:
    """Loading gives a Scenario or a ScenarioError whose every line names where and what."""
    try:
        scenario = load_scenario(path, overrides)
    except ScenarioError as exc:
        text = str(exc)
        assert text and exc.issues
        given = path.read_bytes().decode("utf-8", "replace") + " ".join(overrides)
        for line in text.splitlines():
            assert line.startswith((str(path), "--set", "--seed", "--replicates", str(path.parent)))
            for leak in ("Input should", "pydantic"):  # pydantic's own wording never shows ...
                assert leak not in line or leak in given, line  # ... unless the input has it
    else:
        assert isinstance(scenario, Scenario) and list(scenario.variants)[0] == "base"


def dump(doc: Any) -> str:
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@FUZZ
@given(doc=documents)
def test_any_document(folder: Path, doc: Any) -> None:
    path = folder / "any.yaml"
    path.write_text(dump(doc), encoding="utf-8")
    check(path)


@FUZZ
@given(doc=st.dictionaries(keys, documents, max_size=3))
def test_any_mapping_with_a_valid_core(folder: Path, doc: dict[str, Any]) -> None:
    """Random keys on top of a valid scenario reach the deeper checks."""
    path = folder / "core.yaml"
    path.write_text(dump({**copy.deepcopy(VALID), **doc}), encoding="utf-8")
    check(path)


@FUZZ
@given(text=st.text(max_size=200))
def test_any_text(folder: Path, text: str) -> None:
    path = folder / "text.yaml"
    path.write_text(text, encoding="utf-8")
    check(path)


@FUZZ
@given(data=st.binary(max_size=200))
def test_any_bytes(folder: Path, data: bytes) -> None:
    path = folder / "bytes.yaml"
    path.write_bytes(data)
    check(path)


def _paths(doc: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix] if prefix else []
    if isinstance(doc, dict):
        for key, value in doc.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            out += _paths(value, (*prefix, index))
    return out


ALL_PATHS = _paths(VALID)


def _mutate(doc: dict[str, Any], path: tuple, kind: str, value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    parent = doc
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if kind == "drop":
        del parent[last]
    elif kind == "retype":
        parent[last] = value
    elif kind == "unknown" and isinstance(parent[last], dict):
        parent[last]["unknwn_key"] = value
    elif (
        kind == "scale"
        and isinstance(parent[last], int | float)
        and not isinstance(parent[last], bool)
    ):
        factor = value if isinstance(value, int | float) and not isinstance(value, bool) else -1
        try:
            parent[last] = parent[last] * factor
        except OverflowError:  # a float times an int too large for a float
            parent[last] = factor
    return doc


@FUZZ
@given(
    mutations=st.lists(
        st.tuples(
            st.sampled_from(ALL_PATHS),
            st.sampled_from(["drop", "retype", "unknown", "scale"]),
            st.one_of(scalars, st.sampled_from([-1, 1e6, 2, -1e-9, 1e300]), documents),
        ),
        min_size=1,
        max_size=3,
    )
)
def test_mutated_valid_scenario(folder: Path, mutations: list) -> None:
    doc = VALID
    for path, kind, value in mutations:
        try:
            doc = _mutate(doc, path, kind, value)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or retyped this path
    path = folder / "mutated.yaml"
    path.write_text(dump(doc), encoding="utf-8")
    check(path)


set_paths = st.one_of(
    st.sampled_from([p for p in ("seed", "replicates", "time.step", "time.horizon_months",
                                 "vendors.acme.program.margin", "vendors.rival", "vendors.nope.x",
                                 "behaviours.trust.gain_per_win", "behaviours.x.y", "events.0.vendor",
                                 "events.9", "sweep.parameters.vendors.acme.program.margin",
                                 "variants.slow", "partners.capacity.shape.x", "", ".", "a..b")]),
    st.text(max_size=20),
)  # fmt: skip
set_values = st.one_of(
    st.sampled_from(["0.5", "-1", "true", "abc", "", "[1, 2]", "{a: 1}", "!!python/none x", "1e400",
                     ".nan", "[", "0x1F", "~"]),
    st.text(max_size=10),
)  # fmt: skip


@FUZZ
@given(
    overrides=st.lists(st.tuples(set_paths, st.booleans(), set_values), max_size=3),
    doc=st.dictionaries(keys, documents, max_size=2),
)
@example(overrides=[("0", True, "0.5")], doc={"vendors": 1})  # suggestion when vendors is no list
def test_any_set_override(folder: Path, overrides: list, doc: dict[str, Any]) -> None:
    """``--set`` on a valid scenario, or on one with random keys replaced."""
    path = folder / "valid.yaml"
    path.write_text(dump({**VALID, **doc}), encoding="utf-8")
    check(path, tuple(f"{p}={v}" if eq else f"{p}{v}" for p, eq, v in overrides))


@pytest.fixture(scope="module")
def valid_config(folder: Path):
    path = folder / "base.yaml"
    path.write_text(dump(VALID), encoding="utf-8")
    return load_scenario(path).variant("base")


@FUZZ
@given(values=st.dictionaries(set_paths, scalars, max_size=3))
def test_any_sweep_override(valid_config, values: dict[str, Any]) -> None:
    try:
        changed = with_overrides(valid_config, values)
    except ScenarioError as exc:
        assert all(line.startswith("override: ") for line in str(exc).splitlines()), str(exc)
    else:
        assert changed.name == valid_config.name


# ------------------------------------------------------------------------------ YAML-shaped text
YAML_TOKENS = [
    "name", "vendors", "partners", "count", "acme", "margin", "extends", "variants", "events",
    ": ", ":", "- ", "-", " ", "  ", "\n", "\n  ", "\n    ", "\t", "\r\n", "[", "]", "{", "}", ",",
    "&a ", "*a", "&b ", "*b", "<<: ", "!!python/object/apply:os.getcwd []", "!!str ", "!!int ",
    "!!float ", "!!binary ", "!x ", "? ", "#", "'", '"', "|", ">", "---", "...", "%YAML 1.1",
    "0.5", "-1", "1e400", "1_000", "0x1F", ".inf", ".nan", "~", "null", "true", "yes", "2024-01-01",
    "\\", "\\0", "\x00", "\ufeff", "é", "🚀", "\u2028",
]  # fmt: skip
yaml_text = st.lists(st.sampled_from(YAML_TOKENS), max_size=60).map("".join)


@FUZZ
@given(text=yaml_text)
def test_yaml_shaped_text(folder: Path, text: str) -> None:
    """Text made of YAML's own punctuation reaches the parser's corners: anchors, tags, flow."""
    path = folder / "shaped.yaml"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    check(path)


VALID_TEXT = yaml.safe_dump(VALID, sort_keys=False)


@FUZZ
@given(
    edits=st.lists(
        st.tuples(
            st.integers(0, len(VALID_TEXT)),
            st.integers(0, 3),
            st.one_of(st.sampled_from(YAML_TOKENS), st.text(max_size=3)),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_edited_valid_text(folder: Path, edits: list[tuple[int, int, str]]) -> None:
    """A valid file with a few characters deleted or inserted: typos in a real file."""
    text = VALID_TEXT
    for at, delete, insert in edits:
        at = min(at, len(text))
        text = text[:at] + insert + text[at + delete :]
    path = folder / "edited.yaml"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    check(path)


@FUZZ
@given(at=st.integers(0, len(VALID_TEXT)), junk=st.binary(min_size=1, max_size=8))
def test_valid_text_with_junk_bytes(folder: Path, at: int, junk: bytes) -> None:
    data = VALID_TEXT.encode()
    path = folder / "junk.yaml"
    path.write_bytes(data[:at] + junk + data[at:])
    check(path)


unicode_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=20)


@FUZZ
@given(
    mutations=st.lists(
        st.tuples(st.sampled_from(ALL_PATHS), st.booleans(), unicode_text), min_size=1, max_size=3
    )
)
def test_random_unicode_keys_and_values(folder: Path, mutations: list) -> None:
    """Any unicode as a value, or as a key (holding the value that sat there) next to it."""
    doc = copy.deepcopy(VALID)
    for path, as_key, text in mutations:
        parent = doc
        try:
            for part in path[:-1]:
                parent = parent[part]
            if as_key and isinstance(parent, dict):
                parent[text] = parent.get(path[-1])
            else:
                parent[path[-1]] = text
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or retyped this path
    path = folder / "unicode.yaml"
    path.write_text(dump(doc), encoding="utf-8")
    check(path)


@FUZZ
@given(
    extremes=st.lists(
        st.tuples(
            st.sampled_from([p for p in ALL_PATHS if not isinstance(p[-1], int)]),
            st.sampled_from(
                [0, -0.0, 1, -1, 2**31, 2**63, -(2**63), 2**64, 10**19, 1e-320, 5e-324, 1e308,
                 -1e308, 1.7976931348623157e308, float("inf"), float("nan"), "", " ", "0", True]
            ),
        ),
        min_size=1,
        max_size=4,
    )
)  # fmt: skip
def test_value_extremes(folder: Path, extremes: list) -> None:
    """Boundary and overflow values anywhere a number or flag sits."""
    doc = VALID
    for path, value in extremes:
        try:
            doc = _mutate(doc, path, "retype", value)
        except (KeyError, IndexError, TypeError):
            continue
    path = folder / "extreme.yaml"
    path.write_text(dump(doc), encoding="utf-8")
    check(path)


# ------------------------------------------------------------------------------ extends chains
@FUZZ
@given(parent=documents, child=st.dictionaries(keys, documents, max_size=3))
def test_any_parent_under_a_valid_child(folder: Path, parent: Any, child: dict[str, Any]) -> None:
    """A valid child extending a random parent (and random keys of its own)."""
    (folder / "parent.yaml").write_text(dump(parent), encoding="utf-8")
    doc = {**copy.deepcopy(VALID), **child, "extends": "parent.yaml"}
    path = folder / "child.yaml"
    path.write_text(dump(doc), encoding="utf-8")
    check(path)


# ------------------------------------------------------------------------------ through the CLI
CLI = settings(FUZZ, max_examples=max(1, EXAMPLES // 4))


@CLI
@given(
    content=st.one_of(
        yaml_text.map(str.encode),
        documents.map(lambda d: dump(d).encode()),
        st.binary(max_size=100),
    )
)
def test_sim_validate_never_shows_a_traceback(folder: Path, content: bytes) -> None:
    """``sim validate`` on anything: exit 0 with OK, or exit 2 with messages on stderr."""
    from click.testing import CliRunner

    from cli import main

    path = folder / "cli.yaml"
    path.write_bytes(content)
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output + result.stderr
    if result.exit_code == 0:
        assert result.stdout.startswith("OK: ")
    else:
        assert result.exit_code == 2 and result.stderr.strip() and result.stdout == ""
