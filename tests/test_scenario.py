"""Scenario files: what loads, what is refused, and what the user is told.

A scenario is read in layers: the file, merged onto the files it ``extends``; each variant merged onto
that; ``--set`` overrides on top of every variant; then validation. These tests pin each layer and the
exact messages of ``tests/scenarios/broken/`` (see its README).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from sim.behaviours import registry
from sim.behaviours.registry import RuleParams
from sim.scenario import (
    Scenario,
    ScenarioError,
    dump_yaml,
    load_scenario,
    resolved_behaviours,
    resolved_document,
    starter_scenario,
    with_overrides,
)
from sim.scenario.errors import is_model, unwrap
from sim.scenario.schema import ScenarioConfig

ROOT = Path(__file__).resolve().parents[1]
BROKEN = Path(__file__).parent / "scenarios" / "broken"
BROKEN_CASES = sorted(p.name for p in BROKEN.glob("*.yaml") if not p.name.startswith("_"))

MINIMAL = """\
name: mini
vendors:
  - name: acme
  - name: rival
partners: {vendors_per_partner: 2}
"""

FULL = """\
name: full
description: Two vendors, a cut, a gradual variant and a sweep.
seed: 3
replicates: 4
time: {horizon_months: 24, step: week}
vendors:
  - name: acme
    program: {margin: 0.2, deal_registration: false}
  - name: rival
    comp_plan: {partner_sourced_credit: 0}
partners: {count: 50, vendors_per_partner: 2, capacity: {distribution: lognormal, shape: 0.8}}
behaviours:
  partner_attention: {rule: softmax-utility, temperature: 0.4}
events:
  - {at_month: 12, vendor: acme, set: {program.margin: 0.12, program.deal_registration: true}}
variants:
  gradual:
    events:
      - {at_month: 12, vendor: acme, set: {program.margin: 0.12}, ramp_months: 9, notice_months: 3}
  rich:
    vendors:
      - {name: acme, program: {margin: 0.3}}
      - {name: rival}
sweep:
  method: sobol
  samples: 8
  parameters:
    vendors.acme.program.margin: [0.05, 0.3]
    partners.count: [20, 80]
    behaviours.trust.gain_per_win: [0.0, 0.05]
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path | str, *overrides: str, **flags: int) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides, **flags)
    return str(info.value)


# ------------------------------------------------------------------------------ broken files


def expected_lines(path: Path) -> list[str]:
    prefix = "# expect: "
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line[len(prefix) :] for line in lines if line.startswith(prefix)]


@pytest.mark.parametrize("case", BROKEN_CASES)
def test_broken_scenario(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each broken file gives exactly the message in its ``# expect:`` lines."""
    expected = expected_lines(BROKEN / case)
    assert expected, f"{case} has no '# expect:' line"
    monkeypatch.chdir(BROKEN)
    assert error_of(case).splitlines() == expected


def test_broken_messages_speak_plainly() -> None:
    """No pydantic wording, type names or links reach the user."""
    for case in BROKEN_CASES:
        for line in expected_lines(BROKEN / case):
            assert not re.search(r"Input should|pydantic|https?://|Value error|\[type=", line), line


def _bomb() -> bytes:
    rows = ["a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9, 0]"]
    for prev, name in zip("abcde", "bcdef", strict=True):
        rows.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
    return ("\n".join(rows) + "\n").encode()


_TWO = b"name: x\nvendors: [{name: a}, {name: b}]\npartners: {vendors_per_partner: 2}\n"
_EVENT = b"{at_month: 1, vendor: a, set: {program.margin: 0.1}}"


def _events(n: int) -> bytes:
    return b"events: [" + b", ".join(_EVENT.replace(b"1,", str(i).encode() + b",", 1)
                                      for i in range(n)) + b"]\n"  # fmt: skip


GENERATED = {
    "too-many-variants": (
        _TWO + b"variants:\n" + b"".join(b"  v%d: {seed: %d}\n" % (i, i) for i in range(1001)),
        "too-many-variants.yaml:4: variants: 1001 variants, more than the limit of 1000 per file; "
        "for many points of a parameter space use a sweep: block and sim sweep",
    ),
    "too-many-events": (
        _TWO + _events(1001),
        "too-many-events.yaml:4: events: 1001 events, more than the limit of 1000 per variant",
    ),
    "too-many-events-in-all": (
        _TWO
        + _events(1000)
        + b"variants:\n"
        + b"".join(b"  v%d: {seed: %d}\n" % (i, i) for i in range(20)),
        "too-many-events-in-all.yaml:4: events: 21 variants with these events make 21000 "
        "events to validate, more than the limit of 20000; use fewer variants or events",
    ),  # fmt: skip
    "nesting-far-too-deep": (
        b"name: x\nd: " + b"[" * 5000 + b"]" * 5000 + b"\n",
        "nesting-far-too-deep.yaml:2: nesting is deeper than 50 levels",
    ),
    "not-utf8": (
        b"name: x\n\xff\xfe oops\n",
        "not-utf8.yaml:2: is not UTF-8 text (byte 0xff); save it as UTF-8",
    ),
    "control-character": (
        b"name: x\x00\n",
        "control-character.yaml:1: contains the control character #x0000, which YAML does not allow",
    ),
    "too-large": (
        b"name: x\n#" + b"x" * 1_000_001 + b"\n",
        "too-large.yaml: file is larger than 1 MB; a scenario file is small text",
    ),
    "two-documents": (
        b"name: x\n---\nname: y\n",
        "two-documents.yaml:2:1: invalid YAML: expected a single document in the stream, "
        "but found another document",
    ),
    "alias-bomb": (_bomb(), "the document expands to more than 200000 values (YAML aliases?)"),
    "alias-loop": (b"a: &x [*x]\n", "alias-loop.yaml:1: a: nesting is deeper than 50 levels"),
    "binary-tag": (
        b"name: !!binary aGk=\n",
        "binary-tag.yaml:1: name: YAML tag '!!binary' is not allowed; a scenario holds plain text, "
        "numbers, true/false, lists and mappings",
    ),
    "complex-key": (b"? [a, b]\n: 1\n", "complex-key.yaml:1: a key must be plain text"),
}


@pytest.mark.parametrize("case", sorted(GENERATED))
def test_generated_broken_file(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Cases whose bytes are awkward to commit are written here; the message starts as given."""
    content, expected = GENERATED[case]
    (tmp_path / f"{case}.yaml").write_bytes(content)
    monkeypatch.chdir(tmp_path)
    message = error_of(f"{case}.yaml")
    assert message.startswith(expected) or expected in message, message


def test_file_not_found_and_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "folder.yaml").mkdir()
    assert error_of("nowhere.yaml") == "nowhere.yaml: file not found"
    assert error_of("folder.yaml") == "folder.yaml: is a directory, not a scenario file"


def test_extends_through_a_yaml_link_to_a_system_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 15, item 3: ``extends:`` a ``.yaml`` symlink to a system file printed its lines.
    Now the link's target must itself be a .yaml/.yml file, and the file is never read."""
    (tmp_path / "passwd.yaml").symlink_to("/etc/passwd")
    write(tmp_path, "x.yaml", "name: x\nextends: passwd.yaml\n")
    monkeypatch.chdir(tmp_path)
    assert error_of("x.yaml") == (
        "x.yaml:2: extends: passwd.yaml is a link to a file that is not a .yaml or .yml file"
    )


def test_extends_chain_depth(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Up to 16 levels of ``extends`` load; a 17th is refused where it is written."""
    for i in range(18):
        write(tmp_path, f"f{i}.yaml", f"name: f{i}\nextends: f{i + 1}.yaml\n")
    write(tmp_path, "f18.yaml", MINIMAL)
    monkeypatch.chdir(tmp_path)
    assert load_scenario("f2.yaml").name == "f2"
    assert error_of("f0.yaml") == (
        "f16.yaml:2: extends: more than 16 levels of extends; flatten the chain"
    )


def test_error_carries_structured_issues(tmp_path: Path) -> None:
    path = write(tmp_path, "x.yaml", MINIMAL.replace("name: mini", "name: mini\nseed: -1"))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    (issue,) = info.value.issues
    assert (issue.file, issue.line, issue.path) == (str(path), 2, "seed")
    assert issue.message.startswith("must be between 0 and ")


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    text = MINIMAL.replace("name: mini", "name: mini\nseed: -1\nreplicates: zero")
    lines = error_of(write(tmp_path, "x.yaml", text)).splitlines()
    assert [line.split(": ")[1] for line in lines] == ["seed", "replicates"]


# ------------------------------------------------------------------------------ valid files


def test_minimal_scenario_fills_every_default(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, "mini.yaml", MINIMAL))
    assert isinstance(scenario, Scenario)
    assert (scenario.name, scenario.description, list(scenario.variants)) == ("mini", "", ["base"])
    config = scenario.variant("base")
    assert config.time.horizon_months == 48 and config.partners.count == 800
    assert list(config.behaviours) == list(registry.SLOTS)
    assert config.behaviours["partner_attention"].rule == "softmax-utility@2"
    assert config.behaviours["partner_attention"].params["temperature"] == 0.6
    assert scenario.document == yaml.safe_load(MINIMAL)


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_scenarios_load(path: Path) -> None:
    scenario = load_scenario(path)
    assert list(scenario.variants)[0] == "base"


def test_numbers_are_read_as_written(tmp_path: Path) -> None:
    """Whole numbers are fine for decimal keys, ``1e5`` is a number, ``yes`` is true."""
    text = MINIMAL + "market: {opportunities_per_month: 1e3, deal_size: {median: 5_000}}\n"
    text = text.replace("- name: acme", "- name: acme\n    program: {deal_registration: no}")
    config = load_scenario(write(tmp_path, "x.yaml", text)).variant("base")
    assert config.market.opportunities_per_month == 1000.0
    assert config.market.deal_size.median == 5000.0
    assert config.vendors[0].program.deal_registration is False


def test_yaml_anchors_and_merge_keys(tmp_path: Path) -> None:
    text = (
        "name: x\nvendors:\n"
        "  - name: acme\n    program: &terms {margin: 0.25, rebate: 0.01}\n"
        "  - name: rival\n    program: {<<: *terms, margin: 0.3}\n"
        "partners: {vendors_per_partner: 2}\n"
    )
    config = load_scenario(write(tmp_path, "x.yaml", text)).variant("base")
    assert [v.program.margin for v in config.vendors] == [0.25, 0.3]
    assert config.vendors[1].program.rebate == 0.01


# ------------------------------------------------------------------------------ extends

PARENT = """\
name: parent
description: the parent
seed: 1
market:
  deal_size: {median: 50000, spread: 0.5}
vendors:
  - name: acme
    program: {margin: 0.25}
  - name: rival
  - name: nova
partners: {vendors_per_partner: 2, count: 100}
variants:
  big: {partners: {count: 500}}
  small: {partners: {count: 10}}
"""


def test_extends_deep_merges_mappings_and_replaces_lists(tmp_path: Path) -> None:
    write(tmp_path, "common/parent.yaml", PARENT)
    child = write(
        tmp_path,
        "child/child.yaml",
        "name: child\nextends: ../common/parent.yaml\nmarket: {deal_size: {median: 10000}}\n"
        "vendors: [{name: solo}, {name: duo}]\n",
    )
    scenario = load_scenario(child)
    config = scenario.variant("base")
    assert (scenario.name, scenario.description, config.seed) == ("child", "the parent", 1)
    assert (config.market.deal_size.median, config.market.deal_size.spread) == (10000.0, 0.5)
    assert [v.name for v in config.vendors] == ["solo", "duo"]
    assert config.vendors[0].program.margin == 0.20  # the parent's acme is gone, not merged
    assert "extends" not in scenario.document


def test_extends_chain_and_inherited_variants(tmp_path: Path) -> None:
    """Variants of a parent are inherited; the child may change one of them or add its own."""
    write(tmp_path, "a.yaml", PARENT)
    write(tmp_path, "b.yaml", "name: b\nextends: a.yaml\nseed: 2\n")
    path = write(
        tmp_path,
        "c.yaml",
        "name: c\nextends: b.yaml\nvariants:\n  small: {partners: {count: 20}}\n"
        "  tiny: {partners: {count: 5}}\n",
    )
    scenario = load_scenario(path)
    assert list(scenario.variants) == ["base", "big", "small", "tiny"]
    counts = {name: c.partners.count for name, c in scenario.variants.items()}
    assert counts == {"base": 100, "big": 500, "small": 20, "tiny": 5}
    assert scenario.variant("tiny").seed == 2


def test_line_numbers_follow_the_file_that_supplied_the_value(tmp_path: Path) -> None:
    write(tmp_path, "parent.yaml", PARENT.replace("count: 100", "count: -1"))
    child = write(
        tmp_path, "child.yaml", "name: child\nextends: parent.yaml\nseed: -5\nreplicates: 2\n"
    )
    lines = error_of(child).splitlines()
    assert lines == [
        f"{child}:3: seed: must be between 0 and 9223372036854775807, got -5",
        f"{tmp_path / 'parent.yaml'}:11: partners.count: must be between 1 and 5000000, got -1",
    ]


def test_extends_path_is_shown_relative_to_what_the_user_gave(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "scenarios/base/parent.yaml", PARENT.replace("seed: 1", "seed: x"))
    write(tmp_path, "scenarios/child.yaml", "name: c\nextends: base/parent.yaml\n")
    monkeypatch.chdir(tmp_path)
    assert error_of("scenarios/child.yaml") == (
        "scenarios/base/parent.yaml:3: seed: must be a whole number, got text"
    )  # text from a file reached through extends is shown by kind only


def test_extends_itself_is_a_cycle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "self.yaml", "name: x\nextends: self.yaml\n")
    monkeypatch.chdir(tmp_path)
    assert error_of("self.yaml") == "self.yaml:2: extends: cycle: self.yaml -> self.yaml"


# ------------------------------------------------------------------------------ variants


def test_variants_base_first_then_file_order(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, "full.yaml", FULL))
    assert list(scenario.variants) == ["base", "gradual", "rich"]
    base, gradual, rich = scenario.variants.values()
    assert base.events[0].ramp_months == 0 and gradual.events[0].ramp_months == 9
    assert len(gradual.events) == 1  # lists are replaced, not appended
    assert rich.vendors[0].program.margin == 0.3
    assert rich.vendors[0].program.deal_registration is True  # the whole list was replaced
    assert rich.time.step == "week"  # everything else comes from the file
    assert "variants" not in scenario.document


def test_unknown_variant_lists_the_variants(tmp_path: Path) -> None:
    path = write(tmp_path, "full.yaml", FULL)
    scenario = load_scenario(path)
    with pytest.raises(ScenarioError) as info:
        scenario.variant("gradul")
    assert str(info.value) == (
        f"{path}: unknown variant 'gradul'; did you mean 'gradual'? variants are: base, gradual, rich"
    )


def test_problem_only_in_a_variant_names_the_variant(tmp_path: Path) -> None:
    text = FULL.replace(
        "      - {name: rival}", "      - {name: rival}\n    partners: {vendors_per_partner: 3}"
    )
    path = write(tmp_path, "x.yaml", text)
    assert error_of(path) == (
        f"{path}:24: variants.rich.partners.vendors_per_partner: a portfolio of 3 vendors needs "
        "at least that many vendors, but the scenario has 2"
    )
    text = FULL.replace("      - {name: rival}", "")
    assert error_of(write(tmp_path, "y.yaml", text)) == (
        f"{tmp_path / 'y.yaml'}:11: partners.vendors_per_partner: a portfolio of 2 vendors needs at "
        "least that many vendors, but the scenario has 1 (in variant 'rich')"
    )


def test_variants_must_be_a_mapping(tmp_path: Path) -> None:
    path = write(tmp_path, "x.yaml", MINIMAL + "variants: [a, b]\n")
    assert error_of(path) == (
        f"{path}:6: variants: must be a mapping of variant name to overrides, got ['a', 'b']"
    )
    path = write(tmp_path, "y.yaml", MINIMAL + "variants:\n  a: 3\n")
    assert error_of(path) == (
        f"{path}:7: variants.a: must be a mapping of the keys this variant changes, got 3"
    )


# ------------------------------------------------------------------------------ --set


def test_set_addresses_vendors_by_name_and_reads_typed_values(tmp_path: Path) -> None:
    path = write(tmp_path, "full.yaml", FULL)
    scenario = load_scenario(
        path,
        [
            "vendors.rival.program.margin=0.12",
            "vendors.acme.program.deal_registration=true",
            "time.horizon_months=36",
            "time.step=month",
            "partners.count=100",
            "behaviours.partner_attention.temperature=0.9",
            "behaviours.trust.gain_per_win=0.01",
            "replicates=5",
            "seed=7",
            "description=changed",
        ],
    )
    for name, config in scenario.variants.items():
        assert config.vendors[1].program.margin == 0.12, name
        assert config.vendors[0].program.deal_registration is True
        assert (config.time.horizon_months, config.time.step) == (36, "month")
        assert (config.partners.count, config.replicates, config.seed) == (100, 5, 7)
        assert config.behaviours["partner_attention"].params["temperature"] == 0.9
        assert config.behaviours["trust"].rule == "asymmetric@2"  # slot added with its default
        assert config.behaviours["trust"].params["gain_per_win"] == 0.01
        assert config.description == "changed"


def test_set_applies_after_the_variant(tmp_path: Path) -> None:
    path = write(tmp_path, "full.yaml", FULL)
    scenario = load_scenario(path, ["vendors.acme.program.margin=0.15"])
    assert {c.vendors[0].program.margin for c in scenario.variants.values()} == {0.15}


def test_set_reaches_vendors_with_dashes_in_their_names_and_list_entries(tmp_path: Path) -> None:
    """Vendor names have no dots (issue 15, item 10: ``a.b`` was accepted but a sweep path could
    not address it), so every vendor is ``vendors.NAME.key``; see ``vendor-name-dot.yaml``."""
    text = MINIMAL.replace("name: acme", "name: acme-io_2")
    text += "events:\n  - {at_month: 1, vendor: acme-io_2, set: {program.margin: 0.1}}\n"
    config = load_scenario(
        write(tmp_path, "x.yaml", text),
        ["vendors.acme-io_2.program.margin=0.3", "events.0.ramp_months=2"],
    ).variant("base")
    assert config.vendors[0].program.margin == 0.3
    assert config.events[0].ramp_months == 2.0


def test_set_names_list_entries_by_position_as_error_messages_do(tmp_path: Path) -> None:
    """``vendors[0]`` is the first vendor and ``events[0]`` the first event: the notation every
    error message uses works in ``--set`` too, beside ``vendors.acme``."""
    event = "events:\n  - {at_month: 3, vendor: acme, set: {program.margin: 0.1}}\n"
    path = write(tmp_path, "mini.yaml", MINIMAL + event)
    config = load_scenario(
        path, ["vendors[1].program.margin=0.3", "events[0].ramp_months=2"]
    ).variant("base")
    assert config.vendors[1].program.margin == 0.3 and config.vendors[0].program.margin == 0.2
    assert config.events[0].ramp_months == 2.0
    by_name = load_scenario(path, ["vendors.rival.program.margin=0.3"]).variant("base")
    assert by_name == config.model_copy(update={"events": by_name.events})


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            "vendors.acme.program.margn=0.12",
            "--set: vendors.acme.program.margn: unknown key 'margn'; did you mean vendors.acme.program.margin? "
            "allowed keys: margin, rebate, performance_rebate, rebate_target, rebate_period_months, "
            "rebate_delay_months, spiff_per_deal, mdf_per_partner_month, "
            "enablement_per_partner_month, deal_registration, registration_approval, "
            "registration_window_months, registration_override, mdf_proof_of_performance, "
            "tiers, tier_review_months, subscription_share, contract_months, perpetual_multiple, "
            "renewal_rate, expansion_rate, partner_owns_renewals, renewal_margin, "
            "vendor_renewal_cost, communication, recruit_per_month, "
            "replace_exits, partner_management_per_partner_month, onboarding_cost_per_partner",
        ),
        (
            "acme.program.margin=0.15",
            "--set: acme.program.margin: unknown key 'acme'; did you mean "
            "vendors.acme.program.margin? allowed keys: name, description, focus, seed, "
            "replicates, time, market, vendors, partners, behaviours, events, sweep",
        ),
        (
            "horizon_months=12",
            "--set: horizon_months: unknown key 'horizon_months'; did you mean "
            "time.horizon_months? allowed keys: name, description, focus, seed, "
            "replicates, time, market, vendors, partners, behaviours, events, sweep",
        ),
        (
            "vendors[2].program.margin=0.1",
            "--set: vendors[2].program.margin: vendors has no entry 2; it has 2",
        ),
        ("time[0].step=week", "--set: time[0].step: time is not a list; it has no entry [0]"),
        (
            "vendors.acmee.program.margin=0.12",
            "--set: vendors.acmee.program.margin: unknown vendor 'acmee'; did you mean 'acme'? "
            "vendors are: acme, rival",
        ),
        (
            "vendors.acme.program.margin",
            "--set: vendors.acme.program.margin: must be PATH=VALUE, e.g. "
            "vendors.acme.program.margin=0.12",
        ),
        ("=3", "--set: =3: must be PATH=VALUE, e.g. vendors.acme.program.margin=0.12"),
        (
            "vendors.acme.program.margin=1.5",
            "--set: vendors.acme.program.margin: must be between 0 and 1, got 1.5",
        ),
        (
            "vendors.acme.program.margin=abc",
            "--set: vendors.acme.program.margin: must be a number, got 'abc'",
        ),
        ("seed=-1", "--set: seed: must be between 0 and 9223372036854775807, got -1"),
        (
            "time.step.length=2",
            "--set: time.step.length: time.step is a single value; it has no key 'length'",
        ),
        (
            "variants.x=1",
            "--set: variants.x: 'variants' cannot be overridden; change it in the file",
        ),
        ("events.0.at_month=1", "--set: events.0.at_month: events has no entry 0; it has 0"),
        (
            "behaviours.partner_attention.temprature=1",
            "--set: behaviours.partner_attention.temprature: unknown parameter 'temprature'; "
            "did you mean 'temperature'? parameters of partner_attention rule softmax-utility@2 "
            "are: rule, temperature, inertia, profit_weight, trust_weight, capability_weight, "
            "conflict_weight, profit_floor",
        ),
        (
            "vendors..margin=1",
            "--set: vendors..margin: is not a key path; write keys with dots, e.g. "
            "vendors.acme.program.margin",
        ),
        (
            "name=!!python/name:os.system",
            "--set: name: YAML tag '!!python/name:os.system' is not allowed; a scenario holds "
            "plain text, numbers, true/false, lists and mappings",
        ),
    ],
)
def test_set_errors(tmp_path: Path, override: str, message: str) -> None:
    assert error_of(write(tmp_path, "mini.yaml", MINIMAL), override) == message


def test_seed_and_replicates_flags_win(tmp_path: Path) -> None:
    path = write(tmp_path, "full.yaml", FULL)
    scenario = load_scenario(path, ["seed=5"], seed=11, replicates=2)
    assert {(c.seed, c.replicates) for c in scenario.variants.values()} == {(11, 2)}
    assert (
        error_of(path, replicates=0)
        == "--replicates: replicates: must be between 1 and 100000, got 0"
    )


# ------------------------------------------------------------------------------ resolved configs


def test_resolved_document_lists_every_slot_and_parameter(tmp_path: Path) -> None:
    config = load_scenario(write(tmp_path, "full.yaml", FULL)).variant("base")
    doc = resolved_document(config)
    assert list(doc["behaviours"]) == list(registry.SLOTS)
    for slot, (spec, params) in resolved_behaviours(config).items():
        assert doc["behaviours"][slot] == {"rule": spec.id, **params.model_dump()}
    assert doc["behaviours"]["partner_attention"]["temperature"] == 0.4
    assert doc["sweep"]["parameters"]["partners.count"] == [20.0, 80.0]
    assert doc["vendors"][1]["program"]["margin"] == 0.2  # defaults filled in


def test_resolved_document_round_trips_through_yaml(tmp_path: Path) -> None:
    """Writing the resolved document and loading it again gives an equal config, every variant."""
    scenario = load_scenario(write(tmp_path, "full.yaml", FULL))
    for name, config in scenario.variants.items():
        path = write(tmp_path, f"resolved-{name}.yaml", dump_yaml(resolved_document(config)))
        again = load_scenario(path).variant("base")
        assert again == config, name
        assert resolved_document(again) == resolved_document(config)


def test_resolved_behaviours_defaults_every_slot(tmp_path: Path) -> None:
    config = ScenarioConfig.model_validate(yaml.safe_load(MINIMAL))  # built without the loader
    resolved = resolved_behaviours(config)
    assert list(resolved) == list(registry.SLOTS)
    for slot, (spec, params) in resolved.items():
        assert spec.name == registry.DEFAULT_RULES[slot]
        assert isinstance(params, RuleParams)


def test_with_overrides_revalidates_and_leaves_the_original(tmp_path: Path) -> None:
    config = load_scenario(write(tmp_path, "full.yaml", FULL)).variant("base")
    changed = with_overrides(
        config,
        {
            "vendors.acme.program.margin": 0.07,
            "partners.count": 60.0,  # a sampler's float for a whole-number key
            "behaviours.partner_attention.inertia": 0.5,
            "vendors.rival.program.deal_registration": True,
        },
    )
    assert changed.vendors[0].program.margin == 0.07 and config.vendors[0].program.margin == 0.2
    assert changed.partners.count == 60 and isinstance(changed.partners.count, int)
    assert changed.behaviours["partner_attention"].params["inertia"] == 0.5
    assert changed.behaviours["partner_attention"].params["temperature"] == 0.4
    assert changed.vendors[1].program.deal_registration is True
    assert with_overrides(config, {}) == config


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"vendors.acme.program.margin": 1.5},
            "override: vendors.acme.program.margin: must be between 0 and 1, got 1.5",
        ),
        ({"partners.count": 10.5}, "override: partners.count: must be a whole number, got 10.5"),
        (
            {"vendors.nobody.program.margin": 0.1},
            "override: vendors.nobody.program.margin: unknown vendor 'nobody'; vendors are: acme, rival",
        ),
        (
            {"partners.vendors_per_partner": 3},
            "override: partners.vendors_per_partner: a portfolio of 3 vendors needs at least that "
            "many vendors, but the scenario has 2",
        ),
    ],
)
def test_with_overrides_errors(tmp_path: Path, values: dict, message: str) -> None:
    config = load_scenario(write(tmp_path, "full.yaml", FULL)).variant("base")
    with pytest.raises(ScenarioError) as info:
        with_overrides(config, values)
    assert str(info.value) == message


# ------------------------------------------------------------------------------ behaviours


class _Slow(registry.Rule):
    """Test rule."""

    class Params(RuleParams):
        steps: int = 2


class _Fast(registry.Rule):
    """Test rule, second version."""

    class Params(RuleParams):
        steps: int = 3
        speed: float = 1.0


@pytest.fixture
def versioned_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    """A rule ``test-rule`` with versions 1 and 2 in slot ``trust``, removed after the test."""
    versions = {
        1: registry.RuleSpec("trust", "test-rule", 1, _Slow, origin="test"),
        2: registry.RuleSpec("trust", "test-rule", 2, _Fast, origin="test"),
    }
    monkeypatch.setitem(registry._REGISTRY["trust"], "test-rule", versions)


def test_rule_name_picks_newest_version_and_pins_with_at(
    tmp_path: Path, versioned_rule: None
) -> None:
    newest = MINIMAL + "behaviours:\n  trust: {rule: test-rule}\n"
    config = load_scenario(write(tmp_path, "a.yaml", newest)).variant("base")
    assert config.behaviours["trust"].rule == "test-rule@2"
    assert config.behaviours["trust"].params == {"steps": 3, "speed": 1.0}
    pinned = MINIMAL + "behaviours:\n  trust: {rule: test-rule@1, steps: 4}\n"
    config = load_scenario(write(tmp_path, "b.yaml", pinned)).variant("base")
    assert config.behaviours["trust"].rule == "test-rule@1"
    assert config.behaviours["trust"].params == {"steps": 4}


def test_rule_parameters_are_strict(tmp_path: Path, versioned_rule: None) -> None:
    text = MINIMAL + "behaviours:\n  trust: {rule: test-rule@1, steps: '4'}\n"
    path = write(tmp_path, "a.yaml", text)
    assert error_of(path) == f"{path}:7: behaviours.trust.steps: must be a whole number, got '4'"


def test_rule_parameter_too_large_for_a_float(tmp_path: Path) -> None:
    big = "1" + "0" * 400
    text = (
        MINIMAL
        + f"behaviours:\n  partner_attention: {{rule: softmax-utility, temperature: {big}}}\n"
    )
    path = write(tmp_path, "a.yaml", text)
    assert error_of(path) == (
        f"{path}:7: behaviours.partner_attention.temperature: is too large for a number, "
        f"got {big[:57]}..."
    )


def test_rule_missing_or_malformed(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", MINIMAL + "behaviours:\n  trust: {gain_per_win: 0.1}\n")
    assert error_of(path) == f"{path}:7: behaviours.trust: missing required key 'rule'"
    path = write(tmp_path, "b.yaml", MINIMAL + "behaviours:\n  trust: {rule: Asymmetric}\n")
    assert error_of(path) == (
        f"{path}:7: behaviours.trust.rule: must be a rule name such as softmax-utility or "
        "softmax-utility@1 (lowercase letters, digits, '-' and '_', optionally @version), "
        "got 'Asymmetric'"
    )
    path = write(tmp_path, "c.yaml", MINIMAL + "behaviours: [softmax-utility]\n")
    assert error_of(path) == (
        f"{path}:6: behaviours: must be a mapping of slot to rule, got ['softmax-utility']"
    )
    path = write(tmp_path, "d.yaml", MINIMAL + "behaviours:\n  trust: asymmetric\n")
    assert error_of(path) == (
        f"{path}:7: behaviours.trust: must be a mapping with a rule and its parameters, "
        "got 'asymmetric'"
    )


# ------------------------------------------------------------------------------ starter


def _schema_keys(model: type) -> set[str]:
    keys = set()
    for key, info in model.model_fields.items():
        keys.add(key)
        kind = unwrap(info.annotation)
        if is_model(kind):
            keys |= _schema_keys(kind)
    return keys


def test_starter_scenario_validates_and_names_every_key(tmp_path: Path) -> None:
    text = starter_scenario("my-study")
    scenario = load_scenario(write(tmp_path, "my-study.yaml", text))
    assert scenario.name == "my-study"
    assert list(scenario.variants) == ["base", "gradual"]
    assert len(scenario.variant("base").vendors) == 2
    written = set(re.findall(r"^\s*(?:- )?#? ?([a-z_][a-z_0-9]*):", text, flags=re.M))
    from sim.scenario.schema import EventConfig, SweepConfig

    expected = _schema_keys(ScenarioConfig) | _schema_keys(EventConfig) | _schema_keys(SweepConfig)
    expected |= {"extends", "variants"} | set(registry.SLOTS)
    assert expected - written == set()
    assert "{rule: softmax-utility, temperature: " in text
    for line in text.splitlines():
        assert len(line) <= 100, line


def test_starter_comments_every_setting() -> None:
    """Each generated key line is preceded by a comment saying what it is."""
    lines = starter_scenario("x").splitlines()
    section = lines[lines.index("market:") : lines.index("vendors:")]
    for previous, line in zip(section, section[1:], strict=False):
        if re.match(r"^\s+[a-z_]+: \S", line):
            assert previous.strip().startswith("#"), line


@pytest.mark.parametrize("name", ["../escape", "/abs", "has space", "", "-dash"])
def test_starter_refuses_names_that_leave_the_results_folder(name: str) -> None:
    with pytest.raises(ScenarioError) as info:
        starter_scenario(name)
    assert "stays inside its results folder" in str(info.value)
    assert str(info.value).startswith("sim new: name: must be a plain name")
