"""Provider API keys and the admin endpoints, on SQLite and PostgreSQL with the real Redis.

The guarded endpoint used throughout is PUT /providers/<id>/campuses/<name>: a provider
maintains its own campuses with its key. The matrix: no, malformed, unknown and revoked keys are
401; provider A's key on provider B is 403 and changes nothing; overlapping keys both work; the
admin endpoints are 404 without a configured token and 401/403 without the right one; the CLI
prints JSON; the per-key rate limit answers 429 problem+json with Retry-After, across workers.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from services.catalogue import courses, providers
from services.catalogue.cli import catalogue
from services.catalogue.models import Campus, Course, OutboxEvent, PostcodeDistrict, ProviderKey
from shared.events import utcnow
from tests.integration.web.conftest import ADMIN, ADMIN_TOKEN, issue_key, make_app

PRESTON = {"postcode": "PR2 8UR", "latitude": 53.787, "longitude": -2.712}
BURNLEY = {"postcode": "BB12 0AN", "latitude": 53.799, "longitude": -2.262}


def app_for(database_url: str, redis_url: str, **config):
    return make_app("catalogue", database_url, redis_url, **{"admin_token": ADMIN_TOKEN, **config})


@pytest.fixture
def app(database_url, redis_url, redis_client):
    app = app_for(database_url, redis_url)
    yield app
    app.extensions["routeways.db"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


def register(client, slug: str, ukprn: str) -> int:
    body = {"key": slug, "name": slug.title(), "kind": "fe-college", "ukprn": ukprn,
            "campuses": [{"name": "Main", **PRESTON}]}  # fmt: skip
    response = client.post("/providers", json=body, headers=ADMIN)
    assert response.status_code == 201, response.json
    return response.json["id"]


@pytest.fixture
def provider_a(client) -> int:
    return register(client, "prestons-college", "10005204")


@pytest.fixture
def provider_b(client) -> int:
    return register(client, "burnley-college", "10001000")


def put_campus(client, provider_id: int, key: str | None, name: str = "Main", body=None):
    headers = {"X-API-Key": key} if key is not None else {}
    return client.put(
        f"/providers/{provider_id}/campuses/{name}", json=body or BURNLEY, headers=headers
    )


def campus_of(client, provider_id: int, name: str = "Main") -> dict:
    campuses = client.get(f"/providers/{provider_id}").json["campuses"]
    return next(campus for campus in campuses if campus["name"] == name)


# --- who may change what ---------------------------------------------------------------------


def test_without_a_key_it_is_401_problem_naming_the_header(client, provider_a):
    response = put_campus(client, provider_a, None)

    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert "X-API-Key" in response.headers["WWW-Authenticate"]
    assert campus_of(client, provider_a)["postcode"] == PRESTON["postcode"]


# Parameters are fixed values, not drawn at collection: pytest-xdist's workers each collect
# the tests and must find the same ids (a fresh key per collection gave every worker its own).
UNKNOWN_KEY = "rwk_vQCUUJsAxMMQBptON7rrNsyl3HPkXmqB87wApdjj3XFSV4"


@pytest.mark.parametrize("key", ["", "rwk_", "not-a-key", "rwk_" + "A" * 46, UNKNOWN_KEY], ids=repr)
def test_malformed_or_unknown_keys_are_401(client, provider_a, key):
    issue_key(client, provider_a)

    assert put_campus(client, provider_a, key).status_code == 401


def test_a_key_changed_in_one_character_is_401(client, provider_a):
    key = issue_key(client, provider_a)
    other = "A" if key[-1] != "A" else "B"

    assert put_campus(client, provider_a, key[:-1] + other).status_code == 401


def test_the_right_key_changes_the_campus_and_the_bearer_form_works_too(client, provider_a):
    key = issue_key(client, provider_a)

    response = put_campus(client, provider_a, key)
    assert response.status_code == 200
    assert response.json == {"name": "Main", **BURNLEY}
    bearer = client.put(
        f"/providers/{provider_a}/campuses/Main",
        json=PRESTON,
        headers={"Authorization": f"Bearer {key}"},
    )
    assert bearer.status_code == 200
    assert campus_of(client, provider_a)["postcode"] == PRESTON["postcode"]


def test_provider_a_key_on_provider_b_is_403_and_changes_nothing(
    app, client, provider_a, provider_b
):
    key_a = issue_key(client, provider_a)

    for name in ("Main", "New campus"):
        response = put_campus(client, provider_b, key_a, name=name)
        assert response.status_code == 403
        assert response.mimetype == "application/problem+json"
    assert client.get(f"/providers/{provider_b}").json["campuses"] == [{"name": "Main", **PRESTON}]


def test_a_revoked_key_is_401_at_once(client, provider_a):
    key = issue_key(client, provider_a)
    assert put_campus(client, provider_a, key).status_code == 200
    [listed] = client.get(f"/providers/{provider_a}/keys", headers=ADMIN).json

    revoked = client.delete(f"/providers/{provider_a}/keys/{listed['id']}", headers=ADMIN)

    assert revoked.status_code == 200
    assert revoked.json["active"] is False
    assert put_campus(client, provider_a, key, body=PRESTON).status_code == 401
    again = client.delete(f"/providers/{provider_a}/keys/{listed['id']}", headers=ADMIN)
    assert again.json["revoked_at"] == revoked.json["revoked_at"]  # revoking twice is a no-op


def test_two_active_keys_both_work_so_rotation_overlaps(client, provider_a):
    old = issue_key(client, provider_a, "old")
    new = issue_key(client, provider_a, "new")

    assert put_campus(client, provider_a, old).status_code == 200
    assert put_campus(client, provider_a, new, body=PRESTON).status_code == 200
    old_id = client.get(f"/providers/{provider_a}/keys", headers=ADMIN).json[0]["id"]
    client.delete(f"/providers/{provider_a}/keys/{old_id}", headers=ADMIN)
    assert put_campus(client, provider_a, old).status_code == 401
    assert put_campus(client, provider_a, new).status_code == 200


def test_a_key_revoked_for_another_provider_id_is_404_and_stays_active(
    client, provider_a, provider_b
):
    key = issue_key(client, provider_a)
    key_id = client.get(f"/providers/{provider_a}/keys", headers=ADMIN).json[0]["id"]

    assert client.delete(f"/providers/{provider_b}/keys/{key_id}", headers=ADMIN).status_code == 404
    assert put_campus(client, provider_a, key).status_code == 200


# --- keys are stored as keyed hashes, listed by prefix ---------------------------------------


def test_keys_are_listed_by_prefix_and_stored_only_as_an_hmac(app, client, provider_a):
    issued = client.post(
        f"/providers/{provider_a}/keys", json={"label": "MIS sync"}, headers=ADMIN
    ).json
    plaintext = issued["key"]

    assert issued["prefix"] == plaintext[:12]
    assert "shown once" in issued["warning"]
    [listed] = client.get(f"/providers/{provider_a}/keys", headers=ADMIN).json
    assert set(listed) == {"id", "provider_id", "prefix", "label", "active", "created_at",
                           "last_used_at", "revoked_at"}  # fmt: skip
    assert (listed["prefix"], listed["label"], listed["active"]) == (
        plaintext[:12],
        "MIS sync",
        True,
    )
    with app.extensions["routeways.db"].session_scope() as session:
        [row] = session.scalars(select(ProviderKey)).all()
        assert plaintext not in (row.prefix, row.digest, row.label)
        assert row.digest == providers.key_digest(plaintext, "dev-only-key-secret")


def test_another_server_secret_rejects_every_key(database_url, redis_url, redis_client):
    first = app_for(database_url, redis_url)
    provider_id = register(first.test_client(), "prestons-college", "10005204")
    key = issue_key(first.test_client(), provider_id)
    first.extensions["routeways.db"].dispose()

    second = app_for(database_url, redis_url, key_secret="another-secret")
    assert put_campus(second.test_client(), provider_id, key).status_code == 401
    second.extensions["routeways.db"].dispose()


def test_last_use_is_recorded_at_most_once_a_minute(catalogue_db):
    with catalogue_db.session_scope() as session:
        provider = providers.create_provider(session, "uclan", "UCLan", "university")
        key, plaintext = providers.issue_key(session, provider.id, "", "s")
    start = utcnow()

    def use(at):
        with catalogue_db.session_scope() as session:
            assert providers.authenticate(session, plaintext, "s", now=at) == provider.id
            return session.get(ProviderKey, key.id).last_used_at

    assert use(start) == start
    assert use(start + timedelta(seconds=59)) == start
    assert use(start + timedelta(seconds=61)) == start + timedelta(seconds=61)


# --- admin endpoints -------------------------------------------------------------------------


ADMIN_CALLS = [
    ("post", "/providers", {"key": "uclan", "name": "UCLan", "kind": "university"}),
    ("get", "/providers/1/keys", None),
    ("post", "/providers/1/keys", {"label": "x"}),
    ("delete", "/providers/1/keys/1", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_CALLS)
def test_admin_endpoints_do_not_exist_without_an_admin_token(
    database_url, redis_url, redis_client, method, path, body
):
    app = make_app("catalogue", database_url, redis_url)  # no admin_token
    response = getattr(app.test_client(), method)(path, json=body, headers=ADMIN)

    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    app.extensions["routeways.db"].dispose()


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_CALLS)
def test_admin_endpoints_want_the_admin_token(client, method, path, body):
    call = getattr(client, method)

    assert call(path, json=body).status_code == 401
    assert call(path, json=body, headers={"Authorization": "Bearer nope"}).status_code == 403
    assert call(path, json=body, headers={"X-Admin-Token": ADMIN_TOKEN[:-1]}).status_code == 403
    assert client.get("/providers").json == []  # nothing was created


def test_a_provider_key_is_not_an_admin_token(client, provider_a):
    key = issue_key(client, provider_a)

    response = client.post(
        f"/providers/{provider_a}/keys", json={}, headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == 403


def test_x_admin_token_header_works_and_providers_are_public_with_campuses(client):
    body = {
        "key": "uclan",
        "name": "UCLan",
        "kind": "university",
        "contact_email": "partners@uclan.example",
        "campuses": [{"name": "Preston", **PRESTON}],
    }
    response = client.post("/providers", json=body, headers={"X-Admin-Token": ADMIN_TOKEN})

    assert response.status_code == 201
    [listed] = client.get("/providers").json
    assert listed["campuses"] == [{"name": "Preston", **PRESTON}]
    assert "contact_email" not in listed  # for the operators, not published
    assert client.get(f"/providers/{listed['id']}").json == listed
    assert client.get("/providers/999").status_code == 404


def test_duplicate_provider_and_bad_campus_are_clear_problems(client, provider_a):
    duplicate = client.post(
        "/providers",
        json={"key": "prestons-college", "name": "Again", "kind": "fe-college"},
        headers=ADMIN,
    )
    assert duplicate.status_code == 409
    assert duplicate.json["errors"][0]["field"] == "key"
    half = client.post(
        "/providers",
        json={"key": "uclan", "name": "UCLan", "kind": "university",
              "campuses": [{"name": "Preston", "postcode": "PR1 2HE", "latitude": 53.7}]},
        headers=ADMIN,
    )  # fmt: skip
    assert half.status_code == 422
    assert {e["field"] for e in half.json["errors"]} == {"campuses.0.latitude"}
    unknown = client.post(
        "/providers",
        json={"key": "uclan", "name": "UCLan", "kind": "university",
              "campuses": [{"name": "Preston", "postcode": "ZZ9 9ZZ"}]},
        headers=ADMIN,
    )  # fmt: skip
    assert unknown.status_code == 422
    assert unknown.json["errors"][0]["field"] == "postcode"


# --- campuses --------------------------------------------------------------------------------


def test_a_campus_without_coordinates_sits_at_its_postcode_district(app, client, provider_a):
    with app.extensions["routeways.db"].session_scope() as session:
        session.add(PostcodeDistrict(outcode="BB11", latitude=53.77265, longitude=-2.267867))
    key = issue_key(client, provider_a)

    response = put_campus(client, provider_a, key, "Burnley", {"postcode": "bb11 1ab"})

    assert response.status_code == 201
    assert response.json == {"name": "Burnley", "postcode": "BB11 1AB", "latitude": 53.77265,
                             "longitude": -2.267867}  # fmt: skip


def test_a_moved_campus_moves_its_courses_and_announces_the_published_ones(app, client, provider_a):
    with app.extensions["routeways.db"].session_scope() as session:
        courses.upsert_courses(session, provider_a, [
            {"external_ref": ref, "title": "T Level in Digital", "qualification_type": "T Level",
             "rqf_level": 3, "route_kind": "technical", "sector": "Digital", "campus": "Main",
             "status": status}
            for ref, status in (("LIVE", "published"), ("DRAFT", "draft"))
        ])  # fmt: skip
    key = issue_key(client, provider_a)

    assert put_campus(client, provider_a, key).status_code == 200
    assert put_campus(client, provider_a, key).status_code == 200  # same place: no change

    with app.extensions["routeways.db"].session_scope() as session:
        moved = {c.external_ref: c for c in session.scalars(select(Course))}
        assert {(c.latitude, c.longitude, c.version) for c in moved.values()} == {
            (BURNLEY["latitude"], BURNLEY["longitude"], 2)
        }
        updates = session.scalars(
            select(OutboxEvent).where(OutboxEvent.type == "catalogue.course.updated")
        ).all()
        assert [(e.payload["course_id"], e.payload["changed_fields"]) for e in updates] == [
            (moved["LIVE"].id, ["campus"])
        ]
        assert session.scalars(select(Campus.postcode)).all() == [BURNLEY["postcode"]]


# --- rate limit ------------------------------------------------------------------------------


def test_the_fourth_request_over_three_a_minute_is_429_problem_with_retry_after(
    database_url, redis_url, redis_client
):
    app = app_for(database_url, redis_url, rate_limit="3/minute")
    client = app.test_client()
    provider_id = register(client, "prestons-college", "10005204")
    key, other_key = issue_key(client, provider_id), issue_key(client, provider_id)

    answers = [put_campus(client, provider_id, key) for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    limited = answers[-1]
    assert limited.mimetype == "application/problem+json"
    assert limited.json["status"] == 429
    assert 0 <= int(limited.headers["Retry-After"]) <= 60
    assert limited.headers["X-RateLimit-Limit"] == "3"
    assert put_campus(client, provider_id, other_key).status_code == 200  # per key
    app.extensions["routeways.db"].dispose()


def test_the_limit_holds_across_workers_because_it_is_counted_in_redis(
    database_url, redis_url, redis_client
):
    workers = [app_for(database_url, redis_url, rate_limit="3/minute") for _ in range(2)]
    provider_id = register(workers[0].test_client(), "prestons-college", "10005204")
    key = issue_key(workers[0].test_client(), provider_id)

    codes = [put_campus(workers[i % 2].test_client(), provider_id, key).status_code
             for i in range(4)]  # fmt: skip

    assert codes == [200, 200, 200, 429]
    assert any(name.startswith(b"LIMITS") for name in redis_client.scan_iter())
    for worker in workers:
        worker.extensions["routeways.db"].dispose()


def test_requests_without_a_valid_key_are_limited_by_address(database_url, redis_url, redis_client):
    app = app_for(database_url, redis_url, rate_limit="3/minute")
    client = app.test_client()
    provider_id = register(client, "prestons-college", "10005204")

    codes = [put_campus(client, provider_id, providers.new_key()).status_code for _ in range(4)]

    assert codes == [401, 401, 401, 429]
    assert put_campus(client, provider_id, issue_key(client, provider_id)).status_code == 200
    app.extensions["routeways.db"].dispose()


def test_without_redis_each_worker_limits_in_memory_instead_of_failing(database_url):
    from shared.embedded_redis import free_port

    app = app_for(database_url, f"redis://127.0.0.1:{free_port()}/0", rate_limit="2/minute")
    client = app.test_client()
    provider_id = register(client, "prestons-college", "10005204")
    key = issue_key(client, provider_id)

    codes = [put_campus(client, provider_id, key).status_code for _ in range(3)]

    assert codes == [200, 200, 429]
    app.extensions["routeways.db"].dispose()


# --- OpenAPI ---------------------------------------------------------------------------------


def test_openapi_names_the_provider_key_scheme_and_where_it_is_needed(client):
    document = client.get("/openapi.json").json

    assert document["components"]["securitySchemes"]["ProviderKey"] == {
        "type": "apiKey", "in": "header", "name": "X-API-Key",
        "description": document["components"]["securitySchemes"]["ProviderKey"]["description"],
    }  # fmt: skip
    campus_put = document["paths"]["/providers/{provider_id}/campuses/{name}"]["put"]
    assert campus_put["security"] == [{"ProviderKey": []}]
    assert {"401", "403", "429"} <= set(campus_put["responses"])
    keys_post = document["paths"]["/providers/{provider_id}/keys"]["post"]
    assert keys_post["security"] == [{"AdminToken": []}]


# --- CLI -------------------------------------------------------------------------------------


def run(*arguments: str):
    result = CliRunner().invoke(catalogue, list(arguments))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_cli_creates_providers_and_issues_lists_and_revokes_keys_as_json(
    catalogue_db, monkeypatch, redis_url, redis_client
):
    monkeypatch.setenv("ROUTEWAYS_CATALOGUE_DATABASE_URL", catalogue_db.url)
    provider = run("create-provider", "--key", "uclan", "--name", "UCLan", "--kind", "university",
                   "--campus", "Preston|pr1 2he|53.764|-2.709")  # fmt: skip
    assert provider["campuses"] == [
        {"name": "Preston", "postcode": "PR1 2HE", "latitude": 53.764, "longitude": -2.709}
    ]
    pid = str(provider["id"])

    first = run("issue-key", "--provider-id", pid, "--label", "MIS")
    second = run("issue-key", "--provider-id", pid)
    assert providers.is_well_formed(first["key"])
    assert "shown once" in first["warning"]
    listed = run("list-keys", "--provider-id", pid)
    assert [(k["prefix"], k["active"]) for k in listed] == [
        (first["key"][:12], True),
        (second["key"][:12], True),
    ]
    assert all("key" not in listed_key for listed_key in listed)  # no plaintext field
    assert first["key"] not in json.dumps(listed)
    revoked = run("revoke-key", "--provider-id", pid, "--key-id", str(first["id"]))
    assert revoked["active"] is False

    app = make_app("catalogue", catalogue_db.url, redis_url)  # same (default) key secret
    client = app.test_client()
    assert put_campus(client, provider["id"], first["key"], "Preston").status_code == 401
    assert put_campus(client, provider["id"], second["key"], "Preston").status_code == 200
    app.extensions["routeways.db"].dispose()


def test_cli_errors_are_clear_and_exit_1(catalogue_db, monkeypatch):
    monkeypatch.setenv("ROUTEWAYS_CATALOGUE_DATABASE_URL", catalogue_db.url)

    unknown = CliRunner().invoke(catalogue, ["issue-key", "--provider-id", "999"])
    assert unknown.exit_code == 1
    assert "no provider 999" in unknown.output
    bad = CliRunner().invoke(catalogue, ["create-provider", "--key", "X", "--name", "x",
                                         "--kind", "itp"])  # fmt: skip
    assert bad.exit_code == 2
    assert "--key" in bad.output
