"""The source reference in docs/job-file.md covers every key each source type accepts."""

from __future__ import annotations

from migrate.extract.json_text import MAX_DEPTH
from migrate.extract.spec import _KEYS, KEY_DOCS, sources_reference


def test_every_source_key_is_documented_once():
    for kind, keys in _KEYS.items():
        assert set(keys) == set(KEY_DOCS["common"]) | set(KEY_DOCS[kind]), kind
    text = sources_reference()
    for kind in ("csv", "json", "sql"):
        for key in KEY_DOCS[kind]:
            assert f"| {kind} | `{key}` |" in text
    assert f"deeper\n  than {MAX_DEPTH} levels" in text or f"than {MAX_DEPTH} levels" in text
    assert "exit status 2" in text
