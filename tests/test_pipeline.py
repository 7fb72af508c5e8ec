"""The conversion pipeline on hand-made mapped records: checks, cascade, order, outputs."""

from __future__ import annotations

import json
import random
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from migrate.convert.ids import alias, import_id
from migrate.convert.mapping import MappedRecord, Rejection
from migrate.convert.outputs import REJECT_COLUMNS, read_rejects, summary_table
from migrate.convert.pipeline import (
    OutputPaths,
    RecordStream,
    RunOptions,
    run_records,
    source_id_key,
)
from migrate.convert.spill import Spill
from migrate.edn.values import Keyword, Ref, Row
from migrate.extract.origin import Origin

K = Keyword
IDENT = "testmarket"
CREATED = datetime(2021, 6, 14, 9, 32, 11, tzinfo=UTC)


def ref(record_type: str, source_id: str) -> Ref:
    return Ref.to_id(K(f"im.{record_type}/id"), import_id(IDENT, record_type, source_id))


def user(source_id: str, email: str, first: str = "Ann", avatar: str | None = None):
    profile = {K("im.userProfile/firstName"): first, K("im.userProfile/lastName"): "Lee"}
    refs = []
    if avatar is not None:
        profile[K("im.userProfile/avatar")] = ref("image", avatar)
        refs.append(((K("im.user/profile"), K("im.userProfile/avatar")), "image", avatar, False))
    row = Row(
        K("im.user/id"),
        import_id(IDENT, "user", source_id),
        alias("user", source_id),
        {
            K("im.user/createdAt"): CREATED,
            K("im.user/primaryEmail"): {K("im.email/address"): email, K("im.email/verified"): True},
            K("im.user/profile"): profile,
            K("im.user/role"): (K("user.role/customer"), K("user.role/provider")),
        },
    )
    return record(row, "user", source_id, "users.csv", refs)


def listing(source_id: str, author: str, title: str = "Tent"):
    row = Row(
        K("im.listing/id"),
        import_id(IDENT, "listing", source_id),
        alias("listing", source_id),
        {
            K("im.listing/createdAt"): CREATED,
            K("im.listing/title"): title,
            K("im.listing/state"): K("listing.state/published"),
            K("im.listing/author"): ref("user", author),
        },
    )
    refs = [((K("im.listing/author"),), "user", author, True)]
    return record(row, "listing", source_id, "listings.csv", refs)


def image(source_id: str, listing_id: str):
    row = Row(
        K("im.image/id"),
        import_id(IDENT, "image", source_id),
        alias("image", source_id),
        {
            K("im.image/url"): f"https://img.example.com/{source_id}.jpg",
            K("im.image/listing"): ref("listing", listing_id),
        },
    )
    refs = [((K("im.image/listing"),), "listing", listing_id, True)]
    return record(row, "image", source_id, "images.csv", refs)


_LINES: dict[str, int] = {}


def record(row: Row, record_type: str, source_id: str, file: str, refs: list) -> MappedRecord:
    _LINES[file] = _LINES.get(file, 1) + 1
    origin = Origin(file.split(".")[0], f"{file}:{_LINES[file]}")
    return MappedRecord(
        row=row, record_type=record_type, source_id=source_id, origin=origin, refs=refs
    )


def stream(record_type: str, items: list) -> RecordStream:
    def open_(limit):
        yield from items[:limit] if limit is not None else items

    return RecordStream(record_type, f"{record_type} test", open_)


def options(tmp_path: Path, **kwargs) -> RunOptions:
    return RunOptions(
        ident=IDENT,
        paths=OutputPaths.of(tmp_path / "out", "market"),
        job_label="job.toml",
        spill_dir=tmp_path,
        **kwargs,
    )


def edn_lines(path: Path) -> list[str]:
    return path.read_text("utf-8").splitlines()


def test_rows_are_written_in_type_order_then_source_id_order(tmp_path):
    streams = [
        stream("image", [image("7", "10"), image("3", "10")]),
        stream("listing", [listing("10", "2")]),
        stream("user", [user("10", "b@example.com"), user("2", "a@example.com")]),
    ]
    report = run_records(streams, options(tmp_path))
    lines = edn_lines(report.edn_path)
    assert lines[0] == "{:ident :testmarket"
    assert lines[1] == " :data ["
    assert lines[-1] == "]}"
    order = [re.match(r'\[\[\S+ #uuid "[^"]+" (\S+)\]', line).group(1) for line in lines[2:-1]]
    assert order == [":user/u2", ":user/u10", ":listing/l10", ":image/i3", ":image/i7"]
    assert report.types["user"].written == 2
    assert report.written == 5 and report.rejected == 0


def test_source_id_order_is_numeric_for_digits_even_beyond_doubles():
    ids = ["1180000935507092767", "99", "abc", "100", "0100", "1180000935507092766"]
    assert sorted(ids, key=source_id_key) == [
        "99",
        "0100",
        "100",
        "1180000935507092766",
        "1180000935507092767",
        "abc",
    ]


def test_same_records_in_any_order_give_identical_bytes(tmp_path):
    def build(seed: int) -> bytes:
        items = [user(str(n), f"u{n}@example.com") for n in range(30)]
        random.Random(seed).shuffle(items)
        (tmp_path / str(seed)).mkdir()
        report = run_records([stream("user", items)], options(tmp_path / str(seed)))
        return report.edn_path.read_bytes()

    assert build(1) == build(2)


def test_invalid_row_is_rejected_and_the_cascade_follows_references(tmp_path):
    streams = [
        stream("user", [user("1", "anna@"), user("2", "ok@example.com")]),
        stream("listing", [listing("10", "1"), listing("11", "2")]),
        stream("image", [image("100", "10"), image("101", "11")]),
    ]
    report = run_records(streams, options(tmp_path))
    rejects = read_rejects(report.rejects_path)
    assert [(r["record_type"], r["source_id"], r["rule"]) for r in rejects] == [
        ("user", "1", "email-invalid"),
        ("listing", "10", "ref-target-rejected"),
        ("image", "100", "ref-target-rejected"),
    ]
    assert rejects[1]["message"] == (
        ':im.listing/author refers to user "1", which was rejected (email-invalid)'
    )
    assert rejects[2]["message"] == (
        ':im.image/listing refers to listing "10", which was rejected (ref-target-rejected)'
    )
    assert json.loads(rejects[1]["values"]) == {":im.listing/author": "1"}
    assert rejects[0]["source"] == "users"
    assert rejects[0]["origin"].startswith("users.csv:")
    assert json.loads(rejects[0]["values"]) == {":im.email/address": "anna@"}
    text = report.edn_path.read_text("utf-8")
    assert ":user/u2" in text and ":user/u1 " not in text and ":listing/l10" not in text
    for name, counts in report.types.items():
        assert counts.read == counts.written + counts.rejected_total, name
    assert report.types["listing"].rejected == {"ref-target-rejected": 1}


def test_reference_to_a_row_no_source_holds_is_unresolved(tmp_path):
    report = run_records([stream("listing", [listing("10", "404")])], options(tmp_path))
    [reject] = read_rejects(report.rejects_path)
    assert reject["rule"] == "ref-unresolved"
    assert reject["message"] == ':im.listing/author refers to user "404", which no source holds'


def test_forward_references_across_streams_resolve(tmp_path):
    streams = [stream("image", [image("1", "5")]), stream("listing", [listing("5", "9")])]
    streams.append(stream("user", [user("9", "x@example.com")]))
    report = run_records(streams, options(tmp_path))
    assert report.rejected == 0 and report.written == 3


def test_optional_reference_to_a_rejected_row_is_dropped_with_a_warning(tmp_path):
    streams = [
        stream("user", [user("1", "a@example.com", avatar="50")]),
        stream("image", [image("50", "77")]),  # its listing does not exist: rejected
    ]
    report = run_records(streams, options(tmp_path))
    text = report.edn_path.read_text("utf-8")
    assert "avatar" not in text
    assert report.types["user"].written == 1
    assert report.types["user"].warnings == {"ref-target-rejected": 1}
    assert report.types["image"].rejected == {"ref-unresolved": 1}


def test_later_duplicate_email_is_rejected_naming_the_first(tmp_path):
    streams = [stream("user", [user("1", "jane@example.com"), user("2", "JANE@example.com")])]
    report = run_records(streams, options(tmp_path))
    [reject] = read_rejects(report.rejects_path)
    assert (reject["source_id"], reject["rule"]) == ("2", "email-duplicate")
    assert reject["message"] == (
        ':im.email/address "JANE@example.com" is already the primary email of user "1"; '
        "primary emails must be unique (ignoring case)"
    )


def test_duplicate_source_id_keeps_the_first(tmp_path):
    streams = [stream("user", [user("1", "a@example.com"), user("1", "b@example.com")])]
    report = run_records(streams, options(tmp_path))
    [reject] = read_rejects(report.rejects_path)
    assert reject["rule"] == "source-id-duplicate"
    assert reject["message"] == (
        'source id "1" was already read for another user row (the first one is kept)'
    )
    assert "a@example.com" in report.edn_path.read_text("utf-8")
    assert report.types["user"].read == 2


def user_with(source_id: str, email: str, display: str | None, file: str):
    item = user(source_id, email)
    if display is not None:
        item.row.attrs[K("im.user/profile")][K("im.userProfile/displayName")] = display
    return record(item.row, "user", source_id, file, [])


def test_a_user_from_two_sources_is_merged(tmp_path):
    first = stream("user", [user_with("1", "a@example.com", None, "users.csv")])
    second = RecordStream(
        "user",
        "user from crm",
        lambda limit: iter([user_with("1", "a@example.com", "Ann L.", "crm.csv")]),
        spec_index=1,
    )
    report = run_records([first, second], options(tmp_path))
    assert report.types["user"].read == 2
    assert report.types["user"].merged == 1 and report.types["user"].written == 1
    assert ':im.userProfile/displayName "Ann L."' in report.edn_path.read_text("utf-8")


def test_conflicting_values_of_a_merged_user_reject_the_later_row(tmp_path):
    first = stream("user", [user_with("1", "a@example.com", "Ann", "users.csv")])
    second = RecordStream(
        "user",
        "user from crm",
        lambda limit: iter([user_with("1", "a@example.com", "Annie", "crm.csv")]),
        spec_index=1,
    )
    report = run_records([first, second], options(tmp_path))
    [reject] = read_rejects(report.rejects_path)
    assert reject["origin"].startswith("crm.csv:") and reject["rule"] == "merge-conflict"
    assert reject["message"] == (
        ':im.user/profile :im.userProfile/displayName is "Annie" here but "Ann" in the first '
        'user row with source id "1"'
    )
    assert ':im.userProfile/displayName "Ann"' in report.edn_path.read_text("utf-8")


def test_mapper_rejections_are_counted_and_written(tmp_path):
    rejection = Rejection(
        record_type="user",
        source_id=None,
        origin=Origin("users", "users.csv:9"),
        code="source-id-missing",
        message="the id column 'id' is empty",
        values={"id": None},
    )
    report = run_records([stream("user", [rejection])], options(tmp_path))
    [reject] = read_rejects(report.rejects_path)
    assert reject == {
        "source": "users",
        "origin": "users.csv:9",
        "record_type": "user",
        "source_id": "",
        "rule": "source-id-missing",
        "message": "the id column 'id' is empty",
        "values": '{"id": null}',
    }
    assert report.types["user"].read == 1 and report.types["user"].rejected_total == 1


def test_dry_run_writes_rejects_and_report_but_no_edn(tmp_path):
    report = run_records(
        [stream("user", [user("1", "a@example.com")])], options(tmp_path, dry_run=True)
    )
    assert report.edn_path is None
    assert not (tmp_path / "out" / "market.edn").exists()
    assert report.rejects_path.read_text("utf-8") == ",".join(REJECT_COLUMNS) + "\n"
    data = json.loads(report.report_path.read_text("utf-8"))
    assert data["dry_run"] is True
    assert data["types"]["user"]["written"] == 1
    assert data["outputs"]["edn"] is None


def test_report_json_counts_by_type_and_rule(tmp_path):
    streams = [stream("user", [user("1", "bad"), user("2", "ok@example.com")])]
    streams.append(stream("listing", [listing("3", "1")]))
    report = run_records(streams, options(tmp_path))
    data = json.loads(report.report_path.read_text("utf-8"))
    assert data["types"]["user"] == {
        "read": 2,
        "distinct": 2,
        "merged": 0,
        "written": 1,
        "rejected": 1,
        "rejected_by_rule": {"email-invalid": 1},
        "warnings": 0,
        "warnings_by_rule": {},
    }
    assert data["totals"] == {
        "read": 3,
        "distinct": 3,
        "merged": 0,
        "written": 1,
        "rejected": 2,
        "warnings": 0,
    }
    assert set(data["timings"]) == {"read", "settle", "write", "total"}
    assert list(data["types"]) == ["user", "listing"]


def test_limit_reads_at_most_n_records_per_stream(tmp_path):
    items = [user(str(n), f"u{n}@example.com") for n in range(10)]
    report = run_records([stream("user", items)], options(tmp_path, limit=3))
    assert report.types["user"].read == 3


def test_interrupt_leaves_previous_output_and_no_temporary_files(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "market.edn").write_text("previous", "utf-8")

    def interrupted(limit):
        yield user("1", "a@example.com")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_records([RecordStream("user", "user", interrupted)], options(tmp_path))
    assert (out / "market.edn").read_text("utf-8") == "previous"
    assert sorted(path.name for path in out.iterdir()) == ["market.edn"]
    assert [path for path in tmp_path.iterdir() if path.name.startswith("migrate-spill")] == []


def test_summary_table_is_aligned_and_lists_rules(tmp_path):
    streams = [stream("user", [user("1", "bad"), user("2", "ok@example.com")])]
    report = run_records(streams, options(tmp_path))
    assert summary_table(report) == (
        "type    read   written   rejected   warnings\n"
        "────────────────────────────────────────────\n"
        "user       2         1          1          0\n"
        "────────────────────────────────────────────\n"
        "total      2         1          1          0\n"
        "rejected by rule: email-invalid 1"
    )


def test_spill_returns_texts_by_handle_in_any_order(tmp_path):
    with Spill(tmp_path) as spill:
        handles = [spill.append(f"row {n} ✓") for n in range(100)]
        assert spill.get(handles[42]) == "row 42 ✓"
        later = spill.append("late")
        assert list(spill.iter_texts([later, handles[0]])) == ["late", "row 0 ✓"]
        assert len(spill) == 101


def test_progress_reports_rows_read_and_written(tmp_path):
    calls = []
    items = [user(str(n), f"u{n}@example.com") for n in range(1500)]
    run_records(
        [stream("user", items)],
        options(tmp_path, progress=lambda stage, done: calls.append((stage, done))),
    )
    assert calls == [("read", 1000), ("read", 1500), ("write", 1000), ("write", 1500)]


def test_a_stage_can_change_or_reject_records(tmp_path):
    def stage(item):
        if item.source_id == "2":
            return Rejection("user", "2", item.origin, "geocode-failed", "no such place", {})
        item.row.attrs[K("im.user/profile")][K("im.userProfile/displayName")] = "Staged"
        return item

    items = [user("1", "a@example.com"), user("2", "b@example.com")]
    report = run_records([stream("user", items)], options(tmp_path, stages=[stage]))
    assert report.types["user"].rejected == {"geocode-failed": 1}
    assert ':im.userProfile/displayName "Staged"' in report.edn_path.read_text("utf-8")


def test_mixed_source_ids_put_numbers_first_in_numeric_order(tmp_path):
    items = [user(sid, f"{sid}@example.com") for sid in ("b", "10", "a", "9", "007")]
    report = run_records([stream("user", items)], options(tmp_path))
    aliases = re.findall(r'#uuid "[^"]+" (:user/\S+)\]', report.edn_path.read_text("utf-8"))
    assert aliases == [":user/u007", ":user/u9", ":user/u10", ":user/a", ":user/b"]
