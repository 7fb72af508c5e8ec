"""The presets bundled with migrate: one folder each under ``migrate/presets/``.

A preset folder holds ``preset.toml`` (its manifest: name, what SOURCE it takes, its
parameters) and the job template the manifest names (``job.toml.in``), in which ``{{name}}``
stands for a parameter's checked value. A manifest may name a ``discover`` function
(``module:function``) that reads the source database to fill parameters and generated blocks of
the template (the Sharetribe Go preset reads the community's currency and custom fields). A new
platform is a new folder: nothing else registers it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable

from migrate.convert.job import suggest
from migrate.errors import ConfigError
from migrate.presets.params import KINDS, Param

MANIFEST = "preset.toml"
_MANIFEST_KEYS = {
    "name",
    "title",
    "summary",
    "source",
    "dialects",
    "template",
    "discover",
    "params",
}
_PARAM_KEYS = {
    "kind",
    "help",
    "required",
    "default",
    "default_from",
    "example",
    "base",
    "placeholders",
}


@dataclass(frozen=True)
class Preset:
    """A preset as its manifest describes it; ``folder`` holds the manifest and the template."""

    name: str
    title: str
    summary: str
    source: str
    dialects: tuple[str, ...]
    template: str
    discover: str | None
    params: tuple[Param, ...]
    folder: Traversable

    def param(self, name: str) -> Param | None:
        """The parameter called ``name``, if the preset has one."""
        return next((param for param in self.params if param.name == name), None)

    def template_text(self) -> str:
        """The job template, as UTF-8 text."""
        return self.folder.joinpath(self.template).read_text(encoding="utf-8")


def available() -> list[Preset]:
    """Every bundled preset, by name."""
    found = []
    for entry in resources.files("migrate.presets").iterdir():
        if entry.is_dir() and entry.joinpath(MANIFEST).is_file():
            found.append(load_manifest(entry))
    return sorted(found, key=lambda preset: preset.name)


def get(name: str) -> Preset:
    """The preset called ``name``; :class:`ConfigError` with the known names otherwise."""
    presets = available()
    for preset in presets:
        if preset.name == name:
            return preset
    names = [preset.name for preset in presets]
    raise ConfigError(
        f"--preset {name}: no such preset{suggest(name, names)} (presets: {', '.join(names)})"
    )


def load_manifest(folder: Traversable) -> Preset:
    """Read and check ``folder/preset.toml``; a mistake in it is a bug of the preset."""
    where = f"{folder.name}/{MANIFEST}"
    raw = tomllib.loads(folder.joinpath(MANIFEST).read_text(encoding="utf-8"))
    unknown = set(raw) - _MANIFEST_KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown keys {sorted(unknown)}")
    params = []
    for name, table in raw.get("params", {}).items():
        extra = set(table) - _PARAM_KEYS
        if extra:
            raise ConfigError(f"{where}: params.{name}: unknown keys {sorted(extra)}")
        if table.get("kind") not in KINDS:
            raise ConfigError(f"{where}: params.{name}.kind: one of {', '.join(KINDS)}")
        params.append(
            Param(
                name=name,
                kind=table["kind"],
                help=table.get("help", ""),
                required=bool(table.get("required", False)),
                default=table.get("default"),
                default_from=table.get("default_from"),
                example=table.get("example"),
                base=table.get("base"),
                placeholders=tuple(table.get("placeholders", ())),
            )
        )
    template = raw.get("template", "job.toml.in")
    if not folder.joinpath(template).is_file():
        raise ConfigError(f"{where}: template {template} is missing")
    return Preset(
        name=raw["name"],
        title=raw.get("title", raw["name"]),
        summary=raw.get("summary", ""),
        source=raw.get("source", "an SQLite file or a database URL"),
        dialects=tuple(raw.get("dialects", ("sqlite",))),
        template=template,
        discover=raw.get("discover"),
        params=tuple(params),
        folder=folder,
    )
