"""GET /learners/<id>/contact: what the notifier needs at send time, to the notifier only."""

from __future__ import annotations

import pytest

from tests.integration.conftest import ADMIN_TOKEN, bearer, register
from tests.integration.web.conftest import make_app

NOTIFIER_TOKEN = "notifier-contact-token-0123456789abcdef"


@pytest.fixture
def contact_app(database_url, redis_url, redis_client):
    from tests.integration.conftest import seed_profile_taxonomy

    app = make_app(
        "profile",
        database_url,
        redis_url,
        admin_token=ADMIN_TOKEN,
        notifier_contact_token=NOTIFIER_TOKEN,
    )
    seed_profile_taxonomy(app)
    yield app
    app.extensions["routeways.db"].dispose()


@pytest.fixture
def client(contact_app):
    return contact_app.test_client()


def test_the_notifier_reads_address_name_consent_and_frequency(client):
    learner = register(client, email="Ada.Lovelace@Example.org", name="Ada Lovelace")
    response = client.get(f"/learners/{learner['id']}/contact", headers=bearer(NOTIFIER_TOKEN))
    assert response.status_code == 200, response.json
    assert response.json == {
        "learner_id": learner["id"],
        "email": "ada.lovelace@example.org",
        "name": "Ada Lovelace",
        "suggestion_emails": True,
        "frequency": "weekly",
    }


def test_without_email_consent_the_address_and_name_are_withheld(client):
    learner = register(client, consent={"suggestion_emails": False, "frequency": "monthly"})
    response = client.get(f"/learners/{learner['id']}/contact", headers=bearer(NOTIFIER_TOKEN))
    assert response.status_code == 200
    assert response.json["suggestion_emails"] is False
    assert response.json["frequency"] == "monthly"
    assert response.json["email"] is None
    assert response.json["name"] is None


def test_an_unsubscribed_learner_reads_as_no_consent(client):
    learner = register(client)
    unsubscribed = client.post(
        f"/learners/{learner['id']}/unsubscribe", headers=bearer(learner["manage_token"])
    )
    assert unsubscribed.status_code == 200
    response = client.get(f"/learners/{learner['id']}/contact", headers=bearer(NOTIFIER_TOKEN))
    assert response.json["suggestion_emails"] is False
    assert response.json["email"] is None


def test_the_admin_token_may_ask_too(client):
    learner = register(client)
    response = client.get(f"/learners/{learner['id']}/contact", headers=bearer(ADMIN_TOKEN))
    assert response.status_code == 200
    assert response.json["email"] == "aisha.khan@example.org"


@pytest.mark.parametrize("who", ["nobody", "learner", "wrong"])
def test_anyone_else_is_refused_with_401(client, who):
    learner = register(client)
    headers = {
        "nobody": {},
        "learner": bearer(learner["manage_token"]),
        "wrong": bearer(NOTIFIER_TOKEN + "x"),
    }[who]
    response = client.get(f"/learners/{learner['id']}/contact", headers=headers)
    assert response.status_code == 401
    assert "email" not in (response.json or {})


def test_unknown_and_erased_learners_are_404(client):
    assert client.get("/learners/999999/contact", headers=bearer(NOTIFIER_TOKEN)).status_code == 404
    learner = register(client)
    erased = client.delete(f"/learners/{learner['id']}", headers=bearer(ADMIN_TOKEN))
    assert erased.status_code == 204
    response = client.get(f"/learners/{learner['id']}/contact", headers=bearer(NOTIFIER_TOKEN))
    assert response.status_code == 404


def test_an_empty_notifier_token_leaves_contacts_to_the_admin_token(
    database_url, redis_url, redis_client
):
    from tests.integration.conftest import seed_profile_taxonomy

    app = make_app("profile", database_url, redis_url, admin_token=ADMIN_TOKEN)
    seed_profile_taxonomy(app)
    try:
        client = app.test_client()
        learner = register(client)
        url = f"/learners/{learner['id']}/contact"
        assert client.get(url, headers=bearer("")).status_code == 401
        assert client.get(url, headers=bearer(ADMIN_TOKEN)).status_code == 200
    finally:
        app.extensions["routeways.db"].dispose()


def test_production_refuses_a_short_contact_token():
    from services.profile.settings import ProfileSettings
    from shared.settings import SettingsError

    with pytest.raises(SettingsError, match="ROUTEWAYS_NOTIFIER_CONTACT_TOKEN"):
        ProfileSettings.from_env(
            {
                "ROUTEWAYS_ENV": "production",
                "ROUTEWAYS_SECRET_KEY": "x" * 40,
                "ROUTEWAYS_NOTIFIER_CONTACT_TOKEN": "short",
            }
        )


def test_outside_production_the_notifier_and_profile_derive_the_same_contact_token(
    database_url, redis_url, redis_client
):
    """`make run` and a `routeways notifier send-digests` started beside it read contacts
    without anyone configuring a token: both services derive it from the secret key."""
    from services.notifier.settings import NotifierSettings
    from tests.integration.conftest import seed_profile_taxonomy

    app = make_app("profile", database_url, redis_url, admin_token=ADMIN_TOKEN)
    seed_profile_taxonomy(app)
    try:
        client = app.test_client()
        learner = register(client)
        url = f"/learners/{learner['id']}/contact"
        derived = NotifierSettings.from_env().contact_token
        assert derived
        assert client.get(url, headers=bearer(derived)).status_code == 200
        other_key = NotifierSettings.from_env(overrides={"secret_key": "another-dev-key"})
        assert client.get(url, headers=bearer(other_key.contact_token)).status_code == 401
    finally:
        app.extensions["routeways.db"].dispose()


def test_production_derives_no_contact_token():
    from services.notifier.settings import NotifierSettings
    from services.profile.settings import ProfileSettings

    production = {"ROUTEWAYS_ENV": "production", "ROUTEWAYS_SECRET_KEY": "x" * 40}
    assert NotifierSettings.from_env(production).contact_token == ""
    assert ProfileSettings.from_env(production).contact_token == ""
