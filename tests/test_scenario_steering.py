"""Steering a scenario: which vendor the reports are about (``focus``), and dropping a variant a
file inherits through ``extends`` (``variants: {NAME: null}``).

The error cases are broken files in ``tests/scenarios/broken/`` (``focus-unknown``,
``variant-sets-focus``, ``variant-drop-not-inherited``, ``variant-null-without-extends``).
"""

from __future__ import annotations

from pathlib import Path

import yaml

from sim.experiments.manifest import resolved_scenario_yaml
from sim.scenario import load_scenario

PARENT = """\
name: parent
vendors:
  - name: acme
  - name: rival
partners: {vendors_per_partner: 2}
variants:
  abrupt:
    events: [{at_month: 2, vendor: acme, set: {program.margin: 0.1}}]
  gradual:
    events: [{at_month: 2, vendor: acme, set: {program.margin: 0.1}, ramp_months: 3}]
"""


def _write(folder: Path, **files: str) -> None:
    for name, text in files.items():
        (folder / f"{name}.yaml").write_text(text)


def test_focus_defaults_to_the_first_vendor_and_is_written_out(tmp_path: Path) -> None:
    _write(tmp_path, parent=PARENT, rival=PARENT.replace("name: parent", "name: r\nfocus: rival"))
    scenario = load_scenario(tmp_path / "parent.yaml")
    assert {config.focus for config in scenario.variants.values()} == {"acme"}
    assert yaml.safe_load(resolved_scenario_yaml(scenario))["focus"] == "acme"
    assert load_scenario(tmp_path / "rival.yaml").variant("gradual").focus == "rival"


def test_a_child_drops_an_inherited_variant_with_null(tmp_path: Path) -> None:
    """The child runs base and gradual only; its own new variant comes after the inherited one;
    a grandchild can drop the rest."""
    child = (
        "name: child\nextends: parent.yaml\nvariants:\n  abrupt: null\n  slow:\n    replicates: 3\n"
    )
    grandchild = "name: grandchild\nextends: child.yaml\nvariants:\n  gradual: null\n"
    _write(tmp_path, parent=PARENT, child=child, grandchild=grandchild)
    assert list(load_scenario(tmp_path / "child.yaml").variants) == ["base", "gradual", "slow"]
    assert list(load_scenario(tmp_path / "grandchild.yaml").variants) == ["base", "slow"]
    gradual = load_scenario(tmp_path / "child.yaml").variant("gradual")
    assert gradual.events[0].ramp_months == 3.0  # the variant kept is the parent's, unchanged


def test_dropping_every_inherited_variant_leaves_base(tmp_path: Path) -> None:
    child = "name: child\nextends: parent.yaml\nvariants: {abrupt: null, gradual: null}\n"
    _write(tmp_path, parent=PARENT, child=child)
    assert list(load_scenario(tmp_path / "child.yaml").variants) == ["base"]


def test_the_starter_says_what_samples_means_for_each_method() -> None:
    """A grid's N is a total target (64 with 2 parameters is 8 x 8), not points per parameter:
    the starter says what the design code does."""
    from sim.experiments.sweep_design import design_matrix
    from sim.scenario.schema import SweepConfig
    from sim.scenario.starter import starter_scenario

    text = starter_scenario("x")
    assert "grid: about N in all" in text and "points per parameter" not in text
    assert "focus: acme" in text
    grid = SweepConfig(method="grid", samples=64, parameters={"a.b": (0.0, 1.0), "c.d": (0.0, 1.0)})
    assert design_matrix(grid, 0).values.shape == (64, 2)
