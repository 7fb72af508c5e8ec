"""``docs/presets.md``: the preset mechanism and every bundled preset, from their manifests.

Each preset's section is its manifest (summary, SOURCE, parameters) followed by the
``about.md`` beside it; the "Adding a preset" part lists the parameter kinds from
:data:`migrate.presets.params.KINDS`.
"""

from __future__ import annotations

from migrate.presets.manifest import Preset, available
from migrate.presets.params import KINDS

_INTRO = """\
# Presets: complete job files for known platforms

`migrate init` guesses a starter job from column names. For a platform whose schema is known, a
**preset** writes the complete job instead: every source query, every mapping, with comments
saying what each part does and why.

```sh
migrate init --list-presets
migrate init --preset NAME SOURCE -o job.toml [--param KEY=VALUE …] [--ident IDENT] [--force]
migrate convert job.toml
```

SOURCE is the platform's database: an SQLite file, or a database URL. A URL is read while
`init` runs and never written: the job names the environment variable that holds it
(`--param url_env=NAME`), so set that variable before `migrate convert`. Parameters are checked
before anything is read; a wrong one, a missing required one, or a database that cannot be read
gives one line and exit code 2. The job file is checked the way `migrate convert` checks it
(each query run, each mapped column found) before it is written, atomically, so a job a preset
wrote always loads.
"""

_ADDING = """\
## Adding a preset

A preset is a folder under `migrate/presets/` (listed in `pyproject.toml`'s package data):

- `preset.toml`, its manifest: `name` (what `--preset` takes), `title`, `summary`, `source` (what
  SOURCE is, in words), `dialects` (the database kinds it reads: SQLAlchemy backend names such
  as `mysql`, `mariadb`, `postgresql`, `sqlite`), `template` (default `job.toml.in`), optionally
  `discover`, and one `[params.NAME]` table per parameter with `kind`, `help` and one of
  `required = true`, `default = "…"` or `default_from = "…"` (words saying where `discover`
  takes it from). A `url_template` parameter also has `base` (the url parameter a relative
  template joins) and `placeholders` (the columns it may use).
- the job template: a job file in which `{{NAME}}` stands for a parameter's checked value, and
  `{{source}}` for the source location lines (`path = "…"` or `url_env = "…"`). Values can sit
  inside TOML strings and SQL literals alike: every kind refuses quotes, backslashes and line
  breaks. `{{init_command}}`, `{{source_label}}` and `{{job_name}}` are there for comments.
- `about.md`, its section of this page.
- optionally a Python module with `discover(db, values, today)`, named by `discover =
  "module:function"`: it may run queries (`db.rows(sql)`, through the same SQL adapter as
  `migrate convert`) to choose defaults and to fill blocks of the template the parameters cannot
  express, and returns a `migrate.presets.render.Discovery`.

`tests/test_preset_init.py` checks that every bundled preset has a manifest and a template whose
placeholders are known.

Parameter kinds:

| Kind | Value |
| --- | --- |
"""


def presets_reference() -> str:
    """The text of ``docs/presets.md``."""
    from migrate.docs import _header

    parts = [_header("migrate/presets/ (manifests and about.md)"), _INTRO]
    presets = available()
    parts.append(
        "Bundled presets: " + ", ".join(f"[`{p.name}`](#{p.name})" for p in presets) + ".\n"
    )
    for preset in presets:
        parts.append(_preset_section(preset))
    parts.append(_ADDING + "".join(f"| `{kind}` | {text} |\n" for kind, text in KINDS.items()))
    return "\n".join(parts)


def _preset_section(preset: Preset) -> str:
    lines = [
        f"## {preset.name}",
        "",
        f"**{preset.title}.** {preset.summary}",
        "",
        f"SOURCE: {preset.source}.",
        "",
        "| Parameter | Kind | Default | Meaning |",
        "| --- | --- | --- | --- |",
    ]
    for param in preset.params:
        default = param.describe_default()
        default = (
            "**required**"
            if param.required
            else (f"`{default}`" if param.default is not None else default)
        )
        example = f" Example: `{param.example}`." if param.example else ""
        lines.append(f"| `{param.name}` | {param.kind} | {default} | {param.help}{example} |")
    about = preset.folder.joinpath("about.md")
    text = "\n".join(lines) + "\n"
    if about.is_file():
        text += "\n" + about.read_text(encoding="utf-8")
    return text
