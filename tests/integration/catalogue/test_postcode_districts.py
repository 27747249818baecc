"""Resolving postcodes against the stored districts on SQLite and PostgreSQL: the real
postcode list (skipped without it) and the demo's Lancashire districts."""

from __future__ import annotations

import pytest

from services.catalogue.postcodes import (
    MalformedPostcode,
    UnknownPostcodeDistrict,
    resolve_postcode,
)
from services.catalogue.taxonomy import import_demo_postcodes, import_postcodes
from shared.demo.places import DISTRICTS


def test_full_postcode_resolves_to_its_district_centroid_from_the_real_list(
    catalogue_db, open_data_dir
):
    with catalogue_db.session_scope() as session:
        summary = import_postcodes(session, open_data_dir)
    with catalogue_db.session_scope() as session:
        assert resolve_postcode(session, "PR1 2HE") == (53.754842, -2.708077)
        assert resolve_postcode(session, "  pr1   2he ") == (53.754842, -2.708077)
        assert resolve_postcode(session, "FY8") == resolve_postcode(session, "FY8 1AA")

    assert summary.counts["postcode_districts"] == 2_973


def test_demo_districts_resolve_without_the_open_data(catalogue_db):
    with catalogue_db.session_scope() as session:
        import_demo_postcodes(session)
    preston = next(district for district in DISTRICTS if district.code == "PR1")

    with catalogue_db.session_scope() as session:
        assert resolve_postcode(session, "PR1 2HE") == (preston.latitude, preston.longitude)


def test_unknown_district_and_malformed_postcode_raise_errors_naming_the_postcode(catalogue_db):
    with catalogue_db.session_scope() as session:
        import_demo_postcodes(session)

    with catalogue_db.session_scope() as session:
        with pytest.raises(UnknownPostcodeDistrict) as unknown:
            resolve_postcode(session, "ZZ9 9ZZ")
        with pytest.raises(MalformedPostcode) as malformed:
            resolve_postcode(session, "Preston")

    assert (unknown.value.field, malformed.value.field) == ("postcode", "postcode")
    assert "ZZ9" in unknown.value.reason
