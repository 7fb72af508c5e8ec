"""``make typecheck``: mypy over the installed package ``migrate``, schemas/ and mappers/ included.

The repository keeps the client's layout (top-level ``schemas/`` and ``mappers/``) and
``pyproject.toml`` installs them as ``migrate.schemas`` and ``migrate.mappers``. mypy finds
modules by folder, so on its own it would see a top-level ``schemas`` and fail to resolve
``from migrate import schemas``. This runner hands mypy every file with the module name it has
once installed (read from ``[tool.setuptools] package-dir``), then runs one ordinary mypy build
with the ``[tool.mypy]`` settings of ``pyproject.toml``.

    python tools/typecheck.py          # exit 0 when there is no error, 1 otherwise
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

from mypy import build
from mypy.errors import CompileError
from mypy.main import process_options
from mypy.modulefinder import BuildSource

ROOT = Path(__file__).resolve().parent.parent


def installed_sources() -> list[tuple[Path, str]]:
    """Every ``.py`` file that installs, with its installed module name, in a stable order."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]
    package_dir: dict[str, str] = config["package-dir"]
    found: dict[Path, str] = {}
    # Longest package names first: migrate.schemas claims schemas/ before migrate claims migrate/.
    for package, folder in sorted(package_dir.items(), key=lambda item: -len(item[0])):
        base = ROOT / folder
        for path in sorted(base.rglob("*.py")):
            parts = path.relative_to(base).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found.setdefault(path, ".".join((package, *parts)))
    return sorted(found.items(), key=lambda item: item[1])


def main() -> int:
    """Run mypy; print its messages and summary line like the ``mypy`` command does."""
    _, options = process_options(["--config-file", str(ROOT / "pyproject.toml"), str(ROOT)])
    sources = [
        BuildSource(str(path.relative_to(ROOT)), module, None, str(ROOT))
        for path, module in installed_sources()
    ]
    try:
        result = build.build(sources, options)
    except CompileError as error:
        print("\n".join(error.messages))
        return 2
    for line in result.errors:
        print(line)
    errors = [line for line in result.errors if ": error:" in line]
    if errors:
        files = len({line.split(":", 1)[0] for line in errors})
        print(f"Found {len(errors)} errors in {files} files (checked {len(sources)} source files)")
        return 1
    print(f"Success: no issues found in {len(sources)} source files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
