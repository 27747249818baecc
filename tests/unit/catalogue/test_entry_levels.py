"""The RQF level an occupation is typically entered at, from Nesta's O*NET-based attributes."""

import pytest

from services.catalogue.taxonomy.nesta import (
    EDUCATION_RQF,
    _category,
    fill_entry_levels,
    typical_entry_level,
)


@pytest.mark.parametrize(
    ("education_level", "rqf"),
    [(1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (6, 6), (7, 6), (8, 7), (10, 7), (11, 8), (12, 8)],
)
def test_education_level_decides_the_entry_level(education_level, rqf):
    assert typical_entry_level(job_zone=1, education_level=education_level) == rqf


@pytest.mark.parametrize(("job_zone", "rqf"), [(1, 1), (2, 2), (3, 3), (4, 6), (5, 7)])
def test_job_zone_decides_without_an_education_level(job_zone, rqf):
    assert typical_entry_level(job_zone=job_zone, education_level=None) == rqf


def test_the_table_covers_every_onet_education_category_with_an_rqf_level():
    assert sorted(EDUCATION_RQF) == list(range(1, 13))
    assert set(EDUCATION_RQF.values()) <= set(range(1, 9))
    levels = [EDUCATION_RQF[category] for category in sorted(EDUCATION_RQF)]
    assert levels == sorted(levels)  # more education never means a lower level


def test_nesta_means_are_rounded_half_up_within_the_scale():
    assert [_category(text, 1, 12) for text in ("2.1163", "2.5", "0.2", "12.7", "")] == [
        2,
        3,
        1,
        12,
        None,
    ]


def test_narrower_occupations_take_their_ancestors_level_then_their_isco_skill_level():
    occupations = {
        "a": {"code": "3412.4", "isco_group": "3412", "typical_entry_level": 5},
        "b": {"code": "3412.4.2.1", "isco_group": "3412", "typical_entry_level": None},
        "c": {"code": "9629.3", "isco_group": "9629", "typical_entry_level": None},
        "d": {"code": "0110.9", "isco_group": "0110", "typical_entry_level": None},
    }

    fill_entry_levels(occupations)

    assert [fields["typical_entry_level"] for fields in occupations.values()] == [5, 5, 1, 6]
