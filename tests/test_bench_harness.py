"""The benchmark harness's side-by-side mode (``benchmarks/run.py --vs REV``): an earlier revision
is extracted once, its children import it instead of the worktree, and the table puts both sides
and their ratio on each line. No timings here (those are the benchmarks' own output)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


trees = _load("trees")
bench = _load("run")


def _git(repo: Path, *args: str) -> str:
    out = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        cwd=repo, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return out.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository with one commit holding a ``sim`` package that says where it is."""
    repo = tmp_path / "repo"
    (repo / "sim").mkdir(parents=True)
    (repo / "sim" / "__init__.py").write_text("WHICH = 'first'\n")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "first")
    monkeypatch.setattr(trees, "ROOT", repo)
    monkeypatch.setattr(trees, "TREES", tmp_path / "trees")
    return repo


def test_extract_writes_the_commit_once_and_reuses_it(repo: Path) -> None:
    first = _git(repo, "rev-parse", "HEAD")
    (repo / "sim" / "__init__.py").write_text("WHICH = 'second'\n")
    _git(repo, "commit", "-q", "-am", "second")
    tree = trees.extract(first)
    assert tree.name == first
    assert (tree / "sim" / "__init__.py").read_text() == "WHICH = 'first'\n"  # the commit's file
    marker = (tree / trees.COMPLETE).stat().st_mtime_ns
    assert trees.extract(first[:8]) == tree  # an abbreviation resolves to the same folder
    assert (tree / trees.COMPLETE).stat().st_mtime_ns == marker  # not extracted again
    assert not [p for p in trees.TREES.iterdir() if p.name.startswith(".")]  # no partial left


def test_a_partial_extraction_is_replaced(repo: Path) -> None:
    sha = _git(repo, "rev-parse", "HEAD")
    stale = trees.TREES / sha
    (stale / "sim").mkdir(parents=True)
    (stale / "sim" / "__init__.py").write_text("half")  # no completion marker: interrupted
    tree = trees.extract("HEAD")
    assert (tree / "sim" / "__init__.py").read_text() == "WHICH = 'first'\n"


def test_an_unknown_revision_says_what_to_do(repo: Path) -> None:
    with pytest.raises(trees.TreeError, match="not a commit of this clone.*BENCH_VS="):
        trees.extract("no-such-rev")


def test_a_child_imports_the_tree_it_is_given_not_the_worktree(tmp_path: Path) -> None:
    """PYTHONPATH and ``code_root`` put the tree ahead of the editable install of the worktree."""
    tree = tmp_path / "old"
    (tree / "sim").mkdir(parents=True)
    (tree / "sim" / "__init__.py").write_text("")
    probe = (
        f"import sys; sys.path.insert(0, {str(ROOT / 'benchmarks')!r}); import trees; "
        "sys.path.insert(0, str(trees.code_root())); print(trees.imported_from())"
    )
    for given, expected in ((tree, tree), (None, ROOT)):
        out = subprocess.run(
            [sys.executable, "-c", probe], env=trees.child_env(given), cwd=tmp_path,
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        assert Path(out.stdout.strip()) == expected.resolve()
    assert trees.ENV not in trees.child_env(None)


def _size(seconds: float) -> dict[str, Any]:
    return {"seconds": seconds, "cpu_seconds": seconds, "validate_seconds": 0.1,
            "peak_bytes": 2**30, "all_seconds": [seconds] * 3}  # fmt: skip


def test_side_by_side_lines_carry_both_values_and_their_ratio() -> None:
    args = bench.parse_args(["--sizes", "M", "--ensemble", "--vs", "abc"])
    this = {"size:M": _size(0.5), "M-per-agent": _size(20.0), "M-batch": _size(0.4),
            "ensemble:1": {"seconds": 20.0}, "ensemble:2": {"seconds": 12.5},
            "ensemble:full": {"seconds": 300.0}}  # fmt: skip
    previous = {**this, "size:M": _size(1.0), "ensemble:full": {"seconds": 600.0},
                "M-per-agent": {"skipped": "this engine has no engine='per-agent'"}}  # fmt: skip
    rows = {r["line"]: r for r in bench.side_by_side(
        bench.rows_of(previous, args), bench.rows_of(this, args)
    )}  # fmt: skip
    m = rows["M time per replicate"]
    assert (m["previous"], m["value"], m["ratio"]) == (
        "1.00 s (CPU 1.00 s)",
        "0.50 s (CPU 0.50 s)",
        "0.50",
    )
    assert rows["Ensemble 1000 x M, 2 workers"]["ratio"] == "0.50"
    assert rows["M per replicate inside a 32-replicate ensemble"]["status"] == "FAIL"  # 0.4 > 0.05
    speed = rows["M speed-up over per-agent"]
    assert (speed["previous"], speed["value"], speed["ratio"]) == ("-", "40x", "-")
    assert rows["Scaling 1 -> 2 workers"]["value"] == "80%"
    table = bench.markdown(list(rows.values()), "header", "abc")
    assert "| line | abc | this tree | this / abc | target | status | note |" in table
    assert "| M time per replicate | 1.00 s (CPU 1.00 s) | 0.50 s (CPU 0.50 s) | 0.50 |" in table


def test_a_failure_of_the_earlier_engine_is_a_line_a_failure_of_this_one_stops(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def fake_child(
        args: list[str], tree: Path | None, script: Path | None = None
    ) -> dict[str, Any]:
        if tree is not None:
            raise bench.ChildFailed("--child M: exit 1: ImportError: no tune_allocator")
        return {**_size(0.5), "imported_from": str(bench.ROOT.resolve())}

    monkeypatch.setattr(bench, "in_child", fake_child)
    runs = bench.Bench([("old", tmp_path), (bench.THIS, None)])
    runs.measure("size:M", ["--child", "M"])
    assert "ImportError" in runs.results["old"]["size:M"]["error"]
    line = bench.size_rows(bench.SIZES["M"], runs.results["old"]["size:M"])[0]
    assert (line["value"], line["status"]) == ("-", "n/a")
    assert "ImportError" in line["note"]

    def failing(args: list[str], tree: Path | None, script: Path | None = None) -> dict[str, Any]:
        raise bench.ChildFailed("--child M: exit 1: boom")

    monkeypatch.setattr(bench, "in_child", failing)
    with pytest.raises(bench.ChildFailed, match="boom"):  # this worktree's engine must run
        bench.Bench([(bench.THIS, None)]).measure("size:M", ["--child", "M"])
    monkeypatch.setattr(bench, "in_child", lambda *a, **k: {"imported_from": "/elsewhere"})
    with pytest.raises(RuntimeError, match="ran /elsewhere"):
        bench.Bench([(bench.THIS, None)]).measure("size:M", ["--child", "M"])
