"""How alike two occupations are: O*NET's relatedness tiers, and ESCO skill overlap."""

import pytest

from services.catalogue.taxonomy.onet import relatedness_similarity
from services.catalogue.taxonomy.transitions import skill_overlap_transitions


@pytest.mark.parametrize(
    ("tier", "index", "similarity"),
    [
        ("Primary-Short", 1, 0.90),
        ("Primary-Short", 5, 0.82),
        ("Primary-Long", 6, 0.70),
        ("Primary-Long", 10, 0.62),
        ("Supplemental", 11, 0.50),
        ("Supplemental", 20, 0.32),
    ],
)
def test_onet_tier_and_rank_give_a_similarity_above_the_floor(tier, index, similarity):
    assert relatedness_similarity(tier, index) == pytest.approx(similarity)


def test_unknown_onet_tier_gives_no_similarity():
    assert relatedness_similarity("Career Changers", 1) is None


LINKS = {
    ("dev", "python"): "essential", ("dev", "code"): "essential", ("dev", "teams"): "optional",
    ("app", "python"): "essential", ("app", "code"): "essential",
    ("desk", "code"): "essential", ("desk", "teams"): "essential",
    ("welder", "weld"): "essential", ("welder", "teams"): "optional",
}  # fmt: skip


def test_skill_overlap_is_the_cosine_of_weighted_skill_vectors():
    moves = skill_overlap_transitions(LINKS)

    # dev (1, 1, 0.5) and app (1, 1, 0): 2 / (1.5 * 1.4142)
    assert moves["dev", "app"] == pytest.approx(0.9428, abs=1e-4)
    assert moves["app", "dev"] == moves["dev", "app"]
    assert ("dev", "dev") not in moves


def test_skill_overlap_keeps_only_the_top_matches_above_the_threshold():
    moves = skill_overlap_transitions(LINKS, threshold=0.35, top=1)

    # welder's best is desk: 0.5 / (1.118 * 1.4142) = 0.316, below the threshold
    assert moves == {
        ("dev", "app"): pytest.approx(0.9428, abs=1e-4),
        ("app", "dev"): pytest.approx(0.9428, abs=1e-4),
        ("desk", "dev"): pytest.approx(0.7071, abs=1e-4),  # 1.5 / (1.5 * 1.4142)
    }


def test_same_links_always_give_the_same_transitions():
    assert skill_overlap_transitions(LINKS) == skill_overlap_transitions(
        dict(reversed(LINKS.items()))
    )
