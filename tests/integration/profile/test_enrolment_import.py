"""POST /providers/<id>/enrolments:bulk on SQLite and PostgreSQL, against a live catalogue over
HTTP: mixed good and bad rows (each bad field named, good rows kept), CSV, JSON lines and a JSON
array, client refs idempotent within and across batches, and the provider key matrix."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import select

from services.profile.catalogue_client import CatalogueClient
from services.profile.models import Interaction, OutboxEvent
from services.profile.resources.enrolments.views import CATALOGUE
from shared.embedded_redis import free_port
from tests.integration.conftest import register
from tests.integration.profile.conftest_catalogue import (
    ONLINE_COURSE,
    CatalogueProvider,
    provider_with_courses,
)
from tests.integration.web.conftest import ADMIN, make_app

pytest_plugins = ["tests.integration.profile.conftest_catalogue"]

COLUMNS = ["learner_email", "course_ref", "course_id", "kind", "occurred_at", "client_ref"]
WHEN = "2026-09-07T09:30:00+01:00"
NDJSON = "application/x-ndjson"


@pytest.fixture
def profile(profile_on_catalogue):
    return profile_on_catalogue.test_client()


@pytest.fixture
def college(catalogue_client) -> CatalogueProvider:
    return provider_with_courses(catalogue_client, "runshaw", ["DIG-3", "CARE-2"])


@pytest.fixture
def rival(catalogue_client) -> CatalogueProvider:
    return provider_with_courses(catalogue_client, "blackburn", ["BB-ENG-4"])


@pytest.fixture
def learners(profile) -> dict[str, int]:
    """Two registered learners: email -> id."""
    return {
        email: register(profile, email=email)["id"]
        for email in ("aisha.khan@example.org", "tom.birch@example.org")
    }


def as_csv(rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def as_json_lines(rows: list[dict]) -> bytes:
    return "\n".join(json.dumps(row) for row in rows).encode()


def send(profile, provider: CatalogueProvider, body: bytes, content_type: str, headers=None):
    return profile.post(
        f"/providers/{provider.id}/enrolments:bulk",
        data=body,
        content_type=content_type,
        headers=provider.headers if headers is None else headers,
    )


def row(client_ref: str, **fields) -> dict:
    return {"learner_email": "aisha.khan@example.org", "course_ref": "DIG-3", "kind": "enrolled",
            "occurred_at": WHEN, "client_ref": client_ref, **fields}  # fmt: skip


def stored(app) -> list[tuple]:
    with app.extensions["routeways.db"].session_scope() as session:
        query = select(
            Interaction.learner_id, Interaction.course_id, Interaction.kind, Interaction.source,
            Interaction.client_ref,
        ).order_by(Interaction.id)  # fmt: skip
        return [tuple(r) for r in session.execute(query)]


def recorded_events(app) -> list[dict]:
    with app.extensions["routeways.db"].session_scope() as session:
        query = select(OutboxEvent.payload).where(
            OutboxEvent.type == "profile.interaction.recorded"
        )
        return list(session.scalars(query.order_by(OutboxEvent.seq)))


def outcomes(response) -> list[tuple]:
    return [
        (r["row"], r["outcome"], [e["field"] for e in r["errors"]]) for r in response.json["rows"]
    ]


def test_mixed_csv_rows_keep_the_good_ones_and_name_each_bad_field(
    profile, profile_on_catalogue, college, rival, learners
):
    rows = [
        row("R1"),  # 1 good, by the provider's reference
        row("R2", course_ref="", course_id=college.courses["CARE-2"], kind="completed",
            learner_email="  Tom.Birch@Example.org "),  # 2 good, by id; email tidied
        row("R3", learner_email="not-an-email"),  # 3
        row("R4", course_ref="NO-SUCH-COURSE"),  # 4
        row("R5", course_ref="BB-ENG-4"),  # 5 the rival's reference: not ours
        row("R6", course_ref="", course_id=rival.courses["BB-ENG-4"]),  # 6 the rival's course
        row("R7", kind="viewed"),  # 7 not a kind a provider observes
        row("R8", occurred_at="2026-09-07 09:30"),  # 8 no offset
        row("R9", occurred_at="next tuesday"),  # 9
        row("R10", occurred_at="2999-01-01T00:00:00Z"),  # 10 in the future
        row("R1"),  # 11 row 1 again: the same record
        row("R1", kind="completed"),  # 12 row 1's ref, a different record
        row("R13", learner_email="nobody@example.org"),  # 13 no such learner
        row("", kind=""),  # 14 two fields missing
    ]  # fmt: skip

    response = send(profile, college, as_csv(rows), "text/csv")

    assert response.status_code == 200, response.json
    assert outcomes(response) == [
        (1, "recorded", []),
        (2, "recorded", []),
        (3, "rejected", ["learner_email"]),
        (4, "rejected", ["course_ref"]),
        (5, "rejected", ["course_ref"]),
        (6, "rejected", ["course_id"]),
        (7, "rejected", ["kind"]),
        (8, "rejected", ["occurred_at"]),
        (9, "rejected", ["occurred_at"]),
        (10, "rejected", ["occurred_at"]),
        (11, "already-recorded", []),
        (12, "rejected", ["client_ref"]),
        (13, "unmatched-learner", ["learner_email"]),
        (14, "rejected", ["kind", "client_ref"]),
    ]
    assert response.json["counts"] == {
        "recorded": 2, "already-recorded": 1, "unmatched-learner": 1, "rejected": 10,
    }  # fmt: skip
    results = response.json["rows"]
    assert results[0]["line"] == 2  # the header is line 1
    assert results[0]["course_id"] == college.courses["DIG-3"]
    assert results[10]["interaction_id"] == results[0]["interaction_id"]
    assert "different kind" in results[11]["errors"][0]["reason"]
    assert "another provider" in results[5]["errors"][0]["reason"]
    aisha, tom = learners["aisha.khan@example.org"], learners["tom.birch@example.org"]
    assert stored(profile_on_catalogue) == [
        (aisha, college.courses["DIG-3"], "enrolled", "provider-import", f"p{college.id}:R1"),
        (tom, college.courses["CARE-2"], "completed", "provider-import", f"p{college.id}:R2"),
    ]
    events = recorded_events(profile_on_catalogue)
    assert [(e["learner_id"], e["kind"], e["source"]) for e in events] == [
        (aisha, "enrolled", "provider-import"),
        (tom, "completed", "provider-import"),
    ]
    assert events[0]["occurred_at"] == "2026-09-07T08:30:00+00:00"
    assert "email" not in json.dumps(events)


def test_json_lines_sent_again_are_already_recorded_and_announce_nothing_new(
    profile, profile_on_catalogue, college, learners
):
    body = as_json_lines([row("A-1"), row("A-2", kind="applied"), row(3, kind="completed")])

    first = send(profile, college, body, NDJSON)
    again = send(profile, college, body, NDJSON)

    assert [r["outcome"] for r in first.json["rows"]] == ["recorded"] * 3
    assert [r["outcome"] for r in again.json["rows"]] == ["already-recorded"] * 3
    assert [r["interaction_id"] for r in again.json["rows"]] == [
        r["interaction_id"] for r in first.json["rows"]
    ]
    assert first.json["rows"][2]["client_ref"] == "3"  # a numeric record id is taken as text
    assert len(stored(profile_on_catalogue)) == 3
    assert len(recorded_events(profile_on_catalogue)) == 3


def test_a_later_batch_reusing_a_client_ref_for_another_record_is_rejected(
    profile, profile_on_catalogue, college, learners
):
    send(profile, college, as_json_lines([row("B-1")]), NDJSON)

    changed = send(profile, college, as_json_lines([row("B-1", course_ref="CARE-2")]), NDJSON)

    [result] = changed.json["rows"]
    assert result["outcome"] == "rejected"
    assert result["errors"][0]["field"] == "client_ref"
    assert "different course" in result["errors"][0]["reason"]
    assert len(stored(profile_on_catalogue)) == 1


def test_a_json_array_is_read_like_json_lines(profile, college, learners):
    body = json.dumps([row("C-1"), row("C-2", kind="teleported")]).encode()

    response = send(profile, college, body, "application/json")

    assert outcomes(response) == [(1, "recorded", []), (2, "rejected", ["kind"])]
    assert response.json["rows"][0]["line"] is None


def test_two_providers_may_use_the_same_record_id(
    profile, profile_on_catalogue, college, rival, learners
):
    mine = send(profile, college, as_json_lines([row("SAME")]), NDJSON)
    theirs = send(profile, rival, as_json_lines([row("SAME", course_ref="BB-ENG-4")]), NDJSON)

    assert mine.json["rows"][0]["outcome"] == "recorded"
    assert theirs.json["rows"][0]["outcome"] == "recorded"
    assert len(stored(profile_on_catalogue)) == 2


def test_an_imported_interaction_shows_in_the_learners_history(profile, college, learners):
    send(profile, college, as_json_lines([row("H-1", kind="completed")]), NDJSON)

    learner_id = learners["aisha.khan@example.org"]
    history = profile.get(f"/learners/{learner_id}/interactions", headers=ADMIN).json

    assert [(i["kind"], i["source"]) for i in history] == [("completed", "provider-import")]


# --- the key ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-API-Key": "rwk_not-a-real-key"},
        {"Authorization": "Bearer rwk_x"},
        {"X-API-Key": "k" * 5000},
    ],
    ids=["none", "unknown", "unknown-bearer", "huge"],
)
def test_no_or_an_unknown_key_is_401_and_nothing_is_stored(
    profile, profile_on_catalogue, college, learners, headers
):
    response = send(profile, college, as_json_lines([row("K-1")]), NDJSON, headers)

    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert stored(profile_on_catalogue) == []


def test_the_key_also_works_as_a_bearer_token(profile, college, learners):
    headers = {"Authorization": f"Bearer {college.key}"}

    response = send(profile, college, as_json_lines([row("K-2")]), NDJSON, headers)

    assert response.status_code == 200
    assert response.json["counts"]["recorded"] == 1


def test_another_providers_key_is_403_and_nothing_is_stored(
    profile, profile_on_catalogue, college, rival, learners
):
    response = send(profile, college, as_json_lines([row("K-3")]), NDJSON, rival.headers)

    assert response.status_code == 403
    assert stored(profile_on_catalogue) == []


def test_a_revoked_key_is_refused_when_the_import_asks_the_catalogue_about_a_course(
    profile, catalogue_client, college, learners
):
    assert send(profile, college, as_json_lines([row("V-1")]), NDJSON).status_code == 200
    [key] = catalogue_client.get(f"/providers/{college.id}/keys", headers=ADMIN).json
    catalogue_client.delete(f"/providers/{college.id}/keys/{key['id']}", headers=ADMIN)

    # The key is still remembered here (for up to a minute), but the course lookup is not.
    response = send(profile, college, as_json_lines([row("V-2", course_ref="CARE-2")]), NDJSON)
    assert response.status_code == 401
    # ...and the profile service forgot the key, so it asks the catalogue again next time.
    again = send(profile, college, as_json_lines([row("V-3")]), NDJSON)
    assert again.status_code == 401


def test_the_catalogue_is_asked_once_per_key_and_once_per_distinct_course(
    profile, served_catalogue, college, learners
):
    rows = [row(f"D-{n}", course_ref=("DIG-3", "CARE-2")[n % 2]) for n in range(40)]
    rows += [row("D-id", course_ref="", course_id=college.courses["DIG-3"])] * 3
    served_catalogue.paths.clear()

    send(profile, college, as_json_lines(rows[:20]), NDJSON)
    first = sorted(served_catalogue.paths)
    served_catalogue.paths.clear()
    send(profile, college, as_json_lines(rows[20:]), NDJSON)

    courses = f"/providers/{college.id}/courses"
    assert first == [f"{courses}/CARE-2", f"{courses}/DIG-3", "/providers/me"]
    # The key's owner and both references are remembered; only the new question is asked.
    assert served_catalogue.paths == [f"/courses/{college.courses['DIG-3']}"]


def test_a_course_published_after_an_unknown_reference_is_found_next_time(
    profile, catalogue_client, college, learners
):
    body = as_json_lines([row("N-1", course_ref="NEW-1")])
    assert send(profile, college, body, NDJSON).json["rows"][0]["outcome"] == "rejected"
    catalogue_client.put(
        f"/providers/{college.id}/courses/NEW-1", headers=college.headers, json=ONLINE_COURSE
    )

    assert send(profile, college, body, NDJSON).json["rows"][0]["outcome"] == "recorded"


def test_a_revoked_key_is_remembered_for_at_most_the_cache_time(
    profile, profile_on_catalogue, served_catalogue, catalogue_client, college, learners
):
    """The documented delay: the owner of a key is remembered for a minute, so rows naming
    courses by id (a public lookup that needs no key) still import until the entry expires."""
    now = [1000.0]
    client = CatalogueClient(served_catalogue.url, clock=lambda: now[0])
    profile_on_catalogue.extensions[CATALOGUE] = client
    by_id = {"course_ref": "", "course_id": college.courses["DIG-3"]}
    assert send(profile, college, as_json_lines([row("T-1", **by_id)]), NDJSON).status_code == 200
    [key] = catalogue_client.get(f"/providers/{college.id}/keys", headers=ADMIN).json
    catalogue_client.delete(f"/providers/{college.id}/keys/{key['id']}", headers=ADMIN)

    now[0] += client.keys.ttl - 1
    within = send(profile, college, as_json_lines([row("T-2", **by_id)]), NDJSON)
    now[0] += 2
    after = send(profile, college, as_json_lines([row("T-3", **by_id)]), NDJSON)

    assert within.status_code == 200
    assert after.status_code == 401


def test_an_unreachable_catalogue_is_503_with_retry_after_and_nothing_is_stored(
    second_database_url, redis_url, redis_client, college
):
    app = make_app(
        "profile",
        second_database_url,
        redis_url,
        catalogue_url=f"http://127.0.0.1:{free_port()}",
    )
    try:
        response = send(app.test_client(), college, as_json_lines([row("U-1")]), NDJSON)

        assert response.status_code == 503
        assert response.headers["Retry-After"] == "30"
        assert response.mimetype == "application/problem+json"
        assert stored(app) == []
    finally:
        app.extensions["routeways.db"].dispose()
