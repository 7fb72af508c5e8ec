"""``make notebook``: run the walkthrough notebook and commit it with its outputs.

    python tools/notebook.py          # executes notebooks/*.ipynb in place

The committed notebook shows its outputs when opened; tests/test_notebook.py runs it again and
compares the outputs with the committed ones (:func:`outputs`), so it never goes stale. Outputs
are deterministic: the notebook prints no timings and no absolute paths.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def execute(path: Path) -> Any:
    """The notebook at ``path`` run top to bottom (its folder as the working directory)."""
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    for cell in notebook.cells:  # what differs from run to run and says nothing
        cell.metadata.pop("execution", None)
    return notebook


def outputs(notebook: Any) -> list[list[dict[str, Any]]]:
    """Each code cell's outputs as compared by the test: stream text and displayed data."""
    found = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        shown = []
        for output in cell.outputs:
            item: dict[str, Any] = {"type": output.output_type}
            if "text" in output:
                item["text"] = output.text
            if "data" in output:
                item["data"] = {
                    kind: value
                    for kind, value in output.data.items()
                    if kind in ("text/plain", "text/html")
                }
            if output.output_type == "error":
                item["error"] = f"{output.ename}: {output.evalue}"
            shown.append(item)
        found.append(shown)
    return found


def main() -> int:
    for path in NOTEBOOKS:
        nbformat.write(execute(path), path)
        print(f"executed {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
