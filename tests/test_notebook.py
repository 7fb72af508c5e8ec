"""The mapping walkthrough notebook runs top to bottom against the current library."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "mapping-walkthrough.ipynb"


def test_walkthrough_executes_and_shows_the_rejects():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    ).execute()
    outputs = [
        output.get("text", "") + str(output.get("data", {}).get("text/plain", ""))
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    ]
    assert not [
        o for cell in notebook.cells for o in cell.get("outputs", []) if o.output_type == "error"
    ]
    text = "\n".join(outputs)
    assert "emails repeated up to case" in text
    assert "rejected by rule: " in text
    assert "ref-target-rejected" in text
    assert "{:ident :trailhop" in text
