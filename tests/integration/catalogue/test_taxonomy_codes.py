"""GET /taxonomy/codes on SQLite and PostgreSQL: every code of the current taxonomy in one
document, its version as the ETag, and 304 for a client that already holds that version."""

from __future__ import annotations

from services.catalogue.taxonomy import import_taxonomy
from tests.integration.catalogue.conftest import quiet


def import_small(app, folder, titles=None) -> str:
    with app.extensions["routeways.db"].session_scope() as session:
        return import_taxonomy(session, folder(titles), quiet).version


def test_codes_list_every_occupation_skill_route_and_district_with_the_version_as_etag(
    catalogue_app, catalogue_client, make_open_data
):
    version = import_small(catalogue_app, make_open_data)

    response = catalogue_client.get("/taxonomy/codes")

    assert response.status_code == 200
    body = response.json
    assert body["version"] == version
    assert response.headers["ETag"] == f'"{version}"'
    assert response.headers["Cache-Control"] == "no-cache"
    assert [o["code"] for o in body["occupations"]] == ["2512.4", "2514.2", "3512.1", "7212.3"]
    assert {"code": "7212.3", "title": "welder"} in body["occupations"]
    assert {s["uri"].rsplit("/", 1)[1] for s in body["skills"]} >= {"python", "weld-metal"}
    assert "Digital" in body["technical_routes"]
    assert body["postcode_districts"] == ["BB11", "PR1"]


def test_a_client_holding_the_current_version_gets_304_without_the_codes(
    catalogue_app, catalogue_client, make_open_data
):
    version = import_small(catalogue_app, make_open_data)

    for tag in (f'"{version}"', f'W/"{version}"', f'"stale", "{version}"'):
        response = catalogue_client.get("/taxonomy/codes", headers={"If-None-Match": tag})
        assert response.status_code == 304, tag
        assert response.data == b""
        assert response.headers["ETag"] == f'"{version}"'


def test_a_client_holding_an_older_version_gets_the_new_codes(
    catalogue_app, catalogue_client, make_open_data
):
    old = import_small(catalogue_app, make_open_data)
    new = import_small(catalogue_app, make_open_data, {"7212.3": "metal welder"})
    assert new != old

    response = catalogue_client.get("/taxonomy/codes", headers={"If-None-Match": f'"{old}"'})

    assert response.status_code == 200
    assert response.json["version"] == new
    assert {"code": "7212.3", "title": "metal welder"} in response.json["occupations"]


def test_before_any_import_the_codes_are_empty_with_no_version_and_no_etag(catalogue_client):
    response = catalogue_client.get("/taxonomy/codes", headers={"If-None-Match": '"None"'})

    assert response.status_code == 200
    assert response.json["version"] is None
    assert response.json["occupations"] == []
    assert "ETag" not in response.headers


def test_the_codes_need_no_key_and_are_in_the_openapi_document(catalogue_client):
    spec = catalogue_client.get("/openapi.json").json
    operation = spec["paths"]["/taxonomy/codes"]["get"]
    assert "security" not in operation
    assert {"200", "304"} <= set(operation["responses"])
