"""Shared reads (:mod:`migrate.convert.shared_reads`): within a run, a CSV file that lookups,
derived sources and ``distinct`` tables hold whole is parsed once and each of them gets the
frames a read of its own would give; a derived source's query runs once."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from migrate.convert import shared_reads as shared
from migrate.convert.job import load_job
from migrate.convert.pipeline import convert
from migrate.extract import csv_batches, open_source
from migrate.extract.batches import RECORD, source_batches
from migrate.extract.query_source import QuerySource

ROOT = Path(__file__).resolve().parent.parent
RENTAL = ROOT / "samples" / "rental" / "job.toml"

PICTURES = ["host_id", "host_picture_url"]  # what the host_pictures query reads
LOOKED_UP = ["id", "host_id", "review_scores_rating"]  # what the reviews' lookups read


@pytest.fixture
def parses(monkeypatch) -> list[tuple[str, tuple[str, ...]]]:
    """Every parse of a CSV file through Polars: (source, columns asked for)."""
    seen: list[tuple[str, tuple[str, ...]]] = []
    plain = csv_batches.csv_batches

    def spy(source, columns, **options):
        seen.append((source.spec.name, tuple(columns or ())))
        return plain(source, columns, **options)

    monkeypatch.setattr(csv_batches, "csv_batches", spy)
    return seen


def listings():
    return open_source(load_job(RENTAL).sources["listings"])


def separate(columns: list[str], size: int) -> list:
    return list(source_batches(listings(), columns, size=size))


def assert_same_frames(got: list, expected: list) -> None:
    assert [frame.height for frame in got] == [frame.height for frame in expected]
    for one, other in zip(got, expected, strict=True):
        assert one.columns == other.columns
        assert one.equals(other)


def test_a_shared_read_gives_each_reader_the_frames_of_a_read_of_its_own(parses):
    expected = {tuple(cols): separate(cols, 40) for cols in (PICTURES, LOOKED_UP)}
    del parses[:]
    job = load_job(RENTAL)
    with shared.shared_reads(job) as scope:
        got_pictures = list(shared.table_batches(listings(), PICTURES, size=40))
        got_looked_up = list(shared.table_batches(listings(), LOOKED_UP, size=40))
    # the job's lookups and distinct hosts were foreseen: one parse for both readers
    assert scope.reads == 1
    assert [name for name, _ in parses] == ["listings"]
    assert set(parses[0][1]) >= set(PICTURES) | set(LOOKED_UP) | {"host_name", "host_since"}
    assert_same_frames(got_pictures, expected[tuple(PICTURES)])
    assert_same_frames(got_looked_up, expected[tuple(LOOKED_UP)])
    assert got_pictures[0].columns == [*PICTURES, RECORD]
    assert len(got_pictures) > 1  # batches of the size asked for, as the source cuts them


def test_a_column_nobody_foresaw_parses_the_file_again_with_it_added(parses):
    expected = separate(LOOKED_UP, 1000)
    del parses[:]
    with shared.shared_reads() as scope:  # no job: nothing foreseen
        list(shared.table_batches(listings(), PICTURES, size=1000))
        got = list(shared.table_batches(listings(), LOOKED_UP, size=1000))
        again = list(shared.table_batches(listings(), ["host_picture_url", "id"], size=1000))
    assert scope.reads == 2
    assert parses[1][1] == ("host_id", "host_picture_url", "id", "review_scores_rating")
    assert_same_frames(got, expected)
    assert again[0].columns == ["host_picture_url", "id", RECORD]


def test_outside_a_scope_every_read_goes_to_the_file(parses):
    list(shared.table_batches(listings(), PICTURES))
    list(shared.table_batches(listings(), PICTURES))
    assert len(parses) == 2
    assert shared.active() is None


def test_a_scope_ends_with_its_block_and_drops_what_it_held():
    with shared.shared_reads() as scope:
        with shared.shared_reads() as inner:  # nested: the outer scope's reads
            assert inner is scope
        list(shared.table_batches(listings(), PICTURES))
        assert scope.tables
    assert shared.active() is None
    assert scope.closed and not scope.tables


def test_a_file_changed_since_it_was_read_is_read_again(tmp_path, parses):
    data = tmp_path / "listings.csv"
    shutil.copytree(RENTAL.parent, tmp_path, dirs_exist_ok=True)
    job = load_job(tmp_path / "job.toml")
    with shared.shared_reads(job):
        first = list(shared.table_batches(open_source(job.sources["listings"]), ["id"]))
        text = data.read_text("utf-8")
        header, rest = text.split("\n", 1)
        record, rest = rest.split(",", 1)
        data.write_text(f"{header}\n777{record},{rest}", "utf-8")
        stat = data.stat()
        os.utime(data, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
        second = list(shared.table_batches(open_source(job.sources["listings"]), ["id"]))
    assert len(parses) == 2
    assert second[0].item(0, "id") == "777" + first[0].item(0, "id")


def test_a_lookup_or_distinct_record_source_gives_the_line_index_of_its_file():
    from migrate.convert.record_source import open_record_source

    job = load_job(RENTAL)
    hosts = next(spec for spec in job.records if spec.distinct)
    review = next(spec for spec in job.records if spec.record_type == "review")
    for spec in (hosts, review):
        source = open_record_source(job, spec)
        assert source.line_index is None  # nothing read yet
        with shared.shared_reads(job):
            list(source.batches(spec.columns, size=100))
        index = source.line_index
        assert index is not None and index.complete
        assert index.source == spec.source


@pytest.mark.parametrize(
    ("engine", "share_bytes"), [("columns", None), ("columns", 1000), ("rows", None)]
)
def test_a_run_parses_each_file_once_and_runs_each_query_once(
    tmp_path, monkeypatch, parses, engine, share_bytes
):
    ran: list[str] = []
    compute = QuerySource._compute

    def counted(self):
        ran.append(self.spec.name)
        return compute(self)

    monkeypatch.setattr(QuerySource, "_compute", counted)
    rescans: list[str] = []
    from migrate.extract import csv_source

    scan = csv_source.record_start_lines

    def rescan(*args, **kwargs):
        rescans.append("scan")
        return scan(*args, **kwargs)

    monkeypatch.setattr(csv_source, "record_start_lines", rescan)
    if share_bytes is not None:  # files too long to hold for the run
        monkeypatch.setattr(shared, "SHARE_BYTES", share_bytes)
    convert(load_job(RENTAL), output_dir=tmp_path, engine=engine)
    # host_pictures is read by the hosts' lookup and by the avatar images: one run
    assert sorted(ran) == ["host_pictures", "reviewers"]
    if engine == "rows":
        return
    read = sorted(name for name, _ in parses)
    if share_bytes is None:  # one parse of each file for every reader
        assert read == ["listings", "reviews"]
    else:
        # listings: the shared read (hosts, both queries, the reviews' lookups), then the
        # listings and their cover images batch by batch; reviews: the reviewers query's,
        # then the reviews
        assert read == ["listings"] * 3 + ["reviews"] * 2
    # the rejected rows' lines come from the reads, not from a second scan of a file
    assert rescans == []


def test_a_streamed_table_gets_the_batches_of_its_own_read(parses):
    from migrate.convert.record_source import SharedSource, open_record_source

    job = load_job(RENTAL)
    listing = next(spec for spec in job.records if spec.record_type == "listing")
    expected = list(source_batches(listings(), listing.columns, size=100))
    del parses[:]
    with shared.shared_reads(job):
        source = open_record_source(job, listing)
        assert isinstance(source, SharedSource)
        got = list(source.batches(listing.columns, size=100))
        list(open_record_source(job, listing).batches(listing.columns, limit=5, size=100))
    assert_same_frames(got, expected)
    assert source.line_index is not None and source.line_index.complete
    # the whole file once, then the limited read on its own
    assert [name for name, _ in parses] == ["listings", "listings"]


def test_a_file_read_through_once_is_not_checked_again_in_the_run(monkeypatch):
    checks: list[int] = []
    check = csv_batches._check

    def counted(piece, structural):
        checks.append(len(piece))
        return check(piece, structural)

    monkeypatch.setattr(csv_batches, "_check", counted)
    expected = list(source_batches(listings(), ["id", "name"]))
    outside = len(checks)
    assert outside > 0
    with shared.shared_reads():
        first = list(source_batches(listings(), ["id", "name"]))
        assert len(checks) == 2 * outside
        again = list(source_batches(listings(), ["name"]))  # a streamed read: parsed again
        assert len(checks) == 2 * outside  # ... but its slices passed already
        list(source_batches(listings(), ["id"], limit=3))
    assert_same_frames(first, expected)
    assert again[0].get_column("name").equals(expected[0].get_column("name"))
    list(source_batches(listings(), ["id"]))  # after the run: checked again
    assert len(checks) == 3 * outside


def test_a_file_the_check_sends_to_the_reference_reader_is_never_trusted(tmp_path):
    path = tmp_path / "people.csv"
    path.write_text('id,name\n1,"Ann ""A"""\n\n2,Bo"b\n', "utf-8")  # a blank line, a stray quote
    from migrate.extract.spec import SourceSpec

    spec = SourceSpec(name="people", type="csv", job_path=tmp_path / "job.toml", path=path)
    with shared.shared_reads() as scope:
        first = list(source_batches(open_source(spec), ["id", "name"]))
        second = list(source_batches(open_source(spec), ["id", "name"]))
    assert not scope.checked
    assert first[0].get_column("name").to_list() == ['Ann "A"', 'Bo"b']
    assert_same_frames(second, first)


def test_readers_counts_record_tables_lookup_steps_and_the_tables_queries_name():
    assert shared.readers(load_job(RENTAL)) == {
        # hosts, listings, covers; the reviews' two lookups; the two queries
        "listings": 7,
        "reviews": 2,  # the reviews and the reviewers query
        "reviewers": 1,
        "host_pictures": 2,  # the hosts' lookup, the avatar images
    }


def test_a_file_only_one_table_reads_is_streamed_batch_by_batch_not_held():
    from migrate.convert.record_source import open_record_source

    job = load_job(ROOT / "samples" / "csv" / "job.toml")
    users = next(spec for spec in job.records if spec.record_type == "user")
    expected = list(source_batches(open_source(job.sources["users"]), users.columns, size=7))
    with shared.shared_reads(job) as scope:
        assert scope.readers["users"] == 1
        got = list(open_record_source(job, users).batches(users.columns, size=7))
        assert not scope.tables
    assert_same_frames(got, expected)


def test_a_shared_source_is_its_source_but_for_the_batches():
    import copy

    from migrate.convert.record_source import SharedSource

    inner = listings()
    source = SharedSource(inner)
    assert source.spec is inner.spec and source.columns() == inner.columns()
    assert next(iter(source.rows(limit=1))).values == next(iter(inner.rows(limit=1))).values
    assert copy.copy(source).inner is inner
