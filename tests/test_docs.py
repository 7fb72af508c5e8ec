"""Generated documentation (migrate/docs.py): committed files match their generators."""

from __future__ import annotations

import pytest

import migrate.docs as docs
from migrate import schemas

ROOT = docs.ROOT


def test_committed_generated_docs_are_up_to_date():
    outdated = docs.stale(ROOT)
    assert outdated == [], (
        f"stale generated docs: {', '.join(outdated)}; run `make docs` and commit the result"
    )


def test_every_registered_generator_is_importable_or_pending():
    documents = docs.generate_all()
    assert "docs/attributes.md" in documents
    for path in documents:
        assert path.startswith("docs/") and path.endswith(".md")


def test_attribute_reference_lists_every_attribute_with_kind_and_requirement():
    text = docs.attributes_reference()
    assert text.startswith("<!-- Generated from schemas/intermediary.toml")
    for row_type in schemas.load().types:
        assert f"\n## {row_type.name}\n" in text
        for attribute in schemas.all_attributes(row_type):
            assert f"`{attribute.key!r}`" in text
    assert (
        "| `:im.review/rating` | integer, 1 to 5 | required | Rating, an integer from 1 to 5. |"
    ) in text
    assert "| `:im.listing/author` | `#im/ref` to [user](#user) | optional |" in text
    assert (
        "| `:im.user/profile` › `:im.userProfile/avatar` | `#im/ref` to [image](#image)"
        " | optional | The profile image. |"
    ) in text
    assert (
        "| `:im.user/role` | enum set, a vector of distinct `:user.role/customer`, "
        "`:user.role/provider` | required |"
    ) in text
    assert "extended data, a JSON map of at most 51200 bytes" in text


def test_check_reports_a_stale_file_and_write_fixes_it(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(
        docs, "GENERATED", {"docs/attributes.md": docs.GENERATED["docs/attributes.md"]}
    )
    assert docs.main(["--check", "--root", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "docs/attributes.md is stale; run `make docs` (python -m migrate.docs)" in err

    assert docs.main(["--root", str(tmp_path)]) == 0
    assert "wrote docs/attributes.md" in capsys.readouterr().out
    assert (tmp_path / "docs" / "attributes.md").read_text("utf-8") == docs.attributes_reference()
    assert docs.main(["--check", "--root", str(tmp_path)]) == 0

    (tmp_path / "docs" / "attributes.md").write_text("edited by hand\n", "utf-8")
    assert docs.stale(tmp_path) == ["docs/attributes.md"]
    assert docs.write_all(tmp_path) == ["docs/attributes.md"]
    assert docs.write_all(tmp_path) == []


def test_a_missing_generator_module_is_skipped(monkeypatch):
    monkeypatch.setattr(
        docs,
        "GENERATED",
        {
            "docs/attributes.md": "migrate.docs:attributes_reference",
            "docs/later.md": "migrate.not_written_yet:reference",
        },
    )
    assert list(docs.generate_all()) == ["docs/attributes.md"]


def test_a_broken_generator_module_is_not_hidden(monkeypatch):
    monkeypatch.setattr(docs, "GENERATED", {"docs/broken.md": "migrate.docs:no_such_function"})
    with pytest.raises(AttributeError):
        docs.generate_all()
