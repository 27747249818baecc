"""Advisers signing in to the console: the session cookie, refusals that name no account,
lock-out after repeated failures, the per-address limit, the idle timeout and signing out. These
keep the real Argon2id parameters."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from argon2 import PasswordHasher, extract_parameters
from argon2.profiles import RFC_9106_LOW_MEMORY
from sqlalchemy import select, update

from services.profile.models import Adviser
from services.profile.resources.access import SESSION_SEEN
from shared.events import utcnow
from shared.settings import SettingsError
from tests.integration.conftest import bearer, register
from tests.integration.profile.conftest import (
    PASSWORD,
    field_reasons,
    sign_in,
    store_adviser,
)
from tests.integration.web.conftest import ADMIN_TOKEN, make_app

EMAIL = "joanne.whittaker@example.org"


def app_for(database_url, redis_url, **config):
    return make_app("profile", database_url, redis_url, admin_token=ADMIN_TOKEN, **config)


@pytest.fixture
def strict_app(database_url, redis_url, redis_client):
    """Three wrong passwords lock an account for 15 minutes."""
    app = app_for(database_url, redis_url, login_max_failures=3, login_lockout_minutes=15)
    yield app
    app.extensions["routeways.db"].dispose()


def stored(app, email: str = EMAIL) -> Adviser:
    with app.extensions["routeways.db"].session_scope() as session:
        return session.scalar(select(Adviser).where(Adviser.email == email))


def set_row(app, email: str = EMAIL, **values) -> None:
    with app.extensions["routeways.db"].session_scope() as session:
        session.execute(update(Adviser).where(Adviser.email == email).values(**values))


# --- signing in ------------------------------------------------------------------------------


def test_signing_in_sets_an_httponly_samesite_lax_cookie_and_answers_the_adviser(
    profile_app, profile_client, adviser
):
    response = sign_in(profile_client, adviser)

    assert response.status_code == 200, response.json
    assert response.json["email"] == adviser.email
    assert "password" not in response.json
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("routeways_profile_session=")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # development: `make run` is plain http
    me = profile_client.get("/advisers/me")
    assert me.status_code == 200
    assert me.json["id"] == adviser.id
    assert stored(profile_app).last_login_at is not None


def test_the_email_is_matched_whatever_its_case_and_spacing(profile_client, adviser):
    response = profile_client.post(
        "/advisers/session", json={"email": f"  {EMAIL.upper()} ", "password": PASSWORD}
    )

    assert response.status_code == 200, response.json


def test_in_production_the_session_cookie_is_secure(database_url, redis_url, redis_client):
    app = app_for(database_url, redis_url, environment="production", secret_key="s" * 48)
    try:
        adviser = store_adviser(app, EMAIL)
        response = sign_in(app.test_client(), adviser)
    finally:
        app.extensions["routeways.db"].dispose()

    assert response.status_code == 200, response.json
    assert "Secure" in response.headers["Set-Cookie"]


def test_a_wrong_password_and_an_unknown_email_get_the_same_401_naming_no_account(
    profile_app, profile_client, adviser
):
    store_adviser(profile_app, "no.password.yet@example.org", password=None)

    answers = [
        profile_client.post("/advisers/session", json={"email": email, "password": password})
        for email, password in [
            (EMAIL, "not the password at all"),
            ("nobody@example.org", PASSWORD),
            ("no.password.yet@example.org", PASSWORD),
        ]
    ]

    assert {a.status_code for a in answers} == {401}
    assert all(a.mimetype == "application/problem+json" for a in answers)
    assert answers[0].json == answers[1].json == answers[2].json
    assert field_reasons(answers[0]) == {
        "password": "the email address or the password is not right"
    }
    assert EMAIL not in answers[0].get_data(as_text=True)
    assert "Set-Cookie" not in answers[0].headers


def test_a_closed_account_cannot_sign_in(profile_app, profile_client, adviser):
    set_row(profile_app, active=False)

    response = sign_in(profile_client, adviser)

    assert response.status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"password": PASSWORD}, "email"),
        ({"email": EMAIL}, "password"),
        ({"email": EMAIL, "password": 12}, "password"),
        ({"email": EMAIL, "password": PASSWORD, "remember": True}, "remember"),
        ({"email": EMAIL, "password": "x" * 10_000}, "password"),
    ],
)
def test_a_malformed_sign_in_is_422_naming_the_field(profile_client, adviser, body, field):
    response = profile_client.post("/advisers/session", json=body)

    assert response.status_code == 422
    assert field in field_reasons(response)


def test_a_stored_hash_is_argon2id_with_the_rfc_9106_low_memory_parameters(profile_app, adviser):
    password_hash = stored(profile_app).password_hash

    assert password_hash.startswith("$argon2id$v=19$")
    assert PASSWORD not in password_hash
    parameters = extract_parameters(password_hash)
    assert (parameters.time_cost, parameters.memory_cost, parameters.parallelism) == (
        RFC_9106_LOW_MEMORY.time_cost,
        RFC_9106_LOW_MEMORY.memory_cost,
        RFC_9106_LOW_MEMORY.parallelism,
    )


def test_a_hash_with_outdated_parameters_is_replaced_at_the_next_sign_in(
    profile_app, profile_client, adviser
):
    weak = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    set_row(profile_app, password_hash=weak)

    assert sign_in(profile_client, adviser).status_code == 200

    renewed = stored(profile_app).password_hash
    assert renewed != weak
    assert extract_parameters(renewed).memory_cost == RFC_9106_LOW_MEMORY.memory_cost
    assert PasswordHasher().verify(renewed, PASSWORD)


# --- lock-out --------------------------------------------------------------------------------


def test_the_third_wrong_password_in_a_row_locks_the_account_with_retry_after(strict_app):
    adviser = store_adviser(strict_app, EMAIL)
    client = strict_app.test_client()

    codes = [sign_in(client, adviser, "wrong password, again").status_code for _ in range(3)]

    assert codes == [401, 401, 429]
    locked = sign_in(client, adviser, "wrong password, again")
    assert locked.status_code == 429
    assert locked.mimetype == "application/problem+json"
    assert "password" in field_reasons(locked)
    assert 14 * 60 <= int(locked.headers["Retry-After"]) <= 15 * 60
    assert stored(strict_app).locked_until > utcnow() + timedelta(minutes=14)


def test_an_email_without_an_account_locks_exactly_like_a_real_account(strict_app, redis_client):
    """Otherwise only real accounts could answer 429, and the lock-out would reveal them."""
    real = store_adviser(strict_app, EMAIL)
    client = strict_app.test_client()

    def attempts(email: str) -> list:
        return [
            client.post("/advisers/session", json={"email": email, "password": "wrong, again"})
            for _ in range(4)
        ]

    for_real, for_nobody = attempts(real.email), attempts("nobody.here@example.org")
    assert [a.status_code for a in for_real] == [a.status_code for a in for_nobody]
    assert [a.status_code for a in for_nobody] == [401, 401, 429, 429]
    assert for_real[-1].json["errors"] == for_nobody[-1].json["errors"]
    keys = b" ".join(redis_client.keys("routeways:profile:sign-in:*"))
    assert keys
    assert b"nobody" not in keys  # counted under a digest, never the address


def test_while_locked_even_the_right_password_is_refused(strict_app):
    adviser = store_adviser(strict_app, EMAIL)
    client = strict_app.test_client()
    for _ in range(3):
        sign_in(client, adviser, "wrong password, again")

    response = sign_in(client, adviser)

    assert response.status_code == 429
    assert "Set-Cookie" not in response.headers
    assert client.get("/advisers/me").status_code == 401


def test_once_the_lock_has_ended_the_right_password_works_and_the_count_starts_again(
    strict_app,
):
    adviser = store_adviser(strict_app, EMAIL)
    client = strict_app.test_client()
    for _ in range(3):
        sign_in(client, adviser, "wrong password, again")
    set_row(strict_app, locked_until=utcnow() - timedelta(seconds=1))

    response = sign_in(client, adviser)

    assert response.status_code == 200, response.json
    row = stored(strict_app)
    assert (row.failed_logins, row.locked_until) == (0, None)


def test_a_successful_sign_in_resets_the_count_of_failures(strict_app):
    adviser = store_adviser(strict_app, EMAIL)
    client = strict_app.test_client()

    codes = []
    for password in ["wrong one, sorry", "wrong two, sorry", PASSWORD, "wrong three, sorry",
                     "wrong four, sorry"]:  # fmt: skip
        codes.append(sign_in(client, adviser, password).status_code)

    assert codes == [401, 401, 200, 401, 401]


def test_a_lock_on_one_account_leaves_another_alone(strict_app):
    locked = store_adviser(strict_app, EMAIL)
    other = store_adviser(strict_app, "imran.hussain@example.org")
    client = strict_app.test_client()
    for _ in range(3):
        sign_in(client, locked, "wrong password, again")

    assert sign_in(client, other).status_code == 200


# --- per-address limit -----------------------------------------------------------------------


def test_one_address_over_the_sign_in_limit_gets_429_with_retry_after(
    database_url, redis_url, redis_client
):
    app = app_for(database_url, redis_url, login_rate_limit="3/minute")
    try:
        adviser = store_adviser(app, EMAIL)
        client = app.test_client()
        answers = [sign_in(client, adviser, "wrong password, again") for _ in range(3)]
        limited = sign_in(client, adviser)  # even the right password
        elsewhere = app.test_client().post(
            "/advisers/session",
            json={"email": EMAIL, "password": PASSWORD},
            environ_base={"REMOTE_ADDR": "192.0.2.77"},
        )
    finally:
        app.extensions["routeways.db"].dispose()

    assert [a.status_code for a in answers] == [401, 401, 401]
    assert limited.status_code == 429
    assert limited.mimetype == "application/problem+json"
    assert field_reasons(limited) == {"address": "too many sign-in attempts from this address"}
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert elsewhere.status_code == 200, elsewhere.json


def test_behind_a_trusted_proxy_the_limit_counts_the_forwarded_client_address(
    database_url, redis_url, redis_client
):
    app = app_for(database_url, redis_url, login_rate_limit="2/minute", proxy_hops=1)
    proxy = {"REMOTE_ADDR": "10.0.0.2"}  # every request arrives from the load balancer
    try:
        adviser = store_adviser(app, EMAIL)

        def attempt(client_address: str, password: str) -> int:
            return (
                app.test_client()
                .post(
                    "/advisers/session",
                    json={"email": EMAIL, "password": password},
                    environ_base=proxy,
                    headers={"X-Forwarded-For": client_address},
                )
                .status_code
            )

        first = [attempt("198.51.100.7", "wrong password, again") for _ in range(2)]
        limited = attempt("198.51.100.7", adviser.password)
        other_client = attempt("203.0.113.9", adviser.password)
    finally:
        app.extensions["routeways.db"].dispose()
    assert (first, limited, other_client) == ([401, 401], 429, 200)


def test_the_sign_in_limit_holds_across_workers_sharing_redis(
    database_url, redis_url, redis_client
):
    workers = [app_for(database_url, redis_url, login_rate_limit="2/minute") for _ in range(2)]
    try:
        adviser = store_adviser(workers[0], EMAIL)
        codes = [sign_in(workers[i % 2].test_client(), adviser).status_code for i in range(3)]
    finally:
        for app in workers:
            app.extensions["routeways.db"].dispose()

    assert codes == [200, 200, 429]


# --- the session -----------------------------------------------------------------------------


def test_an_idle_session_times_out_and_stays_signed_out(profile_client, adviser):
    assert sign_in(profile_client, adviser).status_code == 200
    with profile_client.session_transaction() as cookie:
        cookie[SESSION_SEEN] = time.time() - 31 * 60  # the default idle limit is 30 minutes

    timed_out = profile_client.get("/advisers/me")

    assert timed_out.status_code == 401
    assert "timed out" in timed_out.json["detail"]
    assert profile_client.get("/advisers/me").status_code == 401


def test_a_session_in_use_stays_signed_in(profile_client, adviser):
    assert sign_in(profile_client, adviser).status_code == 200
    with profile_client.session_transaction() as cookie:
        cookie[SESSION_SEEN] = time.time() - 29 * 60

    assert profile_client.get("/advisers/me").status_code == 200
    with profile_client.session_transaction() as cookie:
        assert time.time() - cookie[SESSION_SEEN] < 60  # the request renewed it


def test_signing_out_ends_the_session(profile_client, adviser):
    assert sign_in(profile_client, adviser).status_code == 200

    assert profile_client.delete("/advisers/session").status_code == 204

    assert profile_client.get("/advisers/me").status_code == 401


def test_a_session_of_a_closed_account_stops_working(profile_app, profile_client, adviser):
    assert sign_in(profile_client, adviser).status_code == 200
    set_row(profile_app, active=False)

    assert profile_client.get("/advisers/me").status_code == 401


def test_me_without_credentials_is_401_and_with_a_learner_link_is_403(profile_client):
    learner = register(profile_client)

    assert profile_client.get("/advisers/me").status_code == 401
    as_learner = profile_client.get("/advisers/me", headers=bearer(learner["manage_token"]))
    assert as_learner.status_code == 403
    assert as_learner.mimetype == "application/problem+json"


def test_a_malformed_sign_in_limit_stops_the_app_naming_the_variable(
    database_url, redis_url, redis_client
):
    with pytest.raises(SettingsError, match="ROUTEWAYS_PROFILE_LOGIN_RATE_LIMIT"):
        app_for(database_url, redis_url, login_rate_limit="lots per minute")


def test_a_new_password_ends_every_older_console_session(profile_app, adviser):
    """Flask sessions live in the browser: a copied cookie must die with the password."""
    from services.profile import advisers as adviser_domain

    stolen = profile_app.test_client()
    assert sign_in(stolen, adviser).status_code == 200
    assert stolen.get("/advisers/me").status_code == 200
    set_row(
        profile_app, adviser.email, password_hash=adviser_domain.HASHER.hash("a new passphrase!")
    )
    refused = stolen.get("/advisers/me")
    assert refused.status_code == 401
    assert "session has ended" in refused.json["detail"]
