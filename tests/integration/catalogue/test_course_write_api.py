"""The provider course API over HTTP: upserts with ETags, bulk uploads with per-row results,
withdrawal, and a provider never touching another's courses."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from services.catalogue.models import OutboxEvent
from tests.integration.web.conftest import issue_key, register_provider

COURSE = {"title": "HTQ Cyber Security Technologist", "qualification_type": "HTQ", "rqf_level": 4,
          "route_kind": "technical", "sector": "Digital", "campus": "Preston Campus",
          "skills": [{"skill": "network security", "level": 4}], "occupations": ["2139"],
          "start_dates": ["2027-09-06"], "cost_pence": 750000,
          "funding": "loan-eligible"}  # fmt: skip
CAMPUS = {"postcode": "PR2 8UR", "latitude": 53.787, "longitude": -2.712}


@pytest.fixture
def provider(catalogue_client) -> dict:
    """Preston's College with one campus and an API key."""
    provider = register_provider(catalogue_client)
    key = issue_key(catalogue_client, provider["id"])
    response = catalogue_client.put(f"/providers/{provider['id']}/campuses/Preston Campus",
                                    json=CAMPUS, headers={"X-API-Key": key})  # fmt: skip
    assert response.status_code in (200, 201), response.json
    return {"id": provider["id"], "headers": {"X-API-Key": key}}


def course_url(provider: dict, ref: str = "PC-CYB-4") -> str:
    return f"/providers/{provider['id']}/courses/{ref}"


def outbox_types(app) -> list[str]:
    with app.extensions["routeways.db"].session_scope() as session:
        return list(session.scalars(select(OutboxEvent.type).order_by(OutboxEvent.seq)))


def test_put_creates_then_updates_with_etags_and_one_event_each(catalogue_client, catalogue_app,
                                                                provider):  # fmt: skip
    created = catalogue_client.put(course_url(provider), json=COURSE, headers=provider["headers"])
    assert created.status_code == 201
    assert created.headers["ETag"] == '"v1"'
    assert created.json["campus"]["name"] == "Preston Campus"

    same = catalogue_client.put(course_url(provider), json=COURSE, headers=provider["headers"])
    assert (same.status_code, same.headers["ETag"]) == (200, '"v1"')  # unchanged: no new version

    changed = catalogue_client.put(
        course_url(provider),
        json={**COURSE, "cost_pence": 690000},
        headers={**provider["headers"], "If-Match": '"v1"'},
    )
    assert (changed.status_code, changed.headers["ETag"]) == (200, '"v2"')
    assert outbox_types(catalogue_app) == ["catalogue.course.published", "catalogue.course.updated"]


def test_two_writers_with_the_same_etag_one_gets_412(catalogue_client, catalogue_app, provider):
    etag = catalogue_client.put(course_url(provider), json=COURSE,
                                headers=provider["headers"]).headers["ETag"]  # fmt: skip
    first = catalogue_client.put(
        course_url(provider),
        json={**COURSE, "title": "Writer one"},
        headers={**provider["headers"], "If-Match": etag},
    )
    second = catalogue_client.put(
        course_url(provider),
        json={**COURSE, "title": "Writer two"},
        headers={**provider["headers"], "If-Match": etag},
    )

    assert first.status_code == 200
    assert second.status_code == 412
    assert second.mimetype == "application/problem+json"
    current = catalogue_client.get(course_url(provider), headers=provider["headers"])
    assert current.json["title"] == "Writer one"


def test_unreadable_if_match_is_a_412_problem(catalogue_client, provider):
    response = catalogue_client.put(
        course_url(provider), json=COURSE, headers={**provider["headers"], "If-Match": "yesterday"}
    )
    assert response.status_code == 412


def test_unknown_and_invalid_fields_are_422_naming_each(catalogue_client, provider):
    response = catalogue_client.put(
        course_url(provider),
        headers=provider["headers"],
        json={**COURSE, "colour": "blue", "rqf_level": 9},
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json["errors"]} == {"colour", "rqf_level"}


def test_unknown_campus_is_422_naming_campus(catalogue_client, provider):
    response = catalogue_client.put(
        course_url(provider), headers=provider["headers"], json={**COURSE, "campus": "Moon Base"}
    )
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "campus"


def test_bulk_json_lines_keep_good_rows_and_report_bad_ones(catalogue_client, catalogue_app,
                                                            provider):  # fmt: skip
    lines = [json.dumps({**COURSE, "external_ref": "B-1"}), "{not json",
             json.dumps({**COURSE, "external_ref": "B-2", "rqf_level": "four"}),
             json.dumps({**COURSE, "external_ref": "B-3", "delivery_mode": "online",
                         "national": True, "campus": None})]  # fmt: skip
    response = catalogue_client.post(f"/providers/{provider['id']}/courses:bulk",
                                     data="\n".join(lines), content_type="application/x-ndjson",
                                     headers=provider["headers"])  # fmt: skip

    assert response.status_code == 200
    assert response.json["counts"] == {"created": 2, "updated": 0, "unchanged": 0, "rejected": 2}
    rows = {row["line"]: row for row in response.json["rows"]}
    assert rows[1]["outcome"] == rows[4]["outcome"] == "created"
    assert rows[2]["errors"][0]["reason"].startswith("not JSON")
    assert rows[3]["errors"] == [{"field": "rqf_level", "reason": "Not a valid integer."}]
    assert outbox_types(catalogue_app).count("catalogue.course.published") == 2


def test_bulk_csv_upload_and_its_repeat_is_all_unchanged(catalogue_client, catalogue_app, provider):
    csv = (
        "external_ref,title,qualification_type,rqf_level,route_kind,sector,campus,skills\n"
        "C-1,Welding Skills Bootcamp,Skills Bootcamp,3,technical,Engineering,Preston Campus,"
        "mig welding:3;tig welding:2\n"
        "C-2,Data Analytics Bootcamp,Skills Bootcamp,4,technical,Digital,Preston Campus,sql\n"
    )
    url = f"/providers/{provider['id']}/courses:bulk"
    first = catalogue_client.post(
        url, data=csv, content_type="text/csv", headers=provider["headers"]
    )
    again = catalogue_client.post(
        url, data=csv, content_type="text/csv", headers=provider["headers"]
    )

    assert first.json["counts"]["created"] == 2
    assert again.json["counts"] == {"created": 0, "updated": 0, "unchanged": 2, "rejected": 0}
    assert len(outbox_types(catalogue_app)) == 2


def test_bulk_with_an_unsupported_content_type_is_415(catalogue_client, provider):
    response = catalogue_client.post(f"/providers/{provider['id']}/courses:bulk",
                                     data="<courses/>", content_type="application/xml",
                                     headers=provider["headers"])  # fmt: skip
    assert response.status_code == 415
    assert response.mimetype == "application/problem+json"


def test_delete_withdraws_keeps_history_and_announces_once(catalogue_client, catalogue_app,
                                                           provider):  # fmt: skip
    catalogue_client.put(course_url(provider), json=COURSE, headers=provider["headers"])
    first = catalogue_client.delete(course_url(provider), headers=provider["headers"])
    second = catalogue_client.delete(course_url(provider), headers=provider["headers"])

    assert first.json["status"] == second.json["status"] == "withdrawn"
    assert outbox_types(catalogue_app).count("catalogue.course.withdrawn") == 1
    assert catalogue_client.delete(course_url(provider, "NOPE"),
                                   headers=provider["headers"]).status_code == 404  # fmt: skip


def test_another_providers_key_cannot_read_change_or_withdraw(catalogue_client, catalogue_app,
                                                              provider):  # fmt: skip
    catalogue_client.put(course_url(provider), json=COURSE, headers=provider["headers"])
    other = register_provider(catalogue_client, key="runshaw", name="Runshaw College")
    other_headers = {"X-API-Key": issue_key(catalogue_client, other["id"])}

    for method in ("get", "put", "delete"):
        response = getattr(catalogue_client, method)(course_url(provider), json=COURSE,
                                                     headers=other_headers)  # fmt: skip
        assert response.status_code == 403, method
    bulk = catalogue_client.post(
        f"/providers/{provider['id']}/courses:bulk",
        data="{}",
        content_type="application/x-ndjson",
        headers=other_headers,
    )
    assert bulk.status_code == 403
    assert outbox_types(catalogue_app) == ["catalogue.course.published"]


def test_no_key_is_401_before_any_body_is_read(catalogue_client, provider):
    response = catalogue_client.put(course_url(provider), json=COURSE)
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
