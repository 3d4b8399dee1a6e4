"""The folders are the architecture: each is one concern, and imports run one way, downward.

Bottom to top: the root of ``sim`` (its version, :mod:`sim.lazy`); the behaviour rules; the
scenario language and the rule checker ``sim.testing`` (beside each other, neither imports the
other); the model; the experiments (runs, sweeps, result folders); the stylized-fact validation;
``analysis``; the ``workbench`` (the Python API ``sim.run``/``sim.load``, which runs models *and*
reads their results, so it sits above both) and its dashboard; the ``sim`` command (``cli``). A module may import its own folder and any folder
below it, never one above or beside it. Imports under ``if TYPE_CHECKING:`` are for type hints
only and do not count. And each module stays small enough to read in one sitting (MAX_LINES).
"""

from __future__ import annotations

import ast
import importlib
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

FOLDERS: dict[str, int] = {
    "sim": 0,
    "sim.behaviours": 1,
    "sim.scenario": 2,
    "sim.testing": 2,
    "sim.model": 3,
    "sim.experiments": 4,
    "sim.validation": 5,
    "sim.calibration": 5,
    "analysis": 6,
    "workbench": 7,
    "workbench.dashboard": 8,
    "cli": 9,
}
"""Each folder (as a dotted package) and its rank: a module imports only its own folder or lower."""

SOURCES = ("sim", "cli", "analysis", "workbench")


def folder_of(module: str) -> str | None:
    """The folder of FOLDERS a dotted module name belongs to (the longest match); None outside."""
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in FOLDERS:
            return candidate
    return None


def module_name(path: Path) -> str:
    """``sim/model/market.py`` -> ``sim.model.market``; a package's ``__init__`` is the package."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@dataclass(frozen=True)
class Import:
    line: int
    module: str  # the dotted name imported (``from a import b`` gives ``a.b``)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(source: str, module: str, is_package: bool = False) -> list[Import]:
    """Every import in ``source`` (the text of ``module``), outside ``if TYPE_CHECKING:`` blocks."""
    found: list[Import] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend(Import(node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against this module's package
                package = module.split(".")
                package = package if is_package else package[:-1]
                package = package[: len(package) - (node.level - 1)]
                base = ".".join([*package, *([base] if base else [])])
            found.extend(Import(node.lineno, f"{base}.{alias.name}") for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(source))
    return found


def upward_imports(path: Path, source: str) -> list[str]:
    """``file:line: ...`` for each import of ``source`` that reaches a folder above or beside its
    own."""
    module = module_name(path)
    own = folder_of(module)
    assert own is not None, f"{path}: not in any folder of FOLDERS; add its folder with a rank"
    problems = []
    for found in imports_of(source, module, path.name == "__init__.py"):
        target = folder_of(found.module)
        if target is None or target == own or FOLDERS[target] < FOLDERS[own]:
            continue
        where = "above" if FOLDERS[target] > FOLDERS[own] else "beside"
        problems.append(
            f"{path.relative_to(ROOT)}:{found.line}: imports {found.module}, but {target} "
            f"(rank {FOLDERS[target]}) is {where} {own} (rank {FOLDERS[own]})"
        )
    return problems


def source_files() -> list[Path]:
    return [path for folder in SOURCES for path in sorted((ROOT / folder).rglob("*.py"))]


def test_imports_run_downward() -> None:
    """No module imports a folder above its own (or a folder of the same rank beside it)."""
    files = source_files()
    assert len(files) > 50, "source files not found"
    problems = [p for path in files for p in upward_imports(path, path.read_text())]
    assert not problems, "imports that run up the layers:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("file", "source", "bad"),
    [
        ("sim/model/market.py", "from sim.experiments.runner import run_scenario\n", True),
        ("sim/model/market.py", "import sim.validation.facts\n", True),
        ("sim/scenario/schema.py", "from sim import model\n", True),
        ("sim/scenario/schema.py", "from sim.testing import check_rule\n", True),
        ("sim/behaviours/trust.py", "from sim.scenario.schema import ScenarioConfig\n", True),
        ("analysis/plots.py", "from cli import main\n", True),
        ("sim/model/market.py", "from sim.model.state import DealBook\n", False),
        ("sim/model/market.py", "from sim.scenario.schema import ScenarioConfig\n", False),
        ("sim/model/market.py", "import numpy as np\nimport sim\n", False),
        ("cli/run.py", "from analysis.plots import plot_results\n", False),
        ("analysis/compare.py", "from workbench.api import run\n", True),
        ("workbench/api.py", "from workbench.dashboard import app\n", True),
        ("workbench/dashboard/app.py", "from workbench.api import Result\n", False),
        ("workbench/api.py", "from analysis.compare import build_comparison\n", False),
        (
            "sim/model/market.py",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from sim.experiments import x\n",
            False,
        ),
        ("sim/model/market.py", "def f():\n    from sim.experiments import runner\n", True),
        ("sim/model/market.py", "from ..experiments import runner\n", True),
    ],
)
def test_the_check_flags_upward_imports(file: str, source: str, bad: bool) -> None:
    """The check above sees imports anywhere in a file, inside functions too, and relative ones;
    it skips type-only imports."""
    problems = upward_imports(ROOT / file, source)
    assert bool(problems) == bad, problems
    if bad:
        assert problems[0].startswith(f"{file}:"), problems


MAX_LINES = 420
"""Longest module allowed: a module past about 400 lines is a sign to split it by concept."""


def test_modules_stay_small() -> None:
    """No module of sim/, cli/, analysis/ or workbench/ is longer than MAX_LINES."""
    long = {
        str(path.relative_to(ROOT)): n
        for path in source_files()
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert not long, (
        f"modules over {MAX_LINES} lines; split each by concept into modules of its folder: {long}"
    )


@pytest.mark.parametrize(
    "package",
    [
        "sim.scenario",
        "sim.model",
        "sim.experiments",
        "sim.validation",
        "sim.calibration",
        "sim.testing",
        "workbench",
    ],
)
def test_every_public_name_of_a_package_resolves(package: str) -> None:
    """Each name in a folder's ``__all__`` can be had from the folder (some load on first use)."""
    module = importlib.import_module(package)
    assert module.__doc__, f"{package}/__init__.py says what the folder is for"
    for name in module.__all__:
        assert getattr(module, name) is not None, f"{package}.{name}"
