"""Finding the result folder a command-line argument names: a folder, a file in one, or a
scenario file (its newest result folder under ``results/<name>/``)."""

from __future__ import annotations

from pathlib import Path

from sim.experiments.folder_layout import MANIFEST_FILE, ResultsError
from sim.experiments.reader import ResultSet, load_results
from sim.scenario.loader import load_scenario
from sim.scenario.names import name_problem
from sim.scenario.yaml_source import read_document

SCENARIO_SUFFIXES = (".yaml", ".yml")


def open_source(path: Path | str, results_root: Path | str = "results") -> ResultSet:
    """The result folder ``path`` names.

    - a result folder: itself;
    - a file inside a result folder (``manifest.json``, ``runs.csv``...): its folder;
    - a scenario file: the newest finished folder under ``results_root/<name>/`` (folder names
      are timestamps, so the newest sorts last).

    Raises:
        ResultsError: nothing there, not a result folder, or no results for the scenario yet.
    """
    path = Path(path)
    if (
        path.is_file()
        and path.suffix in SCENARIO_SUFFIXES
        and path.name != "scenario.resolved.yaml"
    ):
        return _latest_for_scenario(path, Path(results_root))
    if path.is_file():
        if not (path.parent / MANIFEST_FILE).exists():
            raise ResultsError(f"{path}: not a result folder or a file in one")
        path = path.parent
    return load_results(path)


def _latest_for_scenario(file: Path, root: Path) -> ResultSet:
    """The newest result folder of a scenario file. The file is read by the scenario loader (its
    size, depth and alias limits and its one-line errors), and its name must be a plain name, so
    it never leads out of ``root``."""
    doc, _ = read_document(file, str(file))  # ScenarioError: exit 2 with the loader's message
    name = doc.get("name") if isinstance(doc, dict) else None
    if name is None and isinstance(doc, dict) and "extends" in doc:
        name = load_scenario(file).name  # the name comes from a file it extends
    if not isinstance(name, str):
        raise ResultsError(f"{file}: no scenario name; give a result folder instead")
    problem = name_problem(name)
    if problem:
        raise ResultsError(f"{file}: name {name!r} {problem}; give a result folder instead")
    parent = root / name
    folders = sorted(p for p in parent.glob("*") if (p / MANIFEST_FILE).exists())
    if not folders:
        raise ResultsError(
            f"{file}: no result folder under {parent}/; run `sim run {file}` first, or give a "
            "result folder"
        )
    return load_results(folders[-1])


__all__ = ["open_source"]
