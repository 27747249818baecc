"""`routeways profile create-adviser | password-link | assign | unassign | list-advisers`
against a migrated profile database: JSON out, a one-time set-password token and never a
password, domain refusals as exit status 1."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from services.profile import advisers, learners
from services.profile.cli import profile
from tests.conftest import migrated
from tests.integration.web.conftest import make_app

pytestmark = pytest.mark.usefixtures("quick_hashing")

JOANNE = ["--name", "Joanne Whittaker", "--email", "Joanne.Whittaker@example.org",
          "--organisation", "National Careers Service (Lancashire)"]  # fmt: skip


@pytest.fixture
def database(database_url, monkeypatch):
    """The profile database the commands use (through ROUTEWAYS_PROFILE_DATABASE_URL)."""
    monkeypatch.setenv("ROUTEWAYS_PROFILE_DATABASE_URL", database_url)
    monkeypatch.delenv("ROUTEWAYS_ENV", raising=False)
    db = migrated("profile", database_url)
    yield db
    db.dispose()


def run(*args: str) -> tuple[int, object]:
    result = CliRunner().invoke(profile, list(args))
    if result.exit_code != 0:
        return result.exit_code, result.output
    return 0, json.loads(result.output)


def a_learner(db) -> int:
    with db.session_scope() as session:
        return learners.register_learner(
            session,
            {"name": "Aisha Khan", "email": "aisha@example.org", "postcode": "PR1 2HE",
             "rqf_level": 2},
        ).id  # fmt: skip


def test_create_adviser_prints_json_with_a_one_time_token_and_sets_no_password(database):
    code, printed = run("create-adviser", *JOANNE)

    assert code == 0, printed
    assert printed["email"] == "joanne.whittaker@example.org"
    assert printed["has_password"] is False
    assert printed["password_token"]
    assert "password" not in printed
    with database.session_scope() as session:
        assert advisers.get_adviser(session, printed["id"]).password_hash is None


def test_the_printed_token_sets_the_password_through_the_api(
    database, database_url, redis_url, redis_client
):
    _code, printed = run("create-adviser", *JOANNE)
    app = make_app("profile", database_url, redis_url)
    try:
        client = app.test_client()
        set_it = client.post(
            "/advisers/password",
            json={"token": printed["password_token"], "password": "my own passphrase"},
        )
        signed_in = client.post(
            "/advisers/session",
            json={"email": printed["email"], "password": "my own passphrase"},
        )
    finally:
        app.extensions["routeways.db"].dispose()

    assert set_it.status_code == 200, set_it.json
    assert signed_in.status_code == 200


def test_create_adviser_refuses_a_taken_email_with_exit_status_1(database):
    run("create-adviser", *JOANNE)

    code, output = run("create-adviser", *JOANNE)

    assert code == 1
    assert "email" in output


@pytest.mark.parametrize(
    ("replace", "hint"),
    [(("--email", "not-an-email"), "--email"), (("--name", " "), "--name")],
)
def test_create_adviser_refuses_bad_options_naming_them(database, replace, hint):
    args = list(JOANNE)
    args[args.index(replace[0]) + 1] = replace[1]

    code, output = run("create-adviser", *args)

    assert code == 2
    assert hint in output


def test_assign_then_list_advisers_shows_the_caseload_size(database):
    _code, adviser = run("create-adviser", *JOANNE)
    learner_id = a_learner(database)

    code, entry = run("assign", "--adviser-email", adviser["email"], "--learner-id",
                      str(learner_id))  # fmt: skip
    _code, listed = run("list-advisers")

    assert code == 0, entry
    assert entry["newly_assigned"] is True
    assert [(a["email"], a["caseload_size"]) for a in listed] == [(adviser["email"], 1)]


def test_assign_refuses_an_unknown_learner_or_adviser(database):
    _code, adviser = run("create-adviser", *JOANNE)
    learner_id = a_learner(database)

    no_learner = run("assign", "--adviser-email", adviser["email"], "--learner-id", "999999")
    no_adviser = run("assign", "--adviser-email", "x@example.org", "--learner-id",
                     str(learner_id))  # fmt: skip

    assert no_learner[0] == no_adviser[0] == 1
    assert "learner_id" in no_learner[1]
    assert "adviser_email" in no_adviser[1]


def test_unassign_takes_the_learner_out(database):
    _code, adviser = run("create-adviser", *JOANNE)
    learner_id = str(a_learner(database))
    run("assign", "--adviser-email", adviser["email"], "--learner-id", learner_id)

    code, _printed = run("unassign", "--adviser-email", adviser["email"], "--learner-id",
                         learner_id)  # fmt: skip

    assert code == 0
    assert run("list-advisers")[1][0]["caseload_size"] == 0


def test_password_link_prints_a_fresh_token_for_a_forgotten_password(database):
    _code, adviser = run("create-adviser", *JOANNE)

    code, printed = run("password-link", "--adviser-email", adviser["email"])

    assert code == 0, printed
    assert printed["id"] == adviser["id"]
    assert printed["password_token"]
