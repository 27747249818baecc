"""ESCO skills become knowledge, transversal skills or (other) skills."""

import pytest

from services.catalogue.taxonomy.esco import read_links, skill_kind


@pytest.mark.parametrize(
    ("skill_type", "reuse_level", "in_collection", "kind"),
    [
        ("knowledge", "sector-specific", False, "knowledge"),
        ("knowledge", "transversal", True, "knowledge"),  # knowledge stays knowledge
        ("skill/competence", "transversal", False, "transversal"),
        ("skill/competence", "cross-sector", True, "transversal"),  # in the collection
        ("skill/competence", "occupation-specific", False, "skill"),
        ("", "", False, "skill"),  # six ESCO skills have no type
    ],
)
def test_skill_kind_follows_type_then_transversal_collection_or_reuse_level(
    skill_type, reuse_level, in_collection, kind
):
    assert skill_kind(skill_type, reuse_level, in_collection) == kind


def test_links_to_unknown_occupations_or_skills_are_skipped_and_counted():
    rows = [
        {"occupationUri": "o1", "relationType": "optional", "skillUri": "s1"},
        {"occupationUri": "o1", "relationType": "essential", "skillUri": "s1"},
        {"occupationUri": "o1", "relationType": "optional", "skillUri": "s1"},
        {"occupationUri": "o9", "relationType": "essential", "skillUri": "s1"},
        {"occupationUri": "o1", "relationType": "essential", "skillUri": "s9"},
    ]

    links, skipped = read_links(rows, {"o1": "2512.4"}, ["s1"])

    assert links == {("2512.4", "s1"): "essential"}  # essential wins over a repeat
    assert skipped == 2
