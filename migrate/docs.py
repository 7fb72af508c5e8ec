"""Generated documentation: ``python -m migrate.docs`` writes it, ``--check`` finds stale files.

``GENERATED`` is the registry: each entry maps a path under the project root to a
``"module:function"`` whose function takes no argument and returns the file's Markdown text.
Generators are imported only when run, so each module that documents itself (the attribute
reference here, the rule catalogue, the job-file reference) adds one line to the registry.
An entry whose module is not importable yet is skipped, not failed.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from migrate import schemas
from migrate.fileio import atomic_write

ROOT = Path(__file__).resolve().parent.parent

# path relative to the project root -> "module:function" returning the file's text
GENERATED: dict[str, str] = {
    "docs/attributes.md": "migrate.docs:attributes_reference",
    "docs/anonymise.md": "migrate.anonymise.docs:anonymise_reference",
    "docs/rules.md": "migrate.rules.docs:rules_reference",
    "docs/job-file.md": "migrate.convert.docs:job_file_reference",
    "docs/geocoding.md": "migrate.geocode.docs:geocoding_reference",
    "docs/check-images.md": "migrate.images.docs:check_images_reference",
    "docs/cli.md": "migrate.cli_docs:cli_reference",
    "docs/presets.md": "migrate.presets.docs:presets_reference",
}

STALE_HINT = "run `make docs` (python -m migrate.docs) and commit the result"


def _header(source: str) -> str:
    return f"<!-- Generated from {source} by `python -m migrate.docs`; do not edit by hand. -->\n"


def generator(target: str) -> Callable[[], str] | None:
    """The function behind a ``"module:function"`` entry, or ``None`` if its module is absent."""
    module_name, attribute = target.split(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        missing = error.name or ""
        if module_name == missing or module_name.startswith(missing + "."):
            return None
        raise
    return getattr(module, attribute)


def generate_all() -> dict[str, str]:
    """Every registered document's current text, by path relative to the project root."""
    documents: dict[str, str] = {}
    for path, target in GENERATED.items():
        function = generator(target)
        if function is not None:
            documents[path] = function()
    return documents


def stale(root: Path = ROOT) -> list[str]:
    """Registered documents whose file under ``root`` is missing or differs from the generator."""
    result = []
    for path, text in generate_all().items():
        target = root / path
        current = target.read_text("utf-8") if target.is_file() else None
        if current != text:
            result.append(path)
    return result


def write_all(root: Path = ROOT) -> list[str]:
    """Regenerate every registered document under ``root``; returns the paths that changed."""
    changed = []
    for path, text in generate_all().items():
        target = root / path
        if target.is_file() and target.read_text("utf-8") == text:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(target) as stream:
            stream.write(text)
        changed.append(path)
    return changed


# The attribute reference ------------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _codes(keywords: Sequence[object]) -> str:
    return ", ".join(f"`{keyword!r}`" for keyword in keywords)


def _kind(attribute: schemas.Attribute, schema: schemas.Schema) -> str:
    kind = attribute.kind
    if kind == "enum":
        return f"enum, one of {_codes(attribute.values)}"
    if kind == "enum-set":
        return f"enum set, a vector of distinct {_codes(attribute.values)}"
    if kind == "ref":
        targets = " or ".join(
            f"[{name}](#{schema.row_type(name).name.lower()})" for name in attribute.targets
        )
        return f"`#im/ref` to {targets}"
    if kind == "integer":
        if attribute.min is not None and attribute.max is not None:
            return f"integer, {attribute.min} to {attribute.max}"
        if attribute.min is not None:
            return f"integer, at least {attribute.min}"
        if attribute.max is not None:
            return f"integer, at most {attribute.max}"
        return "integer"
    if kind == "money":
        return 'money, `#im/money [amount "CUR"]`'
    if kind == "location":
        return "location, `#im/location [lat lng]`"
    if kind == "json":
        return f"extended data, a JSON map of at most {schema.extended_data_max_bytes} bytes"
    if kind == "instant":
        return "instant, `#inst`"
    if kind == "map":
        return "map of the attributes below"
    return kind


def _rows(
    attributes: Sequence[schemas.Attribute], schema: schemas.Schema, parent: str = ""
) -> list[str]:
    lines = []
    for attribute in attributes:
        name = f"{parent}`{attribute.key!r}`"
        required = "required" if attribute.required else "optional"
        kind = _kind(attribute, schema)
        lines.append(f"| {name} | {_cell(kind)} | {required} | {_cell(attribute.doc)} |")
        if attribute.attributes:
            lines.extend(_rows(attribute.attributes, schema, f"{name} › "))
    return lines


def attributes_reference() -> str:
    """``docs/attributes.md``: every row type's attributes, generated from ``schemas/``."""
    schema = schemas.load()
    parts = [
        _header("schemas/intermediary.toml"),
        "# Intermediary attribute reference\n",
        f"The row types and attributes of Sharetribe's Intermediary format, as the validator, the "
        f"writer and the mappers know them. Source: [the spec]({schema.spec_url}).\n",
        "Optional attributes are omitted rather than written empty. The writer puts attributes "
        "in the order of these tables.\n",
        "| Row type | Id attribute | Attributes |",
        "| --- | --- | --- |",
    ]
    for row_type in schema.types:
        count = sum(1 for _ in schemas.all_attributes(row_type))
        parts.append(
            f"| [{row_type.title}](#{row_type.name.lower()}) | `{row_type.id_attr!r}` | {count} |"
        )
    for row_type in schema.types:
        parts.append(f"\n## {row_type.name}\n")
        parts.append(f'{row_type.title} rows: `[[{row_type.id_attr!r} #uuid "…" :alias] {{…}}]`.')
        if row_type.api_reference:
            parts.append(f"API resource: <{row_type.api_reference}>.")
        parts.append("")
        parts.append("| Attribute | Kind | Required | Description |")
        parts.append("| --- | --- | --- | --- |")
        parts.extend(_rows(row_type.attributes, schema))
    public_keys = ", ".join(f"`{key}`" for key in schema.listing_public_data_keys)
    address = ".".join(schema.listing_address_path)
    parts.append("\n## Extended data\n")
    parts.append(
        "Extended data (`publicData`, `protectedData`, `privateData`, `metadata`) is JSON only: "
        "maps with keyword or string keys; strings, numbers, booleans, nil, vectors and maps as "
        f"values; at most {schema.extended_data_max_bytes} bytes per object serialised as JSON. "
        "The writer keeps the keys of extended data in the order they were given.\n"
    )
    parts.append(
        f"The Sharetribe web template expects {public_keys} in listing `publicData` and reads "
        f"the address from `publicData.{address}`."
    )
    return "\n".join(parts) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: write the generated docs, or with ``--check`` report stale ones (exit 1)."""
    parser = argparse.ArgumentParser(prog="python -m migrate.docs", description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if a document is stale")
    parser.add_argument("--root", type=Path, default=ROOT, help="project root (default: here)")
    options = parser.parse_args(argv)
    if options.check:
        outdated = stale(options.root)
        for path in outdated:
            print(f"{path} is stale; {STALE_HINT}", file=sys.stderr)
        return 1 if outdated else 0
    for path in write_all(options.root):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
