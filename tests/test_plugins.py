"""Plugins: rule files loaded with ``--plugin FILE`` and installed packages found through the
``sim.behaviours`` entry point group.

A plugin only registers rules; a scenario names them like built-in rules. A plugin is loaded all or
nothing: one small broken file per error case under ``tests/plugins/broken/`` says on its first line
(``# expect: <regex>``) the message it must give. A broken file given with ``--plugin`` stops the
command (exit 2, no traceback); a broken *installed* plugin is skipped with a warning, so scenarios
that do not use it still run, and a scenario naming a rule it would have defined fails with its error.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import textwrap
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cli import main
from sim.behaviours import discovery, registry, resolve
from sim.behaviours.discovery import PluginError, load_plugin_file
from sim.experiments.tasks import RunTask
from tests.conftest import TINY_YAML

PLUGINS = Path(__file__).parent / "plugins"
EVEN_SPLIT = PLUGINS / "even_split.py"
BROKEN = sorted((PLUGINS / "broken").glob("*.py"))


@pytest.fixture(autouse=True)
def clean_slate(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test gets a private registry and discovery state; plugin modules it imports go away."""
    list(registry.all_rules())  # built-ins and installed plugins first
    copied = {
        slot: {name: dict(versions) for name, versions in rules.items()}
        for slot, rules in registry._REGISTRY.items()
    }
    monkeypatch.setattr(registry, "_REGISTRY", copied)
    fresh = discovery._State(
        entry_points_loaded=True,
        broken={},
        files={},
        module_origins=dict(discovery._state.module_origins),
        installed=dict(discovery._state.installed),
    )
    monkeypatch.setattr(discovery, "_state", fresh)
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        if name.startswith(("sim_plugin_", "fake_plugin")):
            del sys.modules[name]


def _sim(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def _clean_failure(result: Result) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output + result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.stderr


def _scenario(tmp_path: Path, rule: str = "even-split") -> Path:
    path = tmp_path / "plugin-scenario.yaml"
    path.write_text(
        TINY_YAML + f"behaviours:\n  partner_attention: {{rule: {rule}, outside_weight: 2.0}}\n"
    )
    return path


# ----------------------------------------------------------------------------- plugin files
def test_a_plugin_file_registers_its_rule_with_the_path_as_origin() -> None:
    assert load_plugin_file(EVEN_SPLIT) == str(EVEN_SPLIT)
    spec = resolve("partner_attention", "even-split")
    assert (spec.id, spec.origin) == ("even-split@1", str(EVEN_SPLIT))
    assert discovery.loaded_plugin_files() == (str(EVEN_SPLIT.resolve()),)


def test_loading_a_file_twice_registers_once() -> None:
    load_plugin_file(EVEN_SPLIT)
    first = resolve("partner_attention", "even-split")
    load_plugin_file(str(EVEN_SPLIT))
    assert resolve("partner_attention", "even-split") is first
    assert len(discovery.loaded_plugin_files()) == 1


def test_behaviours_lists_a_plugin_file_rule_with_its_origin(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The origin is the path as given on the command line."""
    monkeypatch.chdir(PLUGINS)
    result = _sim("behaviours", "--plugin", "even_split.py")
    assert result.exit_code == 0, result.output
    row = next(line for line in result.stdout.splitlines() if "even-split@1" in line)
    assert "partner_attention" in row and "even_split.py" in row and "outside_weight = 1.0" in row
    assert "built-in" in result.stdout


def test_a_scenario_uses_a_plugin_rule_only_with_the_plugin(tmp_path: Path) -> None:
    scenario = _scenario(tmp_path)
    assert "unknown partner_attention rule 'even-split'" in _clean_failure(
        _sim("validate", scenario)
    )
    result = _sim("validate", scenario, "--plugin", EVEN_SPLIT)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("OK: tiny:")


def test_run_with_a_plugin_in_pool_workers(tmp_path: Path) -> None:
    """Workers of the process pool import the plugin file again: every run of both variants is ok
    and the resolved scenario names the plugin rule; the manifest records the --plugin option."""
    out = tmp_path / "out"
    result = _sim(
        "run", _scenario(tmp_path), "--plugin", EVEN_SPLIT, "--out", out, "--workers", "2",
        "--replicates", "1", "--no-progress",
    )  # fmt: skip
    assert result.exit_code == 0, result.output + result.stderr
    assert "2 runs ok, 0 failed" in result.stdout
    resolved = (out / "scenario.resolved.yaml").read_text()
    assert "rule: even-split@1" in resolved and "outside_weight: 2.0" in resolved
    manifest = json.loads((out / "manifest.json").read_text())
    assert f"--plugin {EVEN_SPLIT}" in manifest["command_line"]
    digest = hashlib.sha256(EVEN_SPLIT.read_bytes()).hexdigest()
    assert manifest["plugins"]["files"] == {str(EVEN_SPLIT): digest}


def test_run_tasks_carry_the_loaded_plugin_files(tiny_config) -> None:
    assert RunTask("base", 0, tiny_config).plugins == ()
    load_plugin_file(EVEN_SPLIT)
    assert RunTask("base", 0, tiny_config).plugins == (str(EVEN_SPLIT.resolve()),)


def test_a_missing_or_non_python_plugin_file_is_a_clean_error(tmp_path: Path) -> None:
    assert "no-such.py: no such file" in _clean_failure(
        _sim("behaviours", "--plugin", "no-such.py")
    )
    (tmp_path / "rules.txt").write_text("")
    message = _clean_failure(_sim("behaviours", "--plugin", tmp_path / "rules.txt"))
    assert "a plugin file is a Python file ending in .py" in message


@pytest.mark.parametrize("path", BROKEN, ids=[p.stem for p in BROKEN])
def test_a_broken_plugin_file_gives_its_message(path: Path, tmp_path: Path) -> None:
    """Each broken file: exit 2, the message on its first line names the file, no traceback, and
    nothing it registered stays registered."""
    expected = path.read_text().splitlines()[0].removeprefix("# expect: ")
    before = {spec.id for spec in registry.all_rules()}
    message = _clean_failure(_sim("validate", _scenario(tmp_path), "--plugin", path))
    assert message.startswith(f"--plugin {path}: "), message
    assert re.search(expected, message), message
    assert len(message.strip().splitlines()) == 1
    assert {spec.id for spec in registry.all_rules()} == before
    assert f"sim_plugin_{path.stem}" not in " ".join(sys.modules)


def test_a_rule_of_a_half_registered_file_is_gone() -> None:
    with pytest.raises(PluginError):
        load_plugin_file(PLUGINS / "broken" / "half_registered.py")
    with pytest.raises(registry.UnknownRuleError):
        resolve("trust", "registered-then-broken")


# ----------------------------------------------------------------------------- installed plugins
def _install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, modules: dict[str, str], eps) -> None:
    """Fake installed plugins: modules on sys.path and entry points in the group."""
    for name, source in modules.items():
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(source))
    monkeypatch.syspath_prepend(str(tmp_path))
    points = [EntryPoint(name, value, discovery.ENTRY_POINT_GROUP) for name, value in eps]
    monkeypatch.setattr(discovery, "_entry_points", lambda: points)
    discovery._state.entry_points_loaded = False


GOOD = """
    import numpy as np
    from sim.behaviours import register
    from sim.behaviours.deals import DealInputs
    from sim.behaviours.deals import LogisticLift

    def register_all():
        @register("deal_outcome", "coin-flip", version=1)
        class CoinFlip(LogisticLift):
            '''Every deal is won with probability one half.'''

            def win_probability(self, x: DealInputs) -> np.ndarray:
                return np.full(len(x.strength), 0.5)
"""
BROKEN_EP = """
    from sim.behaviours import register
    raise ImportError("the plugin needs scipy")
"""


def test_an_entry_point_function_is_called_and_its_rules_registered(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _install(
        monkeypatch,
        tmp_path,
        {"fake_plugin_good": GOOD},
        [("good", "fake_plugin_good:register_all")],
    )
    spec = resolve("deal_outcome", "coin-flip")
    assert spec.id == "coin-flip@1"
    assert spec.origin == "entry point good"  # a real distribution shows its name
    assert discovery.broken_plugins() == {}
    assert discovery.provenance()["installed"]["entry point good"] == "unknown"


def test_a_broken_installed_plugin_is_skipped_with_a_warning(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Scenarios that do not use it still validate (with a warning); `sim behaviours` lists the rest
    and exits 2; a scenario naming a rule it would define fails with the plugin's error."""
    _install(
        monkeypatch,
        tmp_path,
        {"fake_plugin_good": GOOD, "fake_plugin_bad": BROKEN_EP},
        [("good", "fake_plugin_good:register_all"), ("bad", "fake_plugin_bad")],
    )
    (tmp_path / "tiny.yaml").write_text(TINY_YAML)
    ok = _sim("validate", tmp_path / "tiny.yaml")
    assert ok.exit_code == 0, ok.output
    warning = "warning: skipped plugin entry point bad (entry point bad = fake_plugin_bad)"
    assert warning in ok.stderr
    assert "fake_plugin_bad.py:3: ImportError: the plugin needs scipy" in ok.stderr

    listing = _sim("behaviours")
    assert listing.exit_code == 2
    assert "coin-flip@1" in listing.stdout and "softmax-utility@1" in listing.stdout
    assert "error: installed plugins failed to load (see the warnings): entry point bad" in (
        listing.stderr
    )

    bad_rule = tmp_path / "uses-bad.yaml"
    bad_rule.write_text(TINY_YAML + "behaviours:\n  trust: {rule: scipy-trust}\n")
    message = _clean_failure(_sim("validate", bad_rule))
    assert "unknown trust rule 'scipy-trust'" in message
    assert "a plugin that failed to load may define it" in message
    assert "the plugin needs scipy" in message


def test_an_installed_plugin_may_not_take_a_built_in_name(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A plugin adding ``asymmetric@3`` would silently change what ``rule: asymmetric`` means."""
    source = """
        from sim.behaviours import register
        from sim.behaviours.trust import AsymmetricTrust

        @register("trust", "asymmetric", version=3)
        class Hijack(AsymmetricTrust):
            '''Trust as asymmetric@1, under a newer version.'''
    """
    _install(
        monkeypatch, tmp_path, {"fake_plugin_hijack": source}, [("hijack", "fake_plugin_hijack")]
    )
    assert resolve("trust", "asymmetric").id == "asymmetric@2"
    (error,) = discovery.broken_plugins().values()
    assert "the name 'asymmetric' belongs to built-in" in str(error)


def test_a_sweep_over_a_plugin_rule_parameter_is_checked_by_its_schema(tmp_path: Path) -> None:
    """``behaviours.<slot>.<param>`` is a sweep path; each end of its range must be a valid value
    for the plugin rule's ``Params`` (``outside_weight`` is at most 100)."""
    path = tmp_path / "sweep.yaml"
    path.write_text(
        TINY_YAML
        + "behaviours:\n  partner_attention: {rule: even-split}\n"
        + "sweep:\n  method: lhs\n  samples: 4\n  parameters:\n"
        + "    behaviours.partner_attention.outside_weight: [0.5, 200]\n"
    )
    message = _clean_failure(_sim("validate", path, "--plugin", EVEN_SPLIT))
    assert "sweep.parameters.behaviours.partner_attention.outside_weight: high = 200:" in message
    assert message.rstrip().endswith("must be above 0 and at most 100, got 200")
    path.write_text(path.read_text().replace("200]", "50]"))
    assert _sim("validate", path, "--plugin", EVEN_SPLIT).exit_code == 0


def test_built_in_rules_stay_built_in_when_a_plugin_imports_them_first():
    """An installed plugin that imports a built-in rule module (to reuse its inputs) may be loaded
    before the built-ins are: the built-in rules it pulls in keep the origin ``built-in``."""
    code = (
        "from sim.behaviours import discovery\n"
        "discovery.load_entry_points()\n"
        "from sim.behaviours.registry import all_rules\n"
        "print([s.id for s in all_rules() if s.cls.__module__.startswith('sim.')"
        " and s.origin != 'built-in'])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_an_interrupted_plugin_run_says_to_resume_with_the_plugin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scenario needs the plugin's rule again when it resumes, so the printed resume command
    carries ``--plugin FILE``, and following it finishes the folder."""
    import sim.experiments.tasks

    real, calls = sim.experiments.tasks.simulate, []

    def simulate(config, seed, **options):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt()
        return real(config, seed, **options)

    monkeypatch.setattr(sim.experiments.tasks, "simulate", simulate)
    out, args = tmp_path / "out", ("--workers", "1", "--replicates", "1", "--no-progress")
    first = _sim("run", _scenario(tmp_path), "--plugin", EVEN_SPLIT, "--out", out, *args)
    assert first.exit_code == 130, first.output
    command = f"sim run --resume {out} --plugin {EVEN_SPLIT}"
    assert f"Resume with: {command}" in first.stderr
    second = _sim(*command.split()[1:], "--workers", "1", "--no-progress")
    assert second.exit_code == 0, second.output + second.stderr
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"
