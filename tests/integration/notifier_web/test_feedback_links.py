"""An email's "I'm interested" and "not for me" links, followed on the notifier against a real
profile service: a GET records nothing, the button records once, bad links are refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from itsdangerous import TimestampSigner

from shared.links import make_token
from tests.integration.conftest import ADMIN_TOKEN, bearer
from tests.integration.notifier_web.conftest import (
    SECRET,
    digest_email,
    html_links,
    interactions,
    local,
)

JSON = {"Accept": "application/json"}


def feedback_links(notifier, learner) -> dict[str, str]:
    """Link text -> notifier path, for the first course (aria-labels name each course)."""
    links = html_links(digest_email(notifier, learner))
    return {label: local(href) for _text, href, label in links if label}


def test_following_the_link_shows_a_button_and_records_nothing(notifier, profile_client, learner):
    url = feedback_links(notifier, learner)[
        "I'm interested in Access to HE Diploma (Health Professions)"
    ]

    page = notifier.get(url)

    assert page.status_code == 200
    assert "Yes, I&#39;m interested" in page.text
    assert 'method="post"' in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert interactions(profile_client, learner) == []


def test_pressing_the_button_records_the_interest_once(notifier, profile_client, learner):
    url = feedback_links(notifier, learner)[
        "I'm interested in Access to HE Diploma (Health Professions)"
    ]

    first = notifier.post(url)
    again = notifier.post(url)

    assert first.status_code == again.status_code == 200
    assert "Thank you" in first.text
    assert "Location" not in first.headers
    recorded = interactions(profile_client, learner)
    assert [(i["course_id"], i["kind"], i["source"]) for i in recorded] == [
        (4127, "saved", "email")
    ]


def test_not_for_me_records_not_interested_for_that_course(notifier, profile_client, learner):
    url = feedback_links(notifier, learner)["T Level in Health is not for me"]

    response = notifier.post(url, headers=JSON)

    assert response.status_code == 200
    assert response.json == {
        "course_id": 3310, "kind": "not-interested", "interaction_kind": "not-interested",
        "recorded": True,
    }  # fmt: skip
    assert [(i["course_id"], i["kind"]) for i in interactions(profile_client, learner)] == [
        (3310, "not-interested")
    ]


def expired_feedback_token(learner_id: int, course_id: int, monkeypatch) -> str:
    """A feedback token signed 91 days ago (they live 90)."""
    signed_at = TimestampSigner.get_timestamp
    with monkeypatch.context() as patch:
        patch.setattr(
            TimestampSigner,
            "get_timestamp",
            lambda self: signed_at(self) - int(timedelta(days=91).total_seconds()),
        )
        return make_token(SECRET, "feedback", learner_id, c=course_id)


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_expired_link_is_refused_with_a_page_or_a_problem(
    notifier, profile_client, learner, monkeypatch, method
):
    token = expired_feedback_token(learner["id"], 4127, monkeypatch)
    url = f"/feedback/{token}?kind=interested"

    page = getattr(notifier, method)(url)
    problem = getattr(notifier, method)(url, headers=JSON)

    assert page.status_code == problem.status_code == 410
    assert page.mimetype == "text/html"
    assert "This link has expired" in page.text
    assert problem.mimetype == "application/problem+json"
    assert problem.json["errors"] == [
        {"location": "path", "field": "token", "reason": "this link has expired; ask for a new one"}
    ]
    assert interactions(profile_client, learner) == []


@pytest.mark.parametrize(
    "make",
    [
        lambda learner: make_token(SECRET, "feedback", learner, c=4127)[:-2] + "xx",  # altered
        lambda learner: make_token("another-key", "feedback", learner, c=4127),  # not ours
        lambda learner: make_token(SECRET, "unsubscribe", learner),  # another purpose
        lambda learner: make_token(SECRET, "feedback", learner),  # no course
    ],
    ids=["altered", "other-key", "other-purpose", "no-course"],
)
def test_a_tampered_link_is_refused_and_records_nothing(notifier, profile_client, learner, make):
    url = f"/feedback/{make(learner['id'])}?kind=interested"

    page = notifier.post(url)
    problem = notifier.post(url, headers=JSON)

    assert page.status_code == problem.status_code == 400
    assert "This link does not work" in page.text
    assert [e["field"] for e in problem.json["errors"]] == ["token"]
    assert interactions(profile_client, learner) == []


def test_a_link_of_an_erased_learner_finds_nothing(notifier, profile_client, learner):
    url = feedback_links(notifier, learner)[
        "I'm interested in Access to HE Diploma (Health Professions)"
    ]
    erased = profile_client.delete(f"/learners/{learner['id']}", headers=bearer(ADMIN_TOKEN))
    assert erased.status_code == 204

    response = notifier.post(url)

    assert response.status_code == 404
    assert "We could not find your profile" in response.text


def test_an_unknown_answer_is_a_query_problem(notifier, learner):
    token = make_token(SECRET, "feedback", learner["id"], c=4127)
    response = notifier.get(f"/feedback/{token}?kind=maybe")
    assert response.status_code == 422
    assert [e["field"] for e in response.json["errors"]] == ["kind"]
