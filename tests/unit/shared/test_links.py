"""Signed learner links: made for one purpose, refused for another, altered or expired."""

from datetime import timedelta

import pytest

from shared.links import LinkError, make_token, read_token

SECRET = "unit-test-secret"


def test_a_token_reads_back_its_subject_and_extra_claims():
    claims = read_token(SECRET, "feedback", make_token(SECRET, "feedback", 42, c=7))
    assert (claims.subject_id, claims.purpose, claims.extra) == (42, "feedback", {"c": 7})


def test_a_token_made_for_one_purpose_is_refused_for_another():
    with pytest.raises(LinkError, match="not valid"):
        read_token(SECRET, "manage", make_token(SECRET, "unsubscribe", 42))


def test_a_token_signed_with_another_secret_is_refused():
    with pytest.raises(LinkError, match="not valid"):
        read_token(SECRET, "manage", make_token("another-secret", "manage", 42))


def test_an_altered_token_is_refused():
    token = make_token(SECRET, "manage", 42)
    _, _, rest = token.partition(".")
    forged = make_token(SECRET, "manage", 43).partition(".")[0] + "." + rest
    assert forged != token
    with pytest.raises(LinkError):
        read_token(SECRET, "manage", forged)


def test_a_token_older_than_its_purposes_lifetime_has_expired():
    token = make_token(SECRET, "manage", 42)
    with pytest.raises(LinkError, match="expired"):
        read_token(SECRET, "manage", token, max_age=timedelta(seconds=-1))


def test_an_unknown_purpose_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown link purpose"):
        make_token(SECRET, "everything", 42)
