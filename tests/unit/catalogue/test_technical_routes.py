"""Occupations get one of England's fifteen technical routes from their ISCO-08 group."""

import pytest

from services.catalogue.taxonomy.routes import ISCO_ROUTES, ROUTES, technical_route


@pytest.mark.parametrize(
    ("isco_group", "route"),
    [
        ("2512", "Digital"),  # software developers
        ("2142", "Construction and the built environment"),  # civil engineers
        ("2144", "Engineering and manufacturing"),  # mechanical engineers
        ("5141", "Hair and beauty"),
        ("5120", "Catering and hospitality"),  # cooks
        ("3434", "Catering and hospitality"),  # chefs, not "creative"
        ("5321", "Health and science"),  # health care assistants
        ("5322", "Care services"),  # home carers
        ("5311", "Education and early years"),
        ("5412", "Protective services"),
        ("8332", "Transport and logistics"),
        ("2411", "Legal, finance and accounting"),
        ("5223", "Sales, marketing and procurement"),
        ("6121", "Agriculture, environmental and animal care"),
        ("2166", "Creative and design"),
        ("4110", "Business and administration"),
    ],
)
def test_longest_isco_prefix_decides_the_route(isco_group, route):
    assert technical_route(isco_group) == route


def test_every_isco_sub_major_group_has_a_route_and_every_route_is_used():
    sub_majors = [key for key in ISCO_ROUTES if len(key) == 2]

    assert {technical_route(f"{major}999") for major in sub_majors} <= set(ROUTES)
    assert set(ISCO_ROUTES.values()) == set(ROUTES)
    assert len(ROUTES) == 15


def test_group_outside_the_table_has_no_route():
    assert technical_route("") is None
    assert technical_route("99") is None
