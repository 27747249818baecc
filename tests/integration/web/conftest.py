"""App and client fixtures for every service (Flask tutorial style), on migrated databases, and
the catalogue's admin flow (register a provider, issue it an API key) the other tests build on."""

from __future__ import annotations

import importlib

from tests.conftest import migrated

#: The catalogue apps here are given this admin token (a real deployment sets its own).
ADMIN_TOKEN = "test-admin-token-0123456789abcdef"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def make_app(service: str, database_url: str, redis_url: str, **config):
    """`service`'s app on a migrated database; `config` overrides settings by field name."""
    migrated(service, database_url).dispose()
    create_app = importlib.import_module(f"services.{service}").create_app
    app = create_app({"database_url": database_url, "redis_url": redis_url, **config})
    app.config["TESTING"] = True
    return app


def register_provider(client, **fields) -> dict:
    """POST /providers with the admin token; the new provider as the API shows it."""
    body = {"key": "prestons-college", "name": "Preston's College", "kind": "fe-college", **fields}
    response = client.post("/providers", json=body, headers=ADMIN)
    assert response.status_code == 201, response.json
    return response.json


def issue_key(client, provider_id: int, label: str = "") -> str:
    """A new API key of the provider (admin endpoint): the plaintext, shown this once."""
    response = client.post(f"/providers/{provider_id}/keys", json={"label": label}, headers=ADMIN)
    assert response.status_code == 201, response.json
    return response.json["key"]
