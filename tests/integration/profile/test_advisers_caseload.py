"""An adviser's caseload: only their own learners who share their profile, searchable,
sortable, paged, flagged; a count (never the identities) of those who withdrew sharing; and the
admin's assignment endpoints."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from services.profile.models import Learner
from shared.events import utcnow
from tests.integration.conftest import register
from tests.integration.profile.conftest import ADMIN, assign, field_reasons

pytestmark = pytest.mark.usefixtures("quick_hashing")

NO_SHARING = {"suggestion_emails": True, "frequency": "weekly", "share_with_adviser": False}
NO_EMAILS = {"suggestion_emails": False, "frequency": "weekly", "share_with_adviser": True}
NO_GOAL = {"occupations": [], "sectors": [], "not_sure": False}
NOT_SURE = {"occupations": [], "sectors": [], "not_sure": True}


@pytest.fixture
def learners(profile_client, adviser, other_adviser) -> dict[str, int]:
    """Five learners in the adviser's caseload (one withdrew sharing), one in another's."""
    made = {
        "aisha": register(profile_client, name="Aisha Khan", email="aisha@example.org"),
        "ben": register(profile_client, name="ben Ashworth", email="ben@example.org",
                        postcode="BB1 1AA", goals=NO_GOAL),
        "cara": register(profile_client, name="Cara Duckworth", email="cara@example.org",
                         postcode="LA1 4YW", consent=NO_EMAILS, goals=NOT_SURE),
        "dan": register(profile_client, name="Dan O'Neill", email="dan_100%@example.org",
                        postcode="FY1 3AB"),
        "wendy": register(profile_client, name="Wendy Withdrawn", email="wendy@example.org",
                          consent=NO_SHARING),
        "other": register(profile_client, name="Olga Other", email="olga@example.org"),
    }  # fmt: skip
    ids = {key: body["id"] for key, body in made.items()}
    for key in ("aisha", "ben", "cara", "dan", "wendy"):
        assign(profile_client, adviser.id, ids[key])
    assign(profile_client, other_adviser.id, ids["other"])
    return ids


def names(response) -> list[str]:
    assert response.status_code == 200, response.json
    return [row["name"] for row in response.json["learners"]]


def test_the_caseload_lists_only_own_sharing_learners_and_counts_the_withdrawn(signed_in, learners):
    response = signed_in.get("/advisers/me/learners")

    assert names(response) == ["Aisha Khan", "ben Ashworth", "Cara Duckworth", "Dan O'Neill"]
    assert response.json["total"] == 4
    assert response.json["withdrawn"] == 1
    body = response.get_data(as_text=True)
    for hidden in ("Wendy", "wendy@", "Olga", "olga@"):
        assert hidden not in body


def test_each_row_carries_flags_for_no_goal_and_emails_off(signed_in, learners):
    rows = {r["name"]: r for r in signed_in.get("/advisers/me/learners").json["learners"]}

    assert rows["Aisha Khan"]["flags"] == []
    assert rows["ben Ashworth"]["flags"] == ["no-goal"]
    assert rows["Cara Duckworth"]["flags"] == ["emails-off"]  # "not sure" is an answer
    assert rows["Aisha Khan"]["goals"]["occupations"] == ["2221.1"]
    assert rows["Aisha Khan"]["constraints"]["earliest_start"] == "2027-01-04"
    assert rows["Aisha Khan"]["assigned_at"]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("aisha", ["Aisha Khan"]),
        ("DUCKWORTH", ["Cara Duckworth"]),
        ("ben@example", ["ben Ashworth"]),
        ("bb11aa", ["ben Ashworth"]),
        ("BB1 1AA", ["ben Ashworth"]),
        ("worth", ["ben Ashworth", "Cara Duckworth"]),
        ("worth la1", ["Cara Duckworth"]),
        ("o'neill", ["Dan O'Neill"]),
        ("_100%", ["Dan O'Neill"]),
        ("%%", []),  # LIKE wildcards are taken literally
        ("k_a", []),
        ("wendy", []),
        ("olga", []),
    ],
)
def test_searching_matches_every_word_in_name_email_or_postcode(signed_in, learners, q, expected):
    response = signed_in.get("/advisers/me/learners", query_string={"q": q})

    assert names(response) == expected
    assert response.json["total"] == len(expected)


def test_the_withdrawn_count_does_not_change_with_the_search(signed_in, learners):
    counts = {
        q: signed_in.get("/advisers/me/learners", query_string={"q": q}).json["withdrawn"]
        for q in ("", "wendy", "aisha", "nobody at all")
    }

    assert set(counts.values()) == {1}


def test_sorting_by_name_either_way_ignores_case(signed_in, learners):
    up = names(signed_in.get("/advisers/me/learners", query_string={"sort": "name"}))
    down = names(signed_in.get("/advisers/me/learners", query_string={"sort": "-name"}))

    assert up == ["Aisha Khan", "ben Ashworth", "Cara Duckworth", "Dan O'Neill"]
    assert down == list(reversed(up))


def test_sorting_by_when_a_learner_was_registered_or_last_updated(profile_app, signed_in, learners):
    newest_first = names(
        signed_in.get("/advisers/me/learners", query_string={"sort": "-created_at"})
    )
    with profile_app.extensions["routeways.db"].session_scope() as session:
        session.execute(
            update(Learner).where(Learner.id == learners["ben"]).values(updated_at=utcnow())
        )
    touched = names(signed_in.get("/advisers/me/learners", query_string={"sort": "-updated_at"}))

    assert newest_first == ["Dan O'Neill", "Cara Duckworth", "ben Ashworth", "Aisha Khan"]
    assert touched[0] == "ben Ashworth"


def test_pages_follow_limit_and_offset_with_the_full_total(signed_in, learners):
    first = signed_in.get("/advisers/me/learners", query_string={"limit": 3})
    second = signed_in.get("/advisers/me/learners", query_string={"limit": 3, "offset": 3})

    assert names(first) == ["Aisha Khan", "ben Ashworth", "Cara Duckworth"]
    assert names(second) == ["Dan O'Neill"]
    assert first.json["total"] == second.json["total"] == 4


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"sort": "email"}, "sort"),
        ({"sort": "name; drop table learners"}, "sort"),
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": -1}, "offset"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_a_bad_caseload_query_is_422_naming_the_parameter(signed_in, learners, query, field):
    response = signed_in.get("/advisers/me/learners", query_string=query)

    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert field in field_reasons(response)


def test_the_caseload_needs_an_adviser(profile_client, learners):
    assert profile_client.get("/advisers/me/learners").status_code == 401
    as_admin = profile_client.get("/advisers/me/learners", headers=ADMIN)
    assert as_admin.status_code == 403


# --- assignment (admin) ----------------------------------------------------------------------


def test_assigning_answers_201_then_200_and_says_whether_the_learner_shares(
    profile_client, adviser
):
    shares = register(profile_client, email="shares@example.org")["id"]
    hidden = register(profile_client, email="hidden@example.org", consent=NO_SHARING)["id"]
    url = f"/advisers/{adviser.id}/caseload"

    first = profile_client.put(f"{url}/{shares}", headers=ADMIN)
    again = profile_client.put(f"{url}/{shares}", headers=ADMIN)
    withdrawn = profile_client.put(f"{url}/{hidden}", headers=ADMIN)

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json["shares_profile"] is True
    assert withdrawn.json["shares_profile"] is False
    assert first.json["assigned_at"] == again.json["assigned_at"]


def test_assigning_an_unknown_learner_or_adviser_is_404_naming_it(profile_client, adviser):
    learner = register(profile_client)["id"]

    no_learner = profile_client.put(f"/advisers/{adviser.id}/caseload/999999", headers=ADMIN)
    no_adviser = profile_client.put(f"/advisers/999999/caseload/{learner}", headers=ADMIN)

    assert no_learner.status_code == no_adviser.status_code == 404
    assert "learner_id" in field_reasons(no_learner)
    assert "adviser_id" in field_reasons(no_adviser)


def test_unassigning_takes_the_learner_out_and_a_second_time_is_404(
    profile_client, signed_in, adviser, learners
):
    url = f"/advisers/{adviser.id}/caseload/{learners['aisha']}"

    assert profile_client.delete(url, headers=ADMIN).status_code == 204
    assert profile_client.delete(url, headers=ADMIN).status_code == 404
    assert "Aisha Khan" not in names(signed_in.get("/advisers/me/learners"))


def test_caseload_changes_need_the_admin_token(signed_in, adviser, learners):
    url = f"/advisers/{adviser.id}/caseload/{learners['other']}"

    assert signed_in.put(url).status_code == 401
    assert (
        signed_in.delete(f"/advisers/{adviser.id}/caseload/{learners['aisha']}").status_code == 401
    )
