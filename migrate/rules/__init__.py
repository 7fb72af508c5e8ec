"""The rule engine and every Intermediary rule.

In-memory API (used by ``migrate convert`` before anything is written):

- :func:`check_row` ``(row) -> list[Finding]``: the per-row rules, without file positions.
- :class:`CrossRowChecker`: ``add(row, index, position=None) -> list[Finding]`` for each row,
  then ``finish() -> list[Finding]`` for what is settled at the end.
- :class:`RowChecker` when you need a fixed ``now`` or a ``Stamper`` (file name, code filters).

The file API is :func:`migrate.validate.validate_file`. Codes, severities and documentation of
every rule are in :mod:`migrate.rules.catalogue`.
"""

from migrate.rules.catalogue import BY_CODE, RULES, SEVERITY, Rule
from migrate.rules.crossrow import CrossRowChecker
from migrate.rules.engine import RowChecker, Stamper, UnknownRuleCode, check_row, parse_codes
from migrate.rules.findings import Finding, Report, Severity

__all__ = [
    "BY_CODE",
    "RULES",
    "SEVERITY",
    "CrossRowChecker",
    "Finding",
    "Report",
    "Rule",
    "RowChecker",
    "Severity",
    "Stamper",
    "UnknownRuleCode",
    "check_row",
    "parse_codes",
]
