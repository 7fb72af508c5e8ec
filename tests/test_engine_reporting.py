"""What the columnar engine tells its caller besides the outputs: progress with the totals it
knows, and the rows an unexpected error was raised for."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from migrate.cli import main
from migrate.convert.job import load_job
from migrate.convert.pipeline import convert
from migrate.errors import where_of

USERS = (
    "id,email,first,last,joined\n"
    "1,a@example.com,Ann,Bee,2021-06-14T09:32:11Z\n"
    "2,b@example.com,Bob,Cee,2021-06-15T09:32:11Z\n"
    "3,not-an-email,Cid,Dee,2021-06-16T09:32:11Z\n"
)
JOB = (
    'ident = "p"\n[sources.users]\ntype = "csv"\npath = "users.csv"\n'
    '[records.user]\nsource = "users"\nid = "id"\n[records.user.mapping]\n'
    'email = "email"\nfirstName = "first"\nlastName = "last"\n'
    'createdAt = { column = "joined", transform = "date" }\n'
)


@pytest.fixture
def job_path(tmp_path):
    (tmp_path / "users.csv").write_text(USERS, "utf-8")
    path = tmp_path / "job.toml"
    path.write_text(JOB, "utf-8")
    return path


def test_progress_gives_the_rows_to_write_as_the_total(job_path, tmp_path):
    calls = []

    def progress(stage, done, total=None):
        calls.append((stage, done, total))

    report = convert(load_job(job_path), output_dir=tmp_path / "out", progress=progress)
    assert report.types["user"].written == 2
    assert calls == [("read", 3, None), ("read", 3, None), ("write", 0, 2), ("write", 2, 2)]


def test_a_progress_callback_of_two_arguments_still_works(job_path, tmp_path):
    calls = []
    convert(
        load_job(job_path),
        output_dir=tmp_path / "out",
        progress=lambda stage, done: calls.append((stage, done)),
    )
    assert calls == [("read", 3), ("read", 3), ("write", 0), ("write", 2)]


def _broken_evaluate(self, frame, geocoder=None):
    raise KeyError("no_such_column")


def test_an_error_while_evaluating_a_batch_names_its_rows(job_path, tmp_path, monkeypatch):
    from migrate.convert.plan import RecordPlan

    monkeypatch.setattr(RecordPlan, "evaluate", _broken_evaluate)
    with pytest.raises(KeyError) as raised:
        convert(load_job(job_path), output_dir=tmp_path / "out")
    assert where_of(raised.value) == "the batch of 3 rows from users.csv:2, records.user"
    assert not (tmp_path / "out" / "p.edn").exists()


def test_the_command_line_names_the_batch_in_its_one_line(job_path, monkeypatch):
    from migrate.convert.plan import RecordPlan

    monkeypatch.setattr(RecordPlan, "evaluate", _broken_evaluate)
    result = CliRunner().invoke(main, ["convert", str(job_path), "-q"], prog_name="migrate")
    assert (result.exit_code, result.stdout) == (3, "")
    assert result.stderr == (
        f"Error: internal error in `migrate convert` ({job_path}; the batch of 3 rows from "
        "users.csv:2, records.user): KeyError: 'no_such_column'; rerun with --debug for the "
        "traceback\n"
    )
