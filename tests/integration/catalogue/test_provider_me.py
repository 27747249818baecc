"""GET /providers/me on SQLite and PostgreSQL: which provider an API key belongs to (how the
other services authenticate provider keys), 401 for no, malformed, unknown or revoked keys."""

from __future__ import annotations

import pytest

from services.catalogue import providers
from tests.integration.web.conftest import ADMIN, issue_key, register_provider


@pytest.fixture
def provider(catalogue_client) -> dict:
    return register_provider(catalogue_client, key="runshaw", name="Runshaw College")


def test_a_valid_key_names_its_provider(catalogue_client, provider):
    key = issue_key(catalogue_client, provider["id"])

    for headers in ({"X-API-Key": key}, {"Authorization": f"Bearer {key}"}):
        response = catalogue_client.get("/providers/me", headers=headers)
        assert response.status_code == 200, response.json
        assert response.json == {"provider_id": provider["id"], "name": "Runshaw College"}


def test_each_of_two_providers_keys_names_its_own_provider(catalogue_client, provider):
    other = register_provider(catalogue_client, key="blackburn", name="Blackburn College")
    mine, theirs = (
        issue_key(catalogue_client, provider["id"]),
        issue_key(catalogue_client, other["id"]),
    )

    assert (
        catalogue_client.get("/providers/me", headers={"X-API-Key": mine}).json["provider_id"]
        == provider["id"]
    )
    assert (
        catalogue_client.get("/providers/me", headers={"X-API-Key": theirs}).json["provider_id"]
        == other["id"]
    )


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-API-Key": "not-a-key"},
        {"X-API-Key": providers.new_key()},  # well formed, never issued
        {"Authorization": "Basic dXNlcjpwYXNz"},
    ],
    ids=["none", "malformed", "unknown", "not-bearer"],
)
def test_no_usable_key_is_401_problem(catalogue_client, provider, headers):
    response = catalogue_client.get("/providers/me", headers=headers)

    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("ApiKey")


def test_a_revoked_key_is_401_at_once(catalogue_client, provider):
    key = issue_key(catalogue_client, provider["id"])
    [listed] = catalogue_client.get(f"/providers/{provider['id']}/keys", headers=ADMIN).json
    revoked = catalogue_client.delete(
        f"/providers/{provider['id']}/keys/{listed['id']}", headers=ADMIN
    )
    assert revoked.status_code == 200

    assert catalogue_client.get("/providers/me", headers={"X-API-Key": key}).status_code == 401


def test_me_is_documented_as_needing_a_provider_key(catalogue_client):
    operation = catalogue_client.get("/openapi.json").json["paths"]["/providers/me"]["get"]
    assert operation["security"] == [{"ProviderKey": []}]
