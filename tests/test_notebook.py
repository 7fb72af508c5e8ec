"""The walkthrough notebook: it runs, uses only the public API, and its committed outputs are current."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "mapping-walkthrough.ipynb"
sys.path.insert(0, str(ROOT / "tools"))
import notebook as runner  # noqa: E402  (tools/notebook.py)


def _code(notebook: nbformat.NotebookNode) -> str:
    return "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")


def test_the_committed_notebook_shows_its_outputs_and_they_are_current():
    committed = nbformat.read(NOTEBOOK, as_version=4)
    expected = runner.outputs(committed)
    assert all(expected[1:]), "every code cell but the imports shows an output"
    again = runner.outputs(runner.execute(NOTEBOOK))
    assert not [o for cell in again for o in cell if o["type"] == "error"]
    for index, (now, before) in enumerate(zip(again, expected, strict=True)):
        assert now == before, (
            f"code cell {index} prints something else than the committed notebook shows; "
            "run `make notebook` and commit the result"
        )


def test_the_notebook_uses_only_the_public_api():
    code = _code(nbformat.read(NOTEBOOK, as_version=4))
    assert "from migrate" not in code
    used = set(re.findall(r"\bmigrate\.(\w+)", code))
    assert used == {"load_job", "preview", "convert", "validate", "JobError"}


def test_the_notebook_defines_its_job_inline_and_shows_no_paths_or_timings():
    committed = nbformat.read(NOTEBOOK, as_version=4)
    assert "job.toml" not in _code(committed)
    shown = repr(runner.outputs(committed))
    assert str(ROOT) not in shown and "/tmp" not in shown
    assert not re.search(r"\d+(\.\d+)? ?(ms|s)\b", shown)


def test_import_migrate_loads_nothing_heavy():
    script = (
        "import sys, migrate\n"
        "assert callable(migrate.load_job)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('pandas', 'polars', 'click', 'rich', 'faker', 'geopy')))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert completed.stdout.strip() == "[]"
