"""Packaging: everything installs under the one import name ``migrate``.

The repository keeps the client's layout (top-level ``schemas/`` and ``mappers/``), and
``pyproject.toml`` maps those folders to ``migrate.schemas`` and ``migrate.mappers``, so an
installed copy never claims the generic top-level names ``schemas`` or ``mappers``.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _setuptools_config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]


def test_every_package_folder_is_listed():
    config = _setuptools_config()
    package_dir = config["package-dir"]
    listed = set(config["packages"])
    found = set()
    for name, folder in package_dir.items():
        for init in sorted((ROOT / folder).rglob("__init__.py")):
            relative = init.parent.relative_to(ROOT / folder)
            found.add(".".join((name, *relative.parts)))
    # Subfolders of migrate/ are found twice (as migrate.X); schemas/ and mappers/ map in.
    assert listed == found


def test_top_level_folders_install_inside_migrate():
    assert _setuptools_config()["package-dir"] == {
        "migrate": "migrate",
        "migrate.schemas": "schemas",
        "migrate.mappers": "mappers",
    }


def test_wheel_installs_no_top_level_package_but_migrate(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            "--wheel-dir",
            str(tmp_path),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    (wheel,) = tmp_path.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/")[0] for name in names}
    assert {name for name in top if not name.endswith(".dist-info")} == {"migrate"}
    assert "migrate/schemas/intermediary.toml" in names
    assert "migrate/mappers/user.py" in names
    assert "migrate/presets/sharetribe_go/preset.toml" in names
    assert "migrate/presets/sharetribe_go/job.toml.in" in names


@pytest.mark.parametrize("layout", ["modules", "packages"])
def test_python_m_migrate_ignores_local_modules_named_like_ours(tmp_path, layout):
    for name in ("schemas", "mappers"):
        if layout == "modules":
            path = tmp_path / f"{name}.py"
        else:
            (tmp_path / name).mkdir()
            path = tmp_path / name / "__init__.py"
        path.write_text(f'raise SystemExit("imported the local {name}")\n')
    result = subprocess.run(
        [sys.executable, "-m", "migrate", "validate", str(ROOT / "samples/official-example.edn")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert "imported the local" not in result.stdout + result.stderr
    assert result.returncode == 0, result.stderr
    assert "valid: 0 errors, 5 warnings in 9 rows" in result.stdout


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))


def test_license_is_an_spdx_expression_with_its_file():
    project = _project()["project"]
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text("utf-8")
    assert text.startswith("MIT License\n")
    assert "Permission is hereby granted, free of charge" in text
    # SPDX license expressions need setuptools >= 77 (PEP 639); older ones reject the string.
    assert _project()["build-system"]["requires"] == ["setuptools>=77"]


def test_metadata_has_urls_and_classifiers():
    project = _project()["project"]
    assert all(url.startswith("https://") for url in project["urls"].values())
    assert "Typing :: Typed" in project["classifiers"]
    assert "Programming Language :: Python :: 3.11" in project["classifiers"]
    # PEP 639: the license is stated once, by the expression, never by a classifier too.
    assert not [c for c in project["classifiers"] if c.startswith("License ::")]


def test_building_prints_no_deprecation_warning_and_ships_license_and_py_typed(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(tmp_path),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert "deprecated" not in output.lower(), output
    (wheel,) = tmp_path.glob("*.whl")
    archive = zipfile.ZipFile(wheel)
    names = archive.namelist()
    assert "migrate/py.typed" in names
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)
    (metadata,) = [name for name in names if name.endswith(".dist-info/METADATA")]
    text = archive.read(metadata).decode("utf-8")
    assert "\nLicense-Expression: MIT\n" in text
    assert "\nProject-URL: Intermediary format, https://" in text


def test_the_type_checker_runs_on_the_installed_module_names():
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import typecheck
    finally:
        sys.path.remove(str(ROOT / "tools"))
    modules = dict((module, path) for path, module in typecheck.installed_sources())
    assert modules["migrate.schemas"] == ROOT / "schemas" / "__init__.py"
    assert modules["migrate.mappers.user"] == ROOT / "mappers" / "user.py"
    assert modules["migrate.cli"] == ROOT / "migrate" / "cli" / "__init__.py"
    assert not [module for module in modules if module.split(".")[0] != "migrate"]
