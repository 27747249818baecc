"""The taxonomy's read API on SQLite and PostgreSQL: occupations and skills page by page, one
occupation in full, postcode centroids; every 4xx a problem naming its field."""

from __future__ import annotations

import pytest

from services.catalogue.taxonomy import import_taxonomy
from tests.integration.catalogue.conftest import quiet
from tests.integration.web.conftest import make_app

PROBLEM = "application/problem+json"


@pytest.fixture
def client(database_url, redis_url, make_open_data):
    app = make_app("catalogue", database_url, redis_url)
    with app.extensions["routeways.db"].session_scope() as session:
        import_taxonomy(session, make_open_data(), quiet)
    yield app.test_client()
    app.extensions["routeways.db"].dispose()


def problem_fields(response) -> dict[str, tuple[str, str]]:
    assert response.mimetype == PROBLEM
    return {
        error["field"]: (error["location"], error["reason"]) for error in response.json["errors"]
    }


def test_occupations_are_found_by_title_text_case_insensitively(client):
    body = client.get("/occupations?q=DEVELOPER").json

    assert [item["code"] for item in body["items"]] == ["2514.2", "2512.4"]
    assert body["next_cursor"] is None


def test_occupation_pages_follow_the_cursor_without_repeats_or_gaps(client):
    seen, cursor = [], None
    while True:
        query = "/occupations?limit=3" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(query).json
        seen += [item["title"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break

    everything = [item["title"] for item in client.get("/occupations?limit=100").json["items"]]
    assert seen == everything
    assert len(set(seen)) == 4


def test_occupations_filter_by_route_and_isco_prefix(client):
    digital = client.get("/occupations?technical_route=Digital").json["items"]
    ict_professionals = client.get("/occupations?isco_group=25").json["items"]

    assert {item["code"] for item in digital} == {"2512.4", "2514.2", "3512.1"}
    assert {item["code"] for item in ict_professionals} == {"2512.4", "2514.2"}


def test_occupation_detail_has_skills_transitions_and_labour_market(client):
    body = client.get("/occupations/3512.1").json

    assert [skill["label"] for skill in body["essential_skills"]] == [
        "debug software",
        "work in teams",
    ]
    assert body["optional_skills"] == []
    assert {(move["code"], move["source"]) for move in body["transitions"]} >= {
        ("2512.4", "esco-skills")
    }
    assert {(s["area"], s["education_route"]) for s in body["labour_market"]} == {
        (area, route)
        for area in ("LANCASHIRE", "NORTH WEST ENGLAND")
        for route in ("all", "school-leaver", "fe", "he")
    }


def test_occupation_labour_market_narrows_to_one_area(client):
    body = client.get("/occupations/3512.1?area=Lancashire").json

    assert {signal["area"] for signal in body["labour_market"]} == {"LANCASHIRE"}
    [everyone] = [s for s in body["labour_market"] if s["education_route"] == "all"]
    assert everyone == {
        "soc_group": "313", "area": "LANCASHIRE", "education_route": "all",
        "demand_index": 867.0, "median_pay_gbp": 36500.0, "projected_change": "rise",
    }  # fmt: skip


def test_unknown_occupation_is_a_404_problem_naming_the_code(client):
    response = client.get("/occupations/9999.9")

    assert response.status_code == 404
    assert problem_fields(response)["code"][0] == "path"


def test_unknown_area_is_a_422_problem_naming_the_area(client):
    response = client.get("/occupations/3512.1?area=Atlantis")

    assert response.status_code == 422
    assert problem_fields(response)["area"][0] == "query"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("technical_route=Astronautics", "technical_route"),
        ("isco_group=25x", "isco_group"),
        ("cursor=not-a-cursor", "cursor"),
    ],
)
def test_bad_occupation_query_is_a_422_problem_naming_the_parameter(client, query, field):
    response = client.get(f"/occupations?{query}")

    assert response.status_code == 422
    assert problem_fields(response)[field][0] == "query"


def test_skills_are_found_by_label_and_kind(client):
    knowledge = client.get("/skills?kind=knowledge").json["items"]
    teams = client.get("/skills?q=teams").json["items"]
    bad = client.get("/skills?kind=talent")

    assert [skill["label"] for skill in knowledge] == ["Python (computer programming)"]
    assert [(skill["label"], skill["kind"]) for skill in teams] == [
        ("work in teams", "transversal")
    ]
    assert bad.status_code == 422
    assert "kind" in problem_fields(bad)


def test_full_postcode_resolves_to_its_district_centroid(client):
    body = client.get("/postcodes/pr1 2he").json

    assert body == {
        "postcode": "pr1 2he",
        "outcode": "PR1",
        "latitude": 53.754842,
        "longitude": -2.708077,
    }


def test_unknown_district_is_404_and_malformed_postcode_422_both_naming_the_postcode(client):
    unknown = client.get("/postcodes/ZZ9 9ZZ")
    malformed = client.get("/postcodes/PR1-2HE!")

    assert (unknown.status_code, malformed.status_code) == (404, 422)
    assert problem_fields(unknown)["postcode"][0] == "path"
    assert problem_fields(malformed)["postcode"][0] == "path"


def test_taxonomy_paths_are_in_the_openapi_document(client):
    paths = client.get("/openapi.json").json["paths"]

    assert {"/occupations", "/occupations/{code}", "/skills", "/postcodes/{postcode}"} <= set(paths)
