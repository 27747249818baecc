"""Creating advisers (admin) and their one-time set-password links: no default password, a
link works once and expires, the password policy names the field."""

from __future__ import annotations

import time

import pytest
from itsdangerous import TimestampSigner

from tests.integration.conftest import bearer, register
from tests.integration.profile.conftest import ADMIN, field_reasons
from tests.integration.web.conftest import make_app

pytestmark = pytest.mark.usefixtures("quick_hashing")

NEW = {
    "name": "Priya Patel",
    "email": "priya.patel@example.org",
    "organisation": "Preston's College",
}
PASSWORD = "a long enough passphrase"


def create(client, **fields):
    return client.post("/advisers", json={**NEW, **fields}, headers=ADMIN)


def set_password(client, token: str, password: str = PASSWORD):
    return client.post("/advisers/password", json={"token": token, "password": password})


def sign_in(client, password: str = PASSWORD, email: str = NEW["email"]):
    return client.post("/advisers/session", json={"email": email, "password": password})


def test_a_created_adviser_has_no_password_only_a_one_time_link(profile_client):
    response = create(profile_client)

    assert response.status_code == 201, response.json
    assert response.json["has_password"] is False
    assert response.json["password_token"]
    assert response.json["expires_in_days"] == 2
    assert sign_in(profile_client, "").status_code == 422
    assert sign_in(profile_client, "password1234").status_code == 401


def test_the_link_sets_the_password_and_the_adviser_can_sign_in(profile_client):
    token = create(profile_client).json["password_token"]

    response = set_password(profile_client, token)

    assert response.status_code == 200, response.json
    assert sign_in(profile_client).status_code == 200


def test_a_used_link_is_void(profile_client):
    token = create(profile_client).json["password_token"]
    assert set_password(profile_client, token).status_code == 200

    again = set_password(profile_client, token, "someone else's passphrase")

    assert again.status_code == 422
    assert "used already" in field_reasons(again)["token"]
    assert sign_in(profile_client).status_code == 200


def test_every_older_link_is_void_once_a_password_is_set(profile_client):
    created = create(profile_client).json
    newer = profile_client.post(f"/advisers/{created['id']}/password-link", headers=ADMIN)
    assert newer.status_code == 201

    assert set_password(profile_client, newer.json["password_token"]).status_code == 200
    assert set_password(profile_client, created["password_token"]).status_code == 422


def test_a_new_link_lets_an_adviser_who_forgot_their_password_set_another(profile_client):
    created = create(profile_client).json
    set_password(profile_client, created["password_token"])
    link = profile_client.post(f"/advisers/{created['id']}/password-link", headers=ADMIN).json

    assert (
        set_password(profile_client, link["password_token"], "my brand new phrase").status_code
        == 200
    )
    assert sign_in(profile_client).status_code == 401
    assert sign_in(profile_client, "my brand new phrase").status_code == 200


def test_setting_a_password_lifts_a_lock(profile_app, profile_client):
    created = create(profile_client).json
    set_password(profile_client, created["password_token"])
    for _ in range(profile_app.extensions["routeways.settings"].login_max_failures):
        sign_in(profile_client, "wrong password, sorry")
    assert sign_in(profile_client).status_code == 429
    link = profile_client.post(f"/advisers/{created['id']}/password-link", headers=ADMIN).json

    assert (
        set_password(profile_client, link["password_token"], "unlocked passphrase").status_code
        == 200
    )
    assert sign_in(profile_client, "unlocked passphrase").status_code == 200


def test_an_expired_link_is_refused_naming_the_token(profile_client, monkeypatch):
    three_days_ago = int(time.time()) - 3 * 86_400
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda _self: three_days_ago)
    token = create(profile_client).json["password_token"]
    monkeypatch.undo()

    response = set_password(profile_client, token)

    assert response.status_code == 422
    assert "expired" in field_reasons(response)["token"]


def test_an_altered_link_or_a_learners_link_is_refused(profile_client):
    token = create(profile_client).json["password_token"]
    learner_link = register(profile_client)["manage_token"]

    altered = set_password(profile_client, token[:-2] + ("AA" if token[-2:] != "AA" else "BB"))
    foreign = set_password(profile_client, learner_link)

    assert altered.status_code == foreign.status_code == 422
    assert "token" in field_reasons(altered)
    assert "token" in field_reasons(foreign)


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short one", "at least 12"),
        (" " * 14, "spaces"),
        ("priya.patel@example.org", "email"),
        ("x" * 257, "Length"),
    ],
)
def test_a_password_breaking_the_policy_is_422_naming_the_password(
    profile_client, password, reason
):
    token = create(profile_client).json["password_token"]

    response = set_password(profile_client, token, password)

    assert response.status_code == 422
    assert reason in field_reasons(response)["password"]
    assert set_password(profile_client, token).status_code == 200  # the link is still good


# --- creating advisers -----------------------------------------------------------------------


def test_an_adviser_email_is_unique_whatever_its_case(profile_client):
    assert create(profile_client).status_code == 201

    again = create(profile_client, email="Priya.Patel@Example.org")

    assert again.status_code == 409
    assert "email" in field_reasons(again)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"name": ""}, "name"),
        ({"organisation": "x" * 201}, "organisation"),
        ({"password": "i choose my own"}, "password"),
    ],
)
def test_a_bad_new_adviser_is_422_naming_the_field(profile_client, fields, field):
    response = create(profile_client, **fields)

    assert response.status_code == 422
    assert field in field_reasons(response)


def test_adviser_administration_needs_the_admin_token(profile_client, signed_in):
    assert profile_client.post("/advisers", json=NEW).status_code == 401
    assert profile_client.get("/advisers", headers=bearer("not-the-admin-token")).status_code == 403
    assert signed_in.get("/advisers").status_code == 401  # an adviser's session is not admin


def test_without_an_admin_token_configured_adviser_administration_does_not_exist(
    database_url, redis_url, redis_client
):
    app = make_app("profile", database_url, redis_url, admin_token="")
    try:
        response = app.test_client().get("/advisers", headers=ADMIN)
    finally:
        app.extensions["routeways.db"].dispose()

    assert response.status_code == 404


def test_the_admin_lists_advisers_with_their_caseload_sizes(profile_client):
    created = create(profile_client).json
    learner = register(profile_client)["id"]
    profile_client.put(f"/advisers/{created['id']}/caseload/{learner}", headers=ADMIN)

    listed = profile_client.get("/advisers", headers=ADMIN)

    assert listed.status_code == 200
    assert [(a["email"], a["caseload_size"], a["has_password"]) for a in listed.json] == [
        (NEW["email"], 1, False)
    ]
    assert "password_token" not in listed.json[0]
