"""The adviser domain without a server: the password policy, one-time set-password links,
lock-out arithmetic (with a clock passed in, never a sleep), token shape, caseload flags, and
the demo advisers' development-only passwords. A SQLite file stands in for the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher

from services.demo_data import demo_password, demo_sign_in
from services.profile import advisers
from services.profile.models import Base, Learner
from shared.db import Database
from shared.demo import generate
from shared.links import read_token

SECRET = "unit-test-secret"
PASSWORD = "correct horse battery staple"
NOON = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
POLICY = advisers.SignInPolicy(max_failures=3, lockout=timedelta(minutes=15))


@pytest.fixture(autouse=True)
def quick_hashing(monkeypatch):
    monkeypatch.setattr(
        advisers, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture
def session(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'profile.sqlite3'}")
    Base.metadata.create_all(database.engine)
    with database.session_scope() as session:
        yield session
    database.dispose()


@pytest.fixture
def adviser(session):
    adviser, _token = advisers.create_adviser(
        session, "Joanne Whittaker", "joanne@example.org", "NCS", SECRET
    )
    advisers.give_password(adviser, PASSWORD)
    return adviser


# --- passwords -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("eleven char", "at least 12"),
        ("x" * 257, "at most 256"),
        ("            ", "only spaces"),
        ("Joanne@Example.org", "email"),
    ],
)
def test_the_password_policy_names_the_password_and_says_why(password, reason):
    with pytest.raises(advisers.PasswordRefused) as refused:
        advisers.check_password_policy(password, "joanne@example.org")

    assert refused.value.field == "password"
    assert reason in refused.value.reason
    assert refused.value.status == 422


def test_twelve_characters_are_enough():
    advisers.check_password_policy("twelve chars", "joanne@example.org")


def test_a_new_adviser_has_no_password_and_a_link_for_their_id(session):
    adviser, token = advisers.create_adviser(
        session, " Priya Patel ", " Priya@Example.org", "Preston's College", SECRET
    )

    assert adviser.password_hash is None
    assert adviser.email == "priya@example.org"
    assert adviser.name == "Priya Patel"
    claims = read_token(SECRET, "adviser-password", token)
    assert claims.subject_id == adviser.id
    assert claims.extra == {"f": advisers.password_fingerprint(None)}


def test_a_link_is_refused_once_used_and_when_made_with_another_secret(session):
    adviser, token = advisers.create_adviser(session, "P", "p@example.org", "C", SECRET)
    advisers.set_password(session, token, PASSWORD, SECRET)

    with pytest.raises(advisers.PasswordLinkRefused) as used:
        advisers.set_password(session, token, "another passphrase", SECRET)
    with pytest.raises(advisers.PasswordLinkRefused) as foreign:
        advisers.set_password(
            session, advisers.password_link(adviser, "other-secret"), PASSWORD, SECRET
        )

    assert used.value.field == foreign.value.field == "token"


def test_a_link_past_its_max_age_is_refused_as_expired(session):
    _adviser, token = advisers.create_adviser(session, "P", "p@example.org", "C", SECRET)

    with pytest.raises(advisers.PasswordLinkRefused) as expired:
        advisers.set_password(session, token, PASSWORD, SECRET, max_age=timedelta(seconds=-1))

    assert "expired" in expired.value.reason


def test_the_fingerprint_changes_with_every_hash_even_of_the_same_password():
    first, second = advisers.HASHER.hash(PASSWORD), advisers.HASHER.hash(PASSWORD)

    assert advisers.password_fingerprint(first) != advisers.password_fingerprint(second)
    assert len(advisers.password_fingerprint(first)) == 16


def test_a_hash_is_argon2id():
    assert PasswordHasher().hash(PASSWORD).startswith("$argon2id$")
    assert advisers.HASHER.hash(PASSWORD).startswith("$argon2id$")


# --- signing in ------------------------------------------------------------------------------


def test_signing_in_records_the_time_and_clears_failures(session, adviser):
    advisers.give_password(adviser, PASSWORD)
    adviser.failed_logins = 2

    signed_in = advisers.sign_in(session, "JOANNE@example.org", PASSWORD, POLICY, NOON)

    assert signed_in is adviser
    assert (adviser.last_login_at, adviser.failed_logins) == (NOON, 0)


def test_failures_lock_at_the_limit_until_the_lock_ends(session, adviser):
    outcomes = []
    for _ in range(3):
        try:
            advisers.sign_in(session, adviser.email, "wrong password", POLICY, NOON)
        except advisers.AdviserError as error:
            outcomes.append(type(error).__name__)

    assert outcomes == ["SignInRefused", "SignInRefused", "AccountLocked"]
    assert adviser.locked_until == NOON + timedelta(minutes=15)
    with pytest.raises(advisers.AccountLocked) as locked:
        advisers.sign_in(session, adviser.email, PASSWORD, POLICY, NOON + timedelta(minutes=5))
    assert locked.value.retry_after == 10 * 60
    later = NOON + timedelta(minutes=15, seconds=1)
    assert advisers.sign_in(session, adviser.email, PASSWORD, POLICY, later) is adviser
    assert adviser.locked_until is None


def test_unknown_inactive_and_passwordless_accounts_are_refused_alike(session, adviser):
    passwordless, _token = advisers.create_adviser(session, "N", "n@example.org", "C", SECRET)
    adviser.active = False
    refusals = []
    for email in ("nobody@example.org", adviser.email, passwordless.email):
        with pytest.raises(advisers.SignInRefused) as refused:
            advisers.sign_in(session, email, PASSWORD, POLICY, NOON)
        refusals.append((refused.value.field, refused.value.reason, refused.value.status))

    assert len(set(refusals)) == 1
    assert refusals[0][2] == 401


def test_an_outdated_hash_is_replaced_on_success(session, adviser):
    adviser.password_hash = PasswordHasher(time_cost=2, memory_cost=1024, parallelism=1).hash(
        PASSWORD
    )
    old = adviser.password_hash

    advisers.sign_in(session, adviser.email, PASSWORD, POLICY, NOON)

    assert adviser.password_hash != old
    assert not advisers.HASHER.check_needs_rehash(adviser.password_hash)


# --- tokens ----------------------------------------------------------------------------------


def test_a_token_is_the_mark_and_43_url_safe_characters_kept_as_a_digest(session, adviser):
    row, plaintext = advisers.issue_token(session, adviser.id, " export ", SECRET)

    assert plaintext.startswith("rwa_")
    assert len(plaintext) == 4 + 43
    assert row.prefix == plaintext[:12]
    assert row.name == "export"
    assert row.digest == advisers.token_digest(plaintext, SECRET) != plaintext
    assert advisers.authenticate_token(session, plaintext, SECRET) == adviser.id
    assert advisers.authenticate_token(session, plaintext, "other-secret") is None
    advisers.revoke_token(session, adviser.id, row.id)
    assert advisers.authenticate_token(session, plaintext, SECRET) is None


def test_a_blank_token_name_is_refused(session, adviser):
    with pytest.raises(advisers.TokenRefused) as refused:
        advisers.issue_token(session, adviser.id, "   ", SECRET)

    assert refused.value.field == "name"


# --- caseload flags --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("goals", "emails", "flags"),
    [
        ((["2512.4"], [], False), True, ()),
        (([], ["Digital"], False), True, ()),
        (([], [], True), True, ()),
        (([], [], False), True, ("no-goal",)),
        (([], [], False), False, ("no-goal", "emails-off")),
        ((["2512.4"], [], False), False, ("emails-off",)),
    ],
)
def test_flags_mark_no_goal_yet_and_emails_off(goals, emails, flags):
    occupations, sectors, not_sure = goals
    learner = Learner(goal_occupations=occupations, goal_sectors=sectors,
                      goal_not_sure=not_sure, email_consent=emails)  # fmt: skip

    assert advisers.flags_of(learner) == flags


def test_an_unknown_sort_is_refused_naming_sort(session, adviser):
    with pytest.raises(advisers.AdviserError) as refused:
        advisers.caseload(session, adviser.id, sort="password_hash")

    assert refused.value.field == "sort"


# --- demo advisers ---------------------------------------------------------------------------


def test_demo_passwords_are_deterministic_and_long_enough():
    keys = [adviser.key for adviser in generate(7, learners=60, courses=10).advisers]

    passwords = [demo_password(key) for key in keys]

    assert passwords == [demo_password(key) for key in keys]
    assert len(set(passwords)) == len(keys)
    for password in passwords:
        advisers.check_password_policy(password)


def test_no_demo_sign_in_is_offered_with_production_settings(session):
    data = generate(7, learners=60, courses=10)
    first = data.advisers[0]
    adviser, _token = advisers.create_adviser(
        session, first.name, first.email, first.organisation, SECRET
    )
    advisers.give_password(adviser, demo_password(first.key))

    assert demo_sign_in(session, data, "production") is None
    assert demo_sign_in(session, data, "development").password == demo_password(first.key)
    advisers.give_password(adviser, "the adviser changed it")
    assert demo_sign_in(session, data, "development") is None
