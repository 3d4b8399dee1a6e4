"""A scenario file is data: it cannot run code, read files other than its ``extends`` chain, or name
a results folder outside ``results/``; and sizes have limits above what the benchmarks need.

Scenario files travel between people ("here is my setup, run it"), so loading one must be as safe as
opening a spreadsheet of numbers.
"""

from __future__ import annotations

import ast
import os
import sys
from pathlib import Path

import pytest

from sim.scenario import ScenarioError, load_scenario, yaml_source
from sim.scenario.loader import EXTENDS_SUFFIXES, MAX_EXTENDS
from sim.scenario.names import name_problem
from sim.scenario.schema import ScenarioConfig

ROOT = Path(__file__).resolve().parents[1]
MINIMAL = "vendors:\n  - name: acme\n  - name: rival\npartners: {vendors_per_partner: 2}\n"


def _error(path: Path | str, *overrides: str) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides)
    return str(info.value)


# ------------------------------------------------------------------------------ no code runs
UNSAFE_YAML_CALLS = {
    "load", "load_all", "unsafe_load", "unsafe_load_all", "full_load", "full_load_all",
    "add_constructor", "add_multi_constructor",
}  # fmt: skip
UNSAFE_LOADERS = {"Loader", "FullLoader", "UnsafeLoader", "CLoader", "CFullLoader", "CUnsafeLoader"}


BROKEN_PLUGINS = ROOT / "tests" / "plugins" / "broken"


def _project_sources() -> list[Path]:
    skip = {".venv", ".git", "results", "node_modules", "build", "dist"}
    return [
        p
        for p in ROOT.rglob("*.py")
        if not skip.intersection(p.relative_to(ROOT).parts)
        and "site-packages" not in p.parts
        and BROKEN_PLUGINS not in p.parents  # deliberately broken files (one does not parse)
    ]


def test_no_unsafe_yaml_loading_anywhere_in_the_project() -> None:
    """Only ``yaml.safe_load`` and SafeLoader subclasses: no ``yaml.load``, no unsafe loaders, no
    constructors that build objects from tags."""
    found = []
    for path in _project_sources():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                if node.value.id == "yaml" and node.attr in UNSAFE_YAML_CALLS | UNSAFE_LOADERS:
                    found.append(f"{where}: yaml.{node.attr}")
            if isinstance(node, ast.ImportFrom) and node.module == "yaml":
                names = {alias.name for alias in node.names}
                found += [f"{where}: from yaml import {n}" for n in names & UNSAFE_YAML_CALLS]
                found += [f"{where}: from yaml import {n}" for n in names & UNSAFE_LOADERS]
    assert len(_project_sources()) > 20  # the scan sees the project
    assert found == []


def test_the_loader_is_a_safe_loader() -> None:
    import yaml

    assert issubclass(yaml_source._Loader, yaml.SafeLoader)


@pytest.mark.parametrize(
    "text",
    [
        "name: !!python/object/apply:os.mkdir [pwned]\n" + MINIMAL,
        "name: x\ndescription: !!python/object/apply:os.mkdir [pwned]\n" + MINIMAL,
        "name: x\n"
        + MINIMAL
        + "variants:\n  v: {description: !!python/object/new:os.mkdir [pwned]}\n",
        "name: x\n" + MINIMAL + "events: !!python/object/apply:os.mkdir [pwned]\n",
        "name: x\nseed: !!python/name:os.mkdir\n" + MINIMAL,
        "name: x\ndescription: !include other.yaml\n" + MINIMAL,
        "name: x\n!!python/object/apply:os.mkdir [pwned]: 1\n" + MINIMAL,
    ],
)
def test_object_tags_are_refused_and_never_run(
    text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("x.yaml").write_text(text)
    message = _error("x.yaml")
    refused = ("is not allowed; a scenario holds plain text, numbers", "a key must be plain text")
    assert any(words in message for words in refused), message
    assert not Path("pwned").exists()


def test_object_tag_in_an_extended_file_and_in_set_never_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("parent.yaml").write_text("name: p\ndescription: !!python/object/apply:os.mkdir [a]\n")
    Path("child.yaml").write_text("name: c\nextends: parent.yaml\n" + MINIMAL)
    assert _error("child.yaml").startswith("parent.yaml:2: description: YAML tag")
    Path("ok.yaml").write_text("name: x\n" + MINIMAL)
    assert "is not allowed" in _error("ok.yaml", "description=!!python/object/apply:os.mkdir [b]")
    assert not Path("a").exists() and not Path("b").exists()


# ------------------------------------------------------------------------------ files read
@pytest.mark.skipif(not Path("/etc/passwd").is_file(), reason="needs a Unix system file")
def test_extends_cannot_read_a_system_file(tmp_path: Path) -> None:
    secret = Path("/etc/passwd").read_text(errors="replace").splitlines()[0]
    (tmp_path / "a.yaml").write_text("name: x\nextends: /etc/passwd\n")
    message = _error(tmp_path / "a.yaml")
    assert message.endswith("extends: must name a scenario file ending in .yaml or .yml, "
                            "relative to this one, got '/etc/passwd'")  # fmt: skip
    (tmp_path / "passwd.yaml").symlink_to("/etc/passwd")  # a disguised one is not even read
    (tmp_path / "b.yaml").write_text("name: x\nextends: passwd.yaml\n")
    message = _error(tmp_path / "b.yaml")
    assert secret not in message and secret[:8] not in message
    assert message.endswith("passwd.yaml is a link to a file that is not a .yaml or .yml file")
    # a copy with a .yaml name is read, but neither its text nor its keys are echoed
    for text in ("hushuser:x:0:0:/h:/bin/sh\n", "hushuser: x:0:0\nhushdaemon: x:1:1\n"):
        (tmp_path / "copy.yaml").write_text(text)
        (tmp_path / "c.yaml").write_text("name: x\nextends: copy.yaml\n")
        message = _error(tmp_path / "c.yaml")
        assert "hush" not in message, message


@pytest.mark.parametrize("target", ["notes.txt", "data.json", "script.py", "x.yaml.bak", "dir/"])
def test_extends_names_only_yaml_files(target: str, tmp_path: Path) -> None:
    (tmp_path / target.rstrip("/")).mkdir() if target.endswith("/") else (
        tmp_path / target
    ).write_text("name: leaked\n")
    (tmp_path / "a.yaml").write_text(f"name: x\nextends: {target}\n")
    message = _error(tmp_path / "a.yaml")
    assert "must name a scenario file ending in .yaml or .yml" in message
    assert "leaked" not in message


def test_loading_opens_only_the_extends_chain(tmp_path: Path) -> None:
    """An audit hook sees every file opened while loading: only the chain's YAML files."""
    (tmp_path / "base.yaml").write_text("name: base\n" + MINIMAL)
    (tmp_path / "mid.yml").write_text("name: mid\nextends: base.yaml\nseed: 3\n")
    (tmp_path / "top.yaml").write_text("name: top\nextends: mid.yml\nreplicates: 2\n")
    (tmp_path / "other.yaml").write_text("name: other\n")
    opened: list[str] = []
    listening = [False]

    def hook(event: str, args: tuple) -> None:
        if listening[0] and event == "open" and isinstance(args[0], str | os.PathLike):
            opened.append(os.fspath(args[0]))

    sys.addaudithook(hook)  # cannot be removed; inert once `listening` is False
    listening[0] = True
    try:
        load_scenario(tmp_path / "top.yaml")
    finally:
        listening[0] = False
    data = {
        Path(p).resolve()
        for p in opened
        if Path(p).suffix not in (".py", ".pyc", ".so") and "site-packages" not in p
    }
    assert data == {tmp_path / n for n in ("top.yaml", "mid.yml", "base.yaml")}


def test_extends_suffixes_and_depth_are_documented_constants() -> None:
    assert EXTENDS_SUFFIXES == (".yaml", ".yml") and MAX_EXTENDS == 16


# ------------------------------------------------------------------------------ text encodings
def test_bom_and_windows_line_endings_load(tmp_path: Path) -> None:
    text = "\ufeffname: crlf\r\n" + MINIMAL.replace("\n", "\r\n")
    (tmp_path / "w.yaml").write_bytes(text.encode("utf-8"))
    scenario = load_scenario(tmp_path / "w.yaml")
    assert scenario.name == "crlf" and [v.name for v in scenario.variant("base").vendors] == [
        "acme",
        "rival",
    ]


def test_windows_line_endings_keep_line_numbers(tmp_path: Path) -> None:
    text = "\ufeffname: x\r\n" + MINIMAL.replace("\n", "\r\n") + "seed: -1\r\n"
    (tmp_path / "w.yaml").write_bytes(text.encode("utf-8"))
    assert _error(tmp_path / "w.yaml") == (
        f"{tmp_path / 'w.yaml'}:6: seed: must be between 0 and {2**63 - 1}, got -1"
    )


def test_unicode_text_is_fine_where_text_is_free(tmp_path: Path) -> None:
    text = "name: x\ndescription: Marge réduite — 20 % → 12 % 🚀\n" + MINIMAL
    (tmp_path / "u.yaml").write_text(text, encoding="utf-8")
    assert load_scenario(tmp_path / "u.yaml").description.endswith("🚀")


def test_utf16_file_is_refused_clearly(tmp_path: Path) -> None:
    (tmp_path / "u16.yaml").write_bytes(("name: x\n" + MINIMAL).encode("utf-16"))
    assert "is not UTF-8 text" in _error(tmp_path / "u16.yaml")


# ------------------------------------------------------------------------------ names
@pytest.mark.parametrize(
    "name",
    ["../x", "/abs", "a/b", "a\\b", ".", "..", "", "a\0b", "a\n", "x" * 101, "Con", "lpt1.x"],
)
def test_schema_refuses_names_that_leave_the_results_folder(name: str) -> None:
    assert name_problem(name) is not None
    with pytest.raises(ValueError, match="name"):
        ScenarioConfig.model_validate({"name": name, "vendors": [{"name": "a"}],
                                       "partners": {"vendors_per_partner": 1}})  # fmt: skip


# ------------------------------------------------------------------------------ size limits
def test_benchmark_sizes_are_accepted(tmp_path: Path) -> None:
    """The perf benchmark's largest case and a ~10,000-run sweep are within every limit."""
    vendors = "".join(f"  - {{name: v{i}, direct_reps: 200}}\n" for i in range(100))
    text = (
        "name: big\nreplicates: 10000\ntime: {horizon_months: 60, step: week}\n"
        f"vendors:\n{vendors}partners: {{count: 400000, vendors_per_partner: 3}}\n"
        "sweep:\n  samples: 10000\n  parameters: {vendors.v0.program.margin: [0.05, 0.3]}\n"
    )
    (tmp_path / "big.yaml").write_text(text)
    config = load_scenario(tmp_path / "big.yaml").variant("base")
    assert config.partners.count == 400_000 and len(config.vendors) == 100
    assert sum(v.direct_reps for v in config.vendors) == 20_000
    assert config.time.steps == 260 and config.replicates == 10_000
    assert config.sweep is not None and config.sweep.samples == 10_000


def test_file_size_limit_is_above_any_real_scenario(tmp_path: Path) -> None:
    """1 MB holds thousands of vendors; the largest shipped scenario is far below it."""
    largest = max(p.stat().st_size for p in (ROOT / "scenarios").glob("*.yaml"))
    assert largest * 20 < yaml_source.MAX_BYTES
    padded = "name: x\n" + MINIMAL + "#" * (yaml_source.MAX_BYTES - 200) + "\n"
    (tmp_path / "padded.yaml").write_text(padded)
    assert load_scenario(tmp_path / "padded.yaml").name == "x"  # just under the limit loads


def test_runs_of_one_scenario_are_bounded(tmp_path: Path) -> None:
    """Variants x replicates above 1,000,000 is refused where the replicates come from."""
    variants = "".join(f"  v{i}: {{seed: {i}}}\n" for i in range(10))
    (tmp_path / "v.yaml").write_text("name: x\n" + MINIMAL + "variants:\n" + variants)
    assert len(load_scenario(tmp_path / "v.yaml", replicates=90_909).variants) == 11
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "v.yaml", replicates=90_910)
    assert str(info.value) == (
        "--replicates: replicates: 11 variants with these replicates make 1000010 runs, more than "
        "the limit of 1000000 per scenario; use fewer replicates or variants"
    )
