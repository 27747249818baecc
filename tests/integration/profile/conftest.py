"""Adviser fixtures for the profile service's integration tests: advisers stored with a known
password, sign-in, personal tokens and caseload assignment (through the admin API)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from argon2 import PasswordHasher

from services.profile import advisers
from tests.integration.conftest import ADMIN_TOKEN, bearer

ADMIN = bearer(ADMIN_TOKEN)
PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class AdviserAccount:
    id: int
    email: str
    password: str


def store_adviser(app, email: str, password: str | None = PASSWORD, **fields) -> AdviserAccount:
    """An adviser written through the domain (with `password` set unless None)."""
    with app.extensions["routeways.db"].session_scope() as session:
        adviser, _token = advisers.create_adviser(
            session,
            fields.get("name", email.split("@")[0].title()),
            email,
            fields.get("organisation", "National Careers Service"),
            app.config["SECRET_KEY"],
        )
        if password is not None:
            advisers.give_password(adviser, password)
        session.flush()
        return AdviserAccount(adviser.id, adviser.email, password or "")


def sign_in(client, adviser: AdviserAccount, password: str | None = None):
    """POST /advisers/session; the response (the client keeps the cookie)."""
    return client.post(
        "/advisers/session",
        json={"email": adviser.email, "password": password or adviser.password},
    )


def issue_token(client, name: str = "script") -> str:
    """A personal token issued to the client's signed-in adviser: the plaintext."""
    response = client.post("/advisers/me/tokens", json={"name": name})
    assert response.status_code == 201, response.json
    return response.json["token"]


def assign(client, adviser_id: int, learner_id: int) -> None:
    response = client.put(f"/advisers/{adviser_id}/caseload/{learner_id}", headers=ADMIN)
    assert response.status_code in (200, 201), response.json


def field_reasons(response) -> dict[str, str]:
    """field -> reason of a problem+json answer."""
    return {row["field"]: row["reason"] for row in response.json.get("errors", [])}


@pytest.fixture
def adviser(profile_app) -> AdviserAccount:
    return store_adviser(profile_app, "joanne.whittaker@example.org")


@pytest.fixture
def other_adviser(profile_app) -> AdviserAccount:
    return store_adviser(profile_app, "imran.hussain@example.org")


@pytest.fixture
def signed_in(profile_app, adviser):
    """A client holding `adviser`'s console session cookie."""
    client = profile_app.test_client()
    assert sign_in(client, adviser).status_code == 200
    return client


@pytest.fixture
def quick_hashing(monkeypatch):
    """Argon2id at its cheapest, for tests about something other than the hashing (the real
    parameters cost ~0.2 s a hash on a CI machine); the sign-in tests keep the real ones."""
    monkeypatch.setattr(
        advisers, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
