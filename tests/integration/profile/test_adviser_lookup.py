"""POST /advisers/lookup: the notifier names learners whose routes changed and learns who
advises them (open accounts, learners who share their profile), with its token only."""

from __future__ import annotations

from tests.integration.conftest import bearer, register
from tests.integration.profile.conftest import ADMIN, assign, field_reasons, store_adviser

LOOKUP = "/advisers/lookup"


def test_each_open_adviser_comes_back_with_the_named_learners_they_may_see(
    profile_app, profile_client
):
    joanne = store_adviser(profile_app, "joanne@example.org", name="Joanne Whittaker")
    imran = store_adviser(profile_app, "imran@example.org", name="Imran Hussain")
    aisha = register(profile_client, email="aisha@example.org", name="Aisha Khan")["id"]
    tom = register(profile_client, email="tom@example.org", name="Tom Walsh")["id"]
    unnamed = register(profile_client, email="una@example.org", name="Una Named")["id"]
    for adviser, learner in ((joanne, aisha), (joanne, tom), (joanne, unnamed), (imran, tom)):
        assign(profile_client, adviser.id, learner)

    response = profile_client.post(LOOKUP, json={"learner_ids": [tom, aisha]}, headers=ADMIN)

    assert response.status_code == 200, response.json
    assert response.json == [
        {
            "adviser_id": joanne.id,
            "name": "Joanne Whittaker",
            "email": "joanne@example.org",
            "learners": [
                {"learner_id": aisha, "name": "Aisha Khan"},
                {"learner_id": tom, "name": "Tom Walsh"},
            ],
        },
        {
            "adviser_id": imran.id,
            "name": "Imran Hussain",
            "email": "imran@example.org",
            "learners": [{"learner_id": tom, "name": "Tom Walsh"}],
        },
    ]


def test_learners_who_do_not_share_with_advisers_and_closed_accounts_are_left_out(
    profile_app, profile_client
):
    joanne = store_adviser(profile_app, "joanne@example.org")
    private = register(
        profile_client,
        email="private@example.org",
        consent={"suggestion_emails": True, "frequency": "weekly", "share_with_adviser": False},
    )["id"]
    assign(profile_client, joanne.id, private)

    response = profile_client.post(LOOKUP, json={"learner_ids": [private]}, headers=ADMIN)

    assert response.status_code == 200
    assert response.json == []


def test_only_the_notifier_or_the_admin_may_ask(profile_client):
    learner = register(profile_client)["id"]
    for headers in ({}, bearer("not-the-token")):
        response = profile_client.post(LOOKUP, json={"learner_ids": [learner]}, headers=headers)
        assert response.status_code == 401


def test_a_bad_question_names_the_field_and_the_reason(profile_client):
    for body in ({}, {"learner_ids": []}, {"learner_ids": ["7"]}, {"learner_ids": [0]}):
        response = profile_client.post(LOOKUP, json=body, headers=ADMIN)
        assert response.status_code == 422, body
        assert any(field.startswith("learner_ids") for field in field_reasons(response)), body
