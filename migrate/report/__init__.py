"""The HTML sign-off report of ``migrate convert --html`` and ``migrate validate --html``.

:mod:`migrate.report.facts` gathers what to show from a run; :mod:`migrate.report.html` draws
one self-contained page (inline styles and SVG, a bundled world outline, no network).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import os

    from migrate.convert.outputs import ConvertReport
    from migrate.rules.findings import Report


def write_conversion_report(
    report: ConvertReport, path: str | os.PathLike[str], *, base_dir: Path | None = None
) -> Path:
    """Write the sign-off report of a conversion to ``path`` (atomically)."""
    from migrate.report import facts, html

    return html.write(facts.from_conversion(report, base_dir=base_dir), Path(path))


def write_validation_report(
    report: Report, checked: str | os.PathLike[str], path: str | os.PathLike[str]
) -> Path:
    """Write the sign-off report of a validation of the file ``checked`` to ``path``."""
    from migrate.report import facts, html

    return html.write(facts.from_validation(report, checked), Path(path))
