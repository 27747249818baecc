"""The profile's pure rules: funding age bands and tidy postcodes."""

from datetime import date

import pytest

from services.profile.learners import age_band_on, tidy_postcode


@pytest.mark.parametrize(
    ("born", "age", "band"),
    [
        (date(2010, 11, 28), 15, None),  # sixteen tomorrow
        (date(2010, 11, 27), 16, "16-18"),
        (date(2007, 11, 28), 18, "16-18"),
        (date(2007, 11, 27), 19, "19-23"),
        (date(2002, 11, 28), 23, "19-23"),
        (date(2002, 11, 27), 24, "24+"),
        (date(1960, 2, 29), 66, "24+"),
    ],
)
def test_age_band_turns_on_the_birthday(born, age, band):
    assert age_band_on(born, date(2026, 11, 27)) == (age, band)


@pytest.mark.parametrize(
    ("given", "tidy"),
    [
        ("pr12he", "PR1 2HE"),
        (" bb1  1aa ", "BB1 1AA"),
        ("M1 1AE", "M1 1AE"),
        ("ec1a1bb", "EC1A 1BB"),
    ],
)
def test_postcodes_are_kept_in_one_upper_case_shape(given, tidy):
    assert tidy_postcode(given) == tidy
