"""``docs/rules.md``: the rule catalogue as a Markdown page, generated from ``catalogue.py``."""

from __future__ import annotations

import json
import re

from migrate.edn import strictness
from migrate.rules.catalogue import EXAMPLE_MARKETPLACE, FAMILIES, RULES, Rule

_LONG_RUN = re.compile(r"(.)\1{79,}")


def _shorten(example: str) -> str:
    """Long runs of one character (the 50KB example) shown as ``xxxx…(51200 × "x")…``."""
    return _LONG_RUN.sub(
        lambda m: f'{m.group(1) * 8}…({len(m.group())} × "{m.group(1)}")…', example
    )


def _entry(rule: Rule) -> list[str]:
    lines = [
        f"### `{rule.code}`\n",
        f"**{rule.title}** ({rule.severity.value})\n",
        f"*What it checks.* {rule.checks}\n",
        f"*Why it matters.* {rule.why}\n",
    ]
    if rule.marketplace:
        lines.append(
            "*Checked with `--marketplace`* (or a job's `[marketplace]`); the examples are "
            "checked against the [example configuration](#the-example-marketplace-configuration)."
            "\n"
        )
    if rule.failing is not None and rule.fixed is not None:
        what = "document" if rule.document_examples else "rows of `:data`"
        lines += [
            f"Failing example ({what}):\n",
            "```clojure",
            _shorten(rule.failing),
            "```\n",
            "Fixed:\n",
            "```clojure",
            _shorten(rule.fixed),
            "```\n",
        ]
    return lines


def rules_reference() -> str:
    """The text of ``docs/rules.md``: every rule code, grouped by family, with examples."""
    parts = [
        "<!-- Generated from migrate/rules/catalogue.py by `python -m migrate.docs`; "
        "do not edit by hand. -->\n",
        "# Validation rules\n",
        "Every rule `migrate validate` checks, by stable code. Errors fail validation (exit 1); "
        "warnings are reported but pass unless `--warnings-as-errors` is given. Select or "
        "ignore rules with `--select CODES` / `--ignore CODES`. Where the spec is ambiguous the "
        "strict reading is taken and stated under *What it checks*.\n",
        "| Code | Severity | Title |",
        "| --- | --- | --- |",
    ]
    parts += [f"| [`{r.code}`](#{r.code}) | {r.severity.value} | {r.title} |" for r in RULES]
    for family, heading in FAMILIES.items():
        parts.append(f"\n## {heading}\n")
        if family == "marketplace":
            parts += _marketplace_intro()
        for rule in RULES:
            if rule.family == family:
                parts += _entry(rule)
    parts.append("\n" + strictness.markdown())  # the reader's table, from migrate/edn
    return "\n".join(parts).rstrip("\n") + "\n"


def _marketplace_intro() -> list[str]:
    lines = [
        "These rules run when `migrate validate` is given the target marketplace's "
        "configuration: `--marketplace DIR`, a directory of the files the Asset Delivery API "
        "serves (with or without its `data`/`meta` envelope), or `--marketplace-client-id ID`, "
        "which fetches them (the `latest` version). `migrate convert` runs them too when the job "
        "names a `[marketplace] dir`. Any subset of the files may be given: the checks of a "
        "missing one are skipped, and the report says which. They are read the way the "
        "Sharetribe web template reads them (`configHelpers.js`).\n",
        "### The example marketplace configuration\n",
        "The examples below are checked against these files (one code block per file):\n",
    ]
    for path, document in EXAMPLE_MARKETPLACE.items():
        lines += [f"`{path}`:\n", "```json", json.dumps(document, indent=2), "```\n"]
    return lines
