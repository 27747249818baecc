"""The adviser authorisation matrix over the learner endpoints, with a console session cookie
and with a personal token: an adviser acts on a learner in their own caseload who shares their
profile; another adviser's learner, a learner who withdrew sharing and a learner who does not
exist are all the same 404; no credentials is 401."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import update

from services.profile.models import Adviser
from tests.integration.conftest import bearer, register
from tests.integration.profile.conftest import (
    ADMIN,
    assign,
    field_reasons,
    issue_token,
    sign_in,
)

MISSING = 987_654
pytestmark = pytest.mark.usefixtures("quick_hashing")


@dataclass(frozen=True)
class Caseloads:
    own: int  # in the adviser's caseload, shares
    others: int  # in the other adviser's caseload, shares
    withdrawn: int  # in the adviser's caseload, withdrew sharing


@pytest.fixture
def caseloads(profile_client, adviser, other_adviser) -> Caseloads:
    own = register(profile_client, email="own@example.org")["id"]
    others = register(profile_client, email="others@example.org")["id"]
    withdrawn = register(
        profile_client,
        email="withdrawn@example.org",
        consent={"suggestion_emails": True, "frequency": "weekly", "share_with_adviser": False},
    )["id"]
    assign(profile_client, adviser.id, own)
    assign(profile_client, adviser.id, withdrawn)
    assign(profile_client, other_adviser.id, others)
    return Caseloads(own, others, withdrawn)


@pytest.fixture(params=["session", "token"])
def as_adviser(request, profile_app, adviser):
    """(client, headers) acting as `adviser`: by session cookie, or by personal token on a
    client without any cookie."""
    client = profile_app.test_client()
    assert sign_in(client, adviser).status_code == 200
    if request.param == "session":
        return client, {}
    token = issue_token(client)
    return profile_app.test_client(), bearer(token)


def interaction(**fields) -> dict:
    return {"course_id": 42, "kind": "saved", "source": "web",
            "occurred_at": "2026-10-01T09:30:00+00:00", **fields}  # fmt: skip


GOALS = {"goals": {"occupations": ["2512.4"], "sectors": ["Digital"], "not_sure": False}}


def every_request(client, learner_id: int, headers: dict) -> dict[str, int]:
    """Status of each learner endpoint an adviser may use, by name."""
    url = f"/learners/{learner_id}"
    return {
        "read": client.get(url, headers=headers).status_code,
        "edit": client.patch(url, json=GOALS, headers=headers).status_code,
        "record": client.post(
            f"{url}/interactions", json=interaction(), headers=headers
        ).status_code,
        "history": client.get(f"{url}/interactions", headers=headers).status_code,
        "link": client.post(f"{url}/links", headers=headers).status_code,
    }


def test_an_adviser_reads_edits_records_and_links_their_own_sharing_learner(as_adviser, caseloads):
    client, headers = as_adviser

    assert every_request(client, caseloads.own, headers) == {
        "read": 200, "edit": 200, "record": 201, "history": 200, "link": 201,
    }  # fmt: skip


@pytest.mark.parametrize("whose", ["others", "withdrawn", "missing"])
def test_another_advisers_learner_a_withdrawn_one_and_a_missing_one_are_all_404(
    as_adviser, caseloads, whose
):
    client, headers = as_adviser
    learner_id = MISSING if whose == "missing" else getattr(caseloads, whose)

    statuses = every_request(client, learner_id, headers)

    assert set(statuses.values()) == {404}, statuses


def test_the_404_for_a_hidden_learner_reads_exactly_like_a_missing_one(as_adviser, caseloads):
    client, headers = as_adviser

    hidden = client.get(f"/learners/{caseloads.others}", headers=headers).json
    missing = client.get(f"/learners/{MISSING}", headers=headers).json

    assert hidden["detail"].replace(str(caseloads.others), "N") == missing["detail"].replace(
        str(MISSING), "N"
    )


def test_without_credentials_every_learner_endpoint_is_401(profile_client, caseloads):
    statuses = every_request(profile_client, caseloads.own, {})

    assert set(statuses.values()) == {401}, statuses


def test_an_adviser_edit_of_goals_and_constraints_is_kept(as_adviser, caseloads):
    client, headers = as_adviser
    changes = {**GOALS, "constraints": {"max_travel_km": 35}, "route_preference": "technical",
               "wants_route_switch": False}  # fmt: skip

    response = client.patch(f"/learners/{caseloads.own}", json=changes, headers=headers)

    assert response.status_code == 200, response.json
    assert response.json["goals"]["occupations"] == ["2512.4"]
    assert response.json["constraints"]["max_travel_km"] == 35
    assert response.json["route_preference"] == "technical"


def test_an_adviser_may_not_change_other_fields_and_the_403_names_each_of_them(
    as_adviser, caseloads
):
    client, headers = as_adviser

    response = client.patch(
        f"/learners/{caseloads.own}",
        json={**GOALS, "email": "changed@example.org", "name": "Someone Else"},
        headers=headers,
    )

    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    assert set(field_reasons(response)) == {"email", "name"}
    # unchanged, goals included: nothing is stored half-way
    learner = client.get(f"/learners/{caseloads.own}", headers=headers)
    assert learner.json["email"] == "own@example.org"
    assert learner.json["goals"]["occupations"] == ["2221.1"]


def test_an_adviser_may_not_change_consent_on_the_learners_behalf(as_adviser, caseloads):
    client, headers = as_adviser

    response = client.patch(
        f"/learners/{caseloads.own}",
        json={"consent": {"share_with_adviser": True, "suggestion_emails": True}},
        headers=headers,
    )

    assert response.status_code == 403
    assert "consent" in field_reasons(response)


def test_an_interaction_an_adviser_records_has_source_adviser_whatever_the_body_says(
    as_adviser, caseloads, adviser
):
    client, headers = as_adviser
    url = f"/learners/{caseloads.own}/interactions"

    recorded = client.post(url, json=interaction(source="email"), headers=headers)
    history = client.get(url, headers=headers)

    assert recorded.status_code == 201, recorded.json
    assert recorded.json["source"] == "adviser"
    assert [row["source"] for row in history.json] == ["adviser"]


def test_a_learner_who_withdraws_sharing_disappears_from_their_advisers_reach_at_once(
    as_adviser, caseloads, profile_client
):
    client, headers = as_adviser
    manage = client.post(f"/learners/{caseloads.own}/links", headers=headers).json
    assert client.get(f"/learners/{caseloads.own}", headers=headers).status_code == 200

    withdrew = profile_client.patch(
        f"/learners/{caseloads.own}",
        json={"consent": {"share_with_adviser": False}},
        headers=bearer(manage["token"]),
    )

    assert withdrew.status_code == 200, withdrew.json
    assert client.get(f"/learners/{caseloads.own}", headers=headers).status_code == 404


def test_an_unassigned_learner_is_404_to_the_adviser_who_had_them(
    as_adviser, caseloads, adviser, profile_client
):
    client, headers = as_adviser
    profile_client.delete(f"/advisers/{adviser.id}/caseload/{caseloads.own}", headers=ADMIN)

    assert client.get(f"/learners/{caseloads.own}", headers=headers).status_code == 404


def test_an_adviser_may_neither_export_nor_erase_a_learner(as_adviser, caseloads):
    client, headers = as_adviser

    assert client.get(f"/learners/{caseloads.own}/export", headers=headers).status_code == 404
    assert client.delete(f"/learners/{caseloads.own}", headers=headers).status_code == 404


def test_a_closed_advisers_live_session_or_token_sees_no_learner(
    as_adviser, caseloads, profile_app, adviser
):
    client, headers = as_adviser
    with profile_app.extensions["routeways.db"].session_scope() as session:
        session.execute(update(Adviser).where(Adviser.id == adviser.id).values(active=False))

    # A closed account's token is unknown and its session has ended: both must sign in again.
    assert client.get(f"/learners/{caseloads.own}", headers=headers).status_code == 401
