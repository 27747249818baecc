"""Enrolment import bodies that cannot be read, are too big or are hostile, on SQLite and
PostgreSQL: 415 for another format, 413 past 10,000 rows, 422 naming the line for a body that
cannot be read as rows, and never a 500, with nothing stored, whatever the rows hold."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from services.profile.models import Interaction
from tests.integration.conftest import register
from tests.integration.profile.conftest_catalogue import CatalogueProvider, provider_with_courses

pytest_plugins = ["tests.integration.profile.conftest_catalogue"]

HEADER = "learner_email,course_ref,kind,occurred_at,client_ref"
GOOD = "aisha.khan@example.org,DIG-3,enrolled,2026-09-07T09:30:00+01:00,R1"
GOOD_JSON = json.dumps(
    {"learner_email": "aisha.khan@example.org", "course_ref": "DIG-3", "kind": "enrolled",
     "occurred_at": "2026-09-07T09:30:00Z", "client_ref": "J1"}
)  # fmt: skip


@pytest.fixture
def profile(profile_on_catalogue):
    client = profile_on_catalogue.test_client()
    register(client, email="aisha.khan@example.org")
    return client


@pytest.fixture
def college(catalogue_client) -> CatalogueProvider:
    return provider_with_courses(catalogue_client, "runshaw", ["DIG-3"])


def send(profile, college: CatalogueProvider, body: bytes | str, content_type: str):
    return profile.post(
        f"/providers/{college.id}/enrolments:bulk",
        data=body.encode() if isinstance(body, str) else body,
        content_type=content_type,
        headers=college.headers,
    )


def interaction_count(app) -> int:
    with app.extensions["routeways.db"].session_scope() as session:
        return session.scalar(select(func.count()).select_from(Interaction))


def problem_fields(response) -> dict[str, str]:
    assert response.mimetype == "application/problem+json"
    return {error["field"]: error["reason"] for error in response.json["errors"]}


@pytest.mark.parametrize(
    ("content_type", "body", "line", "reason"),
    [
        ("application/x-ndjson", f"{GOOD_JSON}\n\n{{not json\n", 3, "not JSON"),
        ("application/x-ndjson", f"{GOOD_JSON}\n[1, 2]\n", 2, "JSON object"),
        ("application/json", '[\n{"a": 1},\n{"b": \n', 4, "not JSON"),
        ("application/json", '{"learner_email": "a@b.org"}', 1, "array"),
        ("application/json", "[1]", 1, "not an object"),
        ("text/csv", f"{HEADER}\n{GOOD}\n{GOOD},extra\n", 3, "6 cells"),
        ("text/csv", f"{HEADER}\n{GOOD}\nshort,row\n", 3, "2 cells"),
        ("text/csv", "learner_email,kind,occurred_at\n" + GOOD, 1, "client_ref"),
        ("text/csv", "learner_email,kind,kind,occurred_at,client_ref,course_ref\n", 1, "twice"),
        (
            "text/csv",
            b"".join([HEADER.encode(), b"\n", GOOD.encode(), b"\n\xff\xfe,x\n"]),
            3,
            "UTF-8",
        ),
        ("text/csv", "", 1, "no rows"),
        ("application/x-ndjson", "\n\n", 1, "no rows"),
        ("text/csv", HEADER + "\n", 1, "no rows"),
    ],
    ids=[
        "json-line-broken",
        "json-line-not-object",
        "json-array-broken",
        "json-not-array",
        "json-array-item",
        "csv-extra-cell",
        "csv-short-row",
        "csv-header-lacks",
        "csv-header-twice",
        "not-utf8",
        "csv-empty",
        "json-lines-blank",
        "csv-header-only",
    ],
)
def test_a_body_that_cannot_be_read_is_422_naming_the_line_and_stores_nothing(
    profile, profile_on_catalogue, college, content_type, body, line, reason
):
    response = send(profile, college, body, content_type)

    assert response.status_code == 422, response.json
    fields = problem_fields(response)
    assert list(fields) == [f"line {line}"]
    assert reason in fields[f"line {line}"]
    assert interaction_count(profile_on_catalogue) == 0


def test_more_than_ten_thousand_rows_is_413_and_stores_nothing(
    profile, profile_on_catalogue, college
):
    rows = "\n".join(f"aisha.khan@example.org,DIG-3,enrolled,2026-09-07T09:30:00Z,R{n}"
                     for n in range(10_001))  # fmt: skip

    response = send(profile, college, f"{HEADER}\n{rows}\n", "text/csv")

    assert response.status_code == 413
    assert "10000 rows" in problem_fields(response)["rows"]
    assert interaction_count(profile_on_catalogue) == 0


def test_ten_thousand_rows_are_one_request(profile, college):
    rows = "\n".join(f"aisha.khan@example.org,DIG-3,enrolled,2026-09-07T09:30:00Z,R{n}"
                     for n in range(10_000))  # fmt: skip

    response = send(profile, college, f"{HEADER}\n{rows}\n", "text/csv")

    assert response.status_code == 200
    assert response.json["counts"]["recorded"] == 10_000


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", ""])
def test_another_format_is_415(profile, college, content_type):
    response = send(profile, college, GOOD_JSON, content_type)

    assert response.status_code == 415
    assert "text/csv" in response.json["detail"]


HOSTILE_ROWS = [
    {"learner_email": 5, "course_ref": ["DIG-3"], "kind": None, "occurred_at": 1_700_000_000,
     "client_ref": {"id": 1}},
    {"learner_email": "a\u0000b@example.org", "course_ref": "DIG-3\u0000", "kind": "enrolled",
     "occurred_at": "2026-09-07T09:30:00Z", "client_ref": "nul\u0000"},
    {"learner_email": "aisha.khan@example.org", "course_id": True, "kind": "enrolled",
     "occurred_at": "2026-09-07T09:30:00Z", "client_ref": "bool-id"},
    {"learner_email": "aisha.khan@example.org", "course_id": 10**30, "kind": "enrolled",
     "occurred_at": "2026-09-07T09:30:00Z", "client_ref": "huge-id"},
    {"learner_email": "aisha.khan@example.org", "course_id": -4, "kind": "enrolled",
     "occurred_at": "2026-09-07T09:30:00Z", "client_ref": "negative-id"},
    {"learner_email": "aisha.khan@example.org", "course_ref": "DIG-3", "kind": "enrolled",
     "occurred_at": "0001-01-01T00:00:00+05:00", "client_ref": "year-one"},
    {"learner_email": "aisha.khan@example.org", "course_ref": "DIG-3", "kind": "enrolled",
     "occurred_at": "2026-09-07T09:30:00+25:00", "client_ref": "bad-offset"},
    {"learner_email": "aisha.khan@example.org", "course_ref": "../../admin", "kind": "enrolled",
     "occurred_at": "2026-09-07T09:30:00Z", "client_ref": "path"},
    {"learner_email": "aisha.khan@example.org", "course_ref": "DIG-3", "course_id": 1,
     "kind": "enrolled", "occurred_at": "2026-09-07T09:30:00Z", "client_ref": "both"},
    {"learner_email": "x" * 400 + "@example.org", "course_ref": "D" * 65, "kind": "enrolled",
     "occurred_at": "2026-09-07T09:30:00Z", "client_ref": "c" * 49},
    {"learner_email": "aisha.khan@example.org", "course_ref": "DIG-3", "kind": "enrolled",
     "occurred_at": "2026-09-07T09:30:00Z", "client_ref": "line\u2028separator"},
    {"learner_email": " ", "course_ref": "  ", "kind": " ", "occurred_at": " ", "client_ref": " "},
    {},
]  # fmt: skip


def test_hostile_rows_are_each_rejected_naming_a_field_and_the_good_row_is_kept(
    profile, profile_on_catalogue, college
):
    rows = [*HOSTILE_ROWS, json.loads(GOOD_JSON)]
    body = "\n".join(json.dumps(row) for row in rows)

    response = send(profile, college, body, "application/x-ndjson")

    assert response.status_code == 200, response.json
    results = response.json["rows"]
    assert [r["outcome"] for r in results] == ["rejected"] * len(HOSTILE_ROWS) + ["recorded"]
    assert all(r["errors"] and all(e["field"] and e["reason"] for e in r["errors"])
               for r in results[:-1])  # fmt: skip
    assert interaction_count(profile_on_catalogue) == 1


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", "[" * 100_000 + "]" * 100_000),
        ("application/x-ndjson", '{"a": ' * 50_000 + "1" + "}" * 50_000),
        ("application/json", "1" * 5000),
        ("text/csv", f'{HEADER}\n"unclosed,quote\n'),
        ("text/csv", f"{HEADER}\n" + "x" * 200_000 + ",a,b,c,d\n"),
        ("text/csv", "\x00\x00\x00"),
        ("application/x-ndjson", "\ufeff" + GOOD_JSON),
    ],
    ids=["deep-array", "deep-object", "long-number", "open-quote", "huge-cell", "nul", "bom"],
)
def test_malformed_bodies_never_give_a_500(profile, college, content_type, body):
    response = send(profile, college, body, content_type)

    assert response.status_code in (200, 422), response.json
