"""Another revision of the project, run side by side with the worktree (``run.py --vs REV``).

``extract(rev)`` writes the files of a commit (``git archive``) once into
``benchmarks/out/trees/<sha>/`` and returns that folder; ``child_env(tree)`` is the environment
of a benchmark child that must import that tree's packages (``sim``, ``cli``, ``analysis``,
``workbench``) instead of the worktree's. The child's script reads :func:`code_root` and puts it
first on its path, and ``PYTHONPATH`` carries it to the processes the child starts (the workers
of a run, the ``sim`` command). Both trees use this worktree's installed dependencies, benchmark
scenarios and benchmark code, so only the engine differs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TREES = ROOT / "benchmarks" / "out" / "trees"
ENV = "SIM_BENCH_TREE"
"""The environment variable naming the tree a child imports (unset: the worktree)."""
COMPLETE = ".extracted"
"""Written last into an extracted tree: a folder without it is a partial extraction."""


class TreeError(Exception):
    """The revision cannot be run; ``str()`` says why and what to do."""


def code_root() -> Path:
    """The tree whose packages this process should import: ``$SIM_BENCH_TREE`` or the worktree."""
    return Path(os.environ[ENV]) if os.environ.get(ENV) else ROOT


def resolve(rev: str) -> str:
    """The full commit id of ``rev`` in this clone."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"],
            capture_output=True, text=True, cwd=ROOT,
        )  # fmt: skip
    except OSError as exc:
        raise TreeError(f"--vs {rev}: git is not available ({exc})") from None
    if out.returncode != 0 or not out.stdout.strip():
        raise TreeError(
            f"--vs {rev}: not a commit of this clone (a shallow clone lacks the history: "
            "`git fetch --unshallow`; or run without a comparison: make bench BENCH_VS=)"
        )
    return out.stdout.strip()


def extract(rev: str) -> Path:
    """The files of commit ``rev``, extracted once under :data:`TREES` (reused afterwards)."""
    sha = resolve(rev)
    target = TREES / sha
    if (target / COMPLETE).exists():
        return target
    partial = TREES / f".{sha}.{os.getpid()}"
    for stale in (partial, target):
        if stale.exists():
            shutil.rmtree(stale)
    partial.mkdir(parents=True)
    archive = subprocess.Popen(["git", "archive", sha], stdout=subprocess.PIPE, cwd=ROOT)
    assert archive.stdout is not None
    with tarfile.open(fileobj=archive.stdout, mode="r|") as tar:
        tar.extractall(partial, filter="data")
    if archive.wait() != 0:
        shutil.rmtree(partial)
        raise TreeError(f"--vs {rev}: git archive {sha[:10]} failed")
    (partial / COMPLETE).write_text(sha + "\n")
    os.replace(partial, target)
    return target


def child_env(tree: Path | None) -> dict[str, str]:
    """The environment of a child importing ``tree`` (None: the worktree)."""
    env = {k: v for k, v in os.environ.items() if k != ENV}
    code = tree or ROOT
    env["PYTHONPATH"] = os.pathsep.join([str(code), *filter(None, [env.get("PYTHONPATH")])])
    if tree is not None:
        env[ENV] = str(tree)
    return env


def imported_from() -> str:
    """The tree the ``sim`` package of this process was imported from (a child reports it, so
    the parent can check that each side ran the code it meant)."""
    import sim

    return str(Path(sim.__file__).resolve().parents[1])


__all__ = ["TreeError", "child_env", "code_root", "extract", "imported_from", "resolve"]
