"""The notebook of docs/python-api.md runs from top to bottom in a fresh kernel, from the project
folder, as a reader would run it, and shows what its text promises."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "examples" / "python-api.ipynb"


def test_the_python_api_notebook_runs() -> None:
    from nbclient import NotebookClient

    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert not any(cell.get("outputs") for cell in nb.cells if cell.cell_type == "code"), (
        "commit the notebook without outputs"
    )
    NotebookClient(nb, timeout=120, resources={"metadata": {"path": str(ROOT)}}).execute()
    texts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            assert out.output_type != "error", out
            data = out.get("data", {})
            texts.append(out.get("text", "") + data.get("text/plain", ""))
            if "image/png" in data:
                texts.append("<png>")
    shown = "\n".join(texts)
    assert "<Result 'margin-cut': variants base, abrupt, gradual; complete;" in shown
    assert "gradual" in shown and "diff_low" in shown
    assert "<png>" in shown, "the figure is displayed"
    assert "['base', 'abrupt', 'gradual'] complete" in shown


@pytest.mark.parametrize("name", ["python-api.ipynb"])
def test_the_docs_point_to_the_notebook(name: str) -> None:
    assert f"examples/{name}" in (ROOT / "docs" / "python-api.md").read_text()
