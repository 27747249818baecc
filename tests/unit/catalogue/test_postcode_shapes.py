"""UK postcodes and districts are normalised to their outward code; other text is refused."""

import pytest

from services.catalogue.postcodes import MalformedPostcode, outward_code


@pytest.mark.parametrize(
    ("text", "outcode"),
    [
        ("PR1 2HE", "PR1"),
        ("pr12he", "PR1"),
        ("  Pr1   2hE ", "PR1"),
        ("PR1", "PR1"),
        ("bb11", "BB11"),
        ("BB11 1AA", "BB11"),
        ("EC1A 1BB", "EC1A"),
        ("W1A 0AX", "W1A"),
        ("M1 1AE", "M1"),
    ],
)
def test_full_postcodes_and_districts_give_the_outward_code(text, outcode):
    assert outward_code(text) == outcode


@pytest.mark.parametrize("text", ["", "Preston", "PR", "12HE", "PR1 2H", "PR1-2HE", "PR1 2HE X"])
def test_text_not_shaped_like_a_postcode_is_malformed_and_names_the_field(text):
    with pytest.raises(MalformedPostcode) as error:
        outward_code(text)

    assert error.value.field == "postcode"
    assert "not a UK postcode" in error.value.reason
