"""After an edn syntax error the validator resumes at the next row and never reports a
reference as unresolved when part of the file could not be read."""

from __future__ import annotations

from datetime import UTC, datetime

from migrate.edn.reader import DocumentReader
from migrate.validate import validate_file

NOW = datetime(2026, 1, 1, tzinfo=UTC)

USER = """[[:im.user/id :user/{name}]
 #:im.user{{:createdAt #inst "2020-01-01T00:00:00Z"
            :primaryEmail {{:im.email/address "{name}@example.com" :im.email/verified true}}
            :role [:user.role/customer :user.role/provider]
            :profile {{:im.userProfile/firstName "A" :im.userProfile/lastName "B"}}}}]"""
REVIEW = """[[:im.review/id]
 #:im.review{{:type :review.type/ofCustomer :state :review.state/public :rating 5
              :createdAt #inst "2021-01-01T00:00:00Z" :content "Fine"
              :author #im/ref :user/{author} :subject #im/ref :user/{subject}}}]"""
BROKEN_USER = USER.format(name="bob").replace('lastName "B"', 'lastName "B}]')


def write(tmp_path, *rows):
    path = tmp_path / "data.edn"
    path.write_text("{:ident :m\n :data [\n" + "\n".join(rows) + "\n]}\n", encoding="utf-8")
    return path


def test_the_reader_resumes_at_the_next_row_and_says_which_lines_it_skipped(tmp_path):
    path = write(tmp_path, USER.format(name="ann"), BROKEN_USER, USER.format(name="cy"))
    reader = DocumentReader(path, recover=True)
    aliases = [entry.value[0][1] for entry in reader]
    assert [repr(alias) for alias in aliases] == [":user/ann", ":user/cy"]
    # the unterminated string runs into the next row, where the tokenizer stops
    assert [str(error) for error in reader.errors] == [
        f"{path}:14:30: invalid number 2020-01-01T00:00:00Z"
    ]
    assert reader.unread == [(8, 12)]
    assert reader.header.complete and not reader.lost


def test_rows_after_a_syntax_error_are_checked_and_forward_references_resolve(tmp_path):
    # the review refers to :user/cy, which comes after the unreadable row
    path = write(
        tmp_path,
        USER.format(name="ann"),
        REVIEW.format(author="ann", subject="cy"),
        BROKEN_USER,
        USER.format(name="cy").replace('firstName "A"', 'firstName ""'),
    )
    report = validate_file(path, now=NOW)
    assert [(f.code, f.line) for f in report.findings] == [
        ("edn-syntax", 18),
        ("attribute-empty", 21),
    ]
    assert "ref-unresolved" not in report.counts and "ref-unverified" not in report.counts
    assert report.rows_checked == {"review": 1, "user": 2}
    assert report.unread == ((12, 16),) and not report.valid


def test_a_reference_into_the_unread_part_is_unverified_not_unresolved(tmp_path):
    path = write(
        tmp_path,
        USER.format(name="ann"),
        REVIEW.format(author="ann", subject="bob"),
        BROKEN_USER,
    )
    report = validate_file(path, now=NOW)
    assert report.counts == {"edn-syntax": 1, "ref-unverified": 1}
    (unverified,) = [f for f in report.findings if f.code == "ref-unverified"]
    assert unverified.message == (
        ":im.review/subject refers to #im/ref :user/bob, which is not among the rows that could "
        "be read: it may be in the part of the file lost to the edn syntax error; fix that and "
        "validate again"
    )
    assert (unverified.line, unverified.column) == (11, 50)
    assert report.notes == (
        "part of the file could not be read as edn (from line 12 to the end): rows there were "
        "not checked, and references to rows not found are reported as ref-unverified, not "
        "ref-unresolved, since they may point into the unread part",
    )


def test_without_a_syntax_error_a_missing_row_is_unresolved(tmp_path):
    path = write(tmp_path, USER.format(name="ann"), REVIEW.format(author="ann", subject="bob"))
    assert validate_file(path, now=NOW).counts == {"ref-unresolved": 1}


def test_several_syntax_errors_are_all_reported(tmp_path):
    bad = '[[:im.image/id :image/a] #:im.image{:url "https://e.com/a.jpg" :sortOrder }]'
    good = '[[:im.image/id :image/b] #:im.image{:url "https://e.com/b.jpg"}]'
    path = write(tmp_path, bad, good, bad.replace(":image/a", ":image/c"), good)
    report = validate_file(path, now=NOW)
    assert [(f.code, f.line) for f in report.findings if f.code == "edn-syntax"] == [
        ("edn-syntax", 3),
        ("edn-syntax", 5),
    ]
    assert report.rows_checked == {"image": 2}
    assert report.unread == ((3, 3), (5, 5))
