"""Job-file mistakes come all at once, each as ``job.toml:LINE:COL: key.path: message``."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from migrate.cli import main
from migrate.convert.job import MAX_PROBLEMS, JobError, load_job
from migrate.convert.toml_positions import TomlPositions, parse_where

USERS_CSV = "id,email,first_name,last_name,signed_up_at\n1,a@example.com,Anna,Smith,2021-01-01\n"

FIVE_MISTAKES = """\
ident = "test-market"

[output]
nmae = "x"

[defaults]
timezone = "Mars/Base"

[sources.users]
type = "csv"
path = "users.csv"

[records.user]
source = "users"
id = "id"

[records.user.mapping]
emial = "email"
firstName = "frist_name"
lastName = "last_name"
createdAt = { column = "signed_up_at", transform = "nope" }
"""


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "users.csv").write_text(USERS_CSV)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(text: str) -> Path:
    path = Path("job.toml")
    path.write_text(textwrap.dedent(text))
    return path


def test_five_mistakes_are_reported_at_once_with_line_and_column(workdir):
    with pytest.raises(JobError) as caught:
        load_job(write(FIVE_MISTAKES))
    assert caught.value.lines == [
        'job.toml:4:1: output.nmae: unknown key (did you mean "name"?)',
        'job.toml:7:1: defaults.timezone: unknown time zone "Mars/Base"',
        'job.toml:18:1: records.user.mapping.emial: unknown attribute "emial" for user '
        '(did you mean "email"?)',
        # the column check runs on what could be read, in the same pass
        'job.toml:19:1: records.user.mapping.firstName: source "users" has no column '
        '"frist_name" (did you mean "first_name"?)',
        'job.toml:21:40: records.user.mapping.createdAt.transform: unknown transform "nope"',
    ]
    assert [(p.line, p.column) for p in caught.value.problems] == [
        (4, 1),
        (7, 1),
        (18, 1),
        (19, 1),
        (21, 40),
    ]


def test_a_job_that_reads_gets_every_column_mistake_at_once(workdir):
    text = FIVE_MISTAKES.replace('nmae = "x"', 'name = "x"').replace("Mars/Base", "UTC")
    text = text.replace("emial", "email").replace('transform = "nope"', 'transform = "date"')
    text = text.replace('lastName = "last_name"', 'lastName = "lst_name"')
    with pytest.raises(JobError) as caught:
        load_job(write(text))
    assert caught.value.lines == [
        'job.toml:19:1: records.user.mapping.firstName: source "users" has no column '
        '"frist_name" (did you mean "first_name"?)',
        'job.toml:20:1: records.user.mapping.lastName: source "users" has no column '
        '"lst_name" (did you mean "last_name"?)',
    ]


def test_the_command_prints_each_mistake_on_its_own_line(workdir):
    write(FIVE_MISTAKES)
    result = CliRunner().invoke(main, ["convert", "job.toml"])
    assert (result.exit_code, result.stdout) == (2, "")
    lines = result.stderr.splitlines()
    assert len(lines) == 5
    assert all(line.startswith("Error: job.toml:") for line in lines)
    assert lines[0] == 'Error: job.toml:4:1: output.nmae: unknown key (did you mean "name"?)'


def test_a_job_on_standard_input_is_named_stdin_and_reads_paths_from_here(workdir):
    result = CliRunner().invoke(main, ["convert", "-", "-q"], input=FIVE_MISTAKES)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (
        'Error: <stdin>:4:1: output.nmae: unknown key (did you mean "name"?)'
    )
    good = FIVE_MISTAKES.replace('nmae = "x"', 'name = "x"').replace("Mars/Base", "UTC")
    good = good.replace("emial", "email").replace('transform = "nope"', 'transform = "date"')
    good = good.replace("frist_name", "first_name")
    result = CliRunner().invoke(main, ["convert", "-", "-o", "-"], input=good)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("{:ident :test-market")
    assert (workdir / "out" / "x.rejects.csv").exists()


def test_a_toml_syntax_error_has_its_line_and_column(workdir):
    with pytest.raises(JobError) as caught:
        load_job(write('ident = "x"\n\n[records.user\nsource = "users"\n'))
    assert (
        str(caught.value)
        == "job.toml:3:14: not valid TOML: expected ']' at the end of a table declaration"
    )
    result = CliRunner().invoke(main, ["convert", "job.toml"])
    assert result.stderr == (
        "Error: job.toml:3:14: not valid TOML: expected ']' at the end of a table declaration\n"
    )


def test_a_job_file_that_is_not_utf8_names_the_line(workdir):
    Path("job.toml").write_bytes(b'ident = "x"\nname = "caf\xe9"\n')
    with pytest.raises(JobError) as caught:
        load_job("job.toml")
    assert str(caught.value) == "job.toml:2:12: not valid TOML: the file is not UTF-8 text"


def test_a_missing_key_points_at_its_table(workdir):
    text = FIVE_MISTAKES.replace('nmae = "x"', 'name = "x"').replace("Mars/Base", "UTC")
    text = text.replace("emial", "email").replace('transform = "nope"', 'transform = "date"')
    text = text.replace('id = "id"\n', "")
    with pytest.raises(JobError) as caught:
        load_job(write(text))
    assert caught.value.lines == [
        "job.toml:13:1: records.user.id: missing (the column holding the source id)"
    ]


def test_mistakes_stop_at_the_limit_and_say_how_many_more(workdir):
    keys = "".join(f"unknown{index} = 1\n" for index in range(MAX_PROBLEMS + 7))
    with pytest.raises(JobError) as caught:
        load_job(write(FIVE_MISTAKES.replace("[output]\n", "[output]\n" + keys)))
    lines = caught.value.lines
    assert len(lines) == MAX_PROBLEMS + 1
    assert lines[-1] == "job.toml: 12 more mistakes not shown"


def test_load_job_takes_text_and_tables_too(workdir):
    good = FIVE_MISTAKES.replace('nmae = "x"', 'name = "x"').replace("Mars/Base", "UTC")
    good = good.replace("emial", "email").replace('transform = "nope"', 'transform = "date"')
    good = good.replace("frist_name", "first_name")
    from_text = load_job(good, base_dir=workdir)
    assert from_text.ident == "test-market" and from_text.output.name == "x"
    import tomllib

    from_table = load_job(tomllib.loads(good), base_dir=workdir)
    assert from_table.records[0].source == "users"
    with pytest.raises(JobError) as caught:
        load_job(tomllib.loads(FIVE_MISTAKES), base_dir=workdir)
    assert caught.value.lines[0] == '<job>: output.nmae: unknown key (did you mean "name"?)'


def test_positions_of_tables_arrays_and_inline_tables():
    text = textwrap.dedent(
        """\
        a = 1  # comment with = and [brackets]
        s = "x = [y]"
        [t]
        u.v = { w = [1, { x = 'z' }], "q k" = 2 }
        [[arr]]
        k = 1
        [[arr]]
        k = 2
        [arr.sub]
        m = \"\"\"multi
        line = no key\"\"\"
        n = 3
        """
    )
    positions = TomlPositions(text)
    assert positions.of(("a",)) == (1, 1)
    assert positions.of(("s",)) == (2, 1)
    assert positions.of(("t", "u", "v")) == (4, 3)
    assert positions.of(("t", "u", "v", "w", 1, "x")) == (4, 19)
    assert positions.of(("t", "u", "v", "q k")) == (4, 31)
    assert positions.of(("arr", 0, "k")) == (6, 1)
    assert positions.of(("arr", 1, "k")) == (8, 1)
    assert positions.of(("arr", 1, "sub", "n")) == (12, 1)
    assert positions.of(("arr", 1, "sub", "missing")) == (9, 1)  # its table
    assert positions.of(("line",)) is None  # inside a string: not a key
    assert parse_where("records.user[1].mapping.email[0]") == (
        "records",
        "user",
        1,
        "mapping",
        "email",
        0,
    )


@pytest.mark.parametrize("job", sorted(Path(__file__).parent.parent.glob("samples/*/job.toml")))
def test_every_key_of_the_sample_jobs_has_a_position(job):
    import tomllib

    text = job.read_text("utf-8")
    positions = TomlPositions(text)

    def walk(value: object, path: tuple[str | int, ...]) -> None:
        if path:
            assert path in positions.positions, path
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, (*path, key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, (*path, index))

    walk(tomllib.loads(text), ())


def test_an_optional_reference_for_a_required_attribute_is_a_job_error(workdir):
    (workdir / "reviews.csv").write_text("id,author,subject,at,stars\n1,1,1,2021-01-02,5\n")
    text = FIVE_MISTAKES.replace('nmae = "x"', 'name = "x"').replace("Mars/Base", "UTC")
    text = text.replace("emial", "email").replace('transform = "nope"', 'transform = "date"')
    text = text.replace('firstName = "frist_name"', 'firstName = "first_name"')
    text += (
        '\n[sources.reviews]\ntype = "csv"\npath = "reviews.csv"\n'
        '[records.review]\nsource = "reviews"\nid = "id"\n[records.review.mapping]\n'
        'author = { ref = "user", column = "author", required = false }\n'
        'subject = { ref = "user", column = "subject" }\nrating = { column = "stars", transform = "int" }\n'
        'createdAt = { column = "at", transform = "date" }\ntype = { const = "ofProvider" }\n'
        'content = { const = "Good" }\nstate = { const = "public" }\n'
    )
    with pytest.raises(JobError) as caught:
        load_job(write(text))
    assert caught.value.lines == [
        "job.toml:30:45: records.review.mapping.author.required: :im.review/author is a required "
        "attribute, so a reference to a missing or rejected row must reject the row: "
        "leave required out"
    ]
