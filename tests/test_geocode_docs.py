"""docs/geocoding.md is generated from the code and credits GeoNames."""

from __future__ import annotations

from conftest import ROOT

from migrate.geocode.docs import geocoding_reference
from migrate.geocode.stage import KEYS


def test_geocoding_doc_is_current():
    current = (ROOT / "docs" / "geocoding.md").read_text(encoding="utf-8")
    assert current == geocoding_reference(), "run `make docs` (python -m migrate.docs)"


def test_every_key_is_documented_and_geonames_credited():
    text = geocoding_reference()
    for key in KEYS:
        assert f"| `{key}` |" in text
    assert "| `nominatim` | 1 | 1 |" in text
    assert "[GeoNames](https://www.geonames.org/)" in text
    assert "Creative Commons Attribution 4.0" in text
