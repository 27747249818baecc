"""Advisers' personal API tokens: shown once, stored as a digest, listed by prefix, revoked at
once, and never able to mint more tokens."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from services.profile.advisers import MAX_ACTIVE_TOKENS, TOKEN_MARK, token_digest
from services.profile.models import AdviserToken
from tests.integration.conftest import bearer
from tests.integration.profile.conftest import field_reasons, issue_token, sign_in

pytestmark = pytest.mark.usefixtures("quick_hashing")


def stored_tokens(app) -> list[AdviserToken]:
    with app.extensions["routeways.db"].session_scope() as session:
        return list(session.scalars(select(AdviserToken).order_by(AdviserToken.id)))


def test_a_new_token_is_shown_once_and_only_its_digest_and_prefix_are_kept(profile_app, signed_in):
    response = signed_in.post("/advisers/me/tokens", json={"name": "caseload export"})

    assert response.status_code == 201, response.json
    plaintext = response.json["token"]
    assert plaintext.startswith(TOKEN_MARK)
    assert len(plaintext) >= len(TOKEN_MARK) + 43  # 32 random bytes, URL-safe base64
    assert response.json["prefix"] == plaintext[:12]
    [row] = stored_tokens(profile_app)
    assert row.digest == token_digest(plaintext, profile_app.config["SECRET_KEY"])
    assert plaintext not in (row.digest, row.prefix, row.name)
    listed = signed_in.get("/advisers/me/tokens")
    assert listed.status_code == 200
    assert [t["prefix"] for t in listed.json] == [plaintext[:12]]
    assert plaintext not in listed.get_data(as_text=True)


def test_a_token_authenticates_the_adviser_without_any_cookie(profile_app, signed_in, adviser):
    token = issue_token(signed_in)

    me = profile_app.test_client().get("/advisers/me", headers=bearer(token))

    assert me.status_code == 200
    assert me.json["id"] == adviser.id
    assert stored_tokens(profile_app)[0].last_used_at is not None


def test_a_revoked_token_is_401_at_once_and_listed_as_inactive(profile_app, signed_in):
    token = issue_token(signed_in)
    token_id = signed_in.get("/advisers/me/tokens").json[0]["id"]

    assert signed_in.delete(f"/advisers/me/tokens/{token_id}").status_code == 204

    answer = profile_app.test_client().get("/advisers/me", headers=bearer(token))
    assert answer.status_code == 401
    assert signed_in.get("/advisers/me/tokens").json[0]["active"] is False


def test_a_script_may_revoke_its_own_token(profile_app, signed_in):
    token = issue_token(signed_in)
    token_id = signed_in.get("/advisers/me/tokens").json[0]["id"]
    script = profile_app.test_client()

    assert (
        script.delete(f"/advisers/me/tokens/{token_id}", headers=bearer(token)).status_code == 204
    )
    assert script.get("/advisers/me", headers=bearer(token)).status_code == 401


def test_a_token_cannot_issue_another_token(profile_app, signed_in):
    token = issue_token(signed_in)

    response = profile_app.test_client().post(
        "/advisers/me/tokens", json={"name": "successor"}, headers=bearer(token)
    )

    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    assert len(stored_tokens(profile_app)) == 1


def test_revoking_another_advisers_token_is_404_and_leaves_it_working(
    profile_app, signed_in, other_adviser
):
    theirs_client = profile_app.test_client()
    assert sign_in(theirs_client, other_adviser).status_code == 200
    theirs = issue_token(theirs_client)
    their_id = theirs_client.get("/advisers/me/tokens").json[0]["id"]

    response = signed_in.delete(f"/advisers/me/tokens/{their_id}")

    assert response.status_code == 404
    assert "token_id" in field_reasons(response)
    assert profile_app.test_client().get("/advisers/me", headers=bearer(theirs)).status_code == 200


def test_each_adviser_lists_only_their_own_tokens(profile_app, signed_in, other_adviser):
    issue_token(signed_in, "mine")
    theirs_client = profile_app.test_client()
    sign_in(theirs_client, other_adviser)
    issue_token(theirs_client, "theirs")

    assert [t["name"] for t in signed_in.get("/advisers/me/tokens").json] == ["mine"]


@pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": "x" * 101}, {"name": 7}])
def test_a_token_needs_a_name_of_1_to_100_characters(signed_in, body):
    response = signed_in.post("/advisers/me/tokens", json=body)

    assert response.status_code == 422
    assert "name" in field_reasons(response)


def test_an_adviser_holds_a_bounded_number_of_active_tokens(signed_in):
    for number in range(MAX_ACTIVE_TOKENS):
        issue_token(signed_in, f"script {number}")

    response = signed_in.post("/advisers/me/tokens", json={"name": "one too many"})

    assert response.status_code == 422
    assert "name" in field_reasons(response)


def test_tokens_need_a_signed_in_adviser(profile_client):
    assert profile_client.get("/advisers/me/tokens").status_code == 401
    assert profile_client.post("/advisers/me/tokens", json={"name": "x"}).status_code == 401
    assert profile_client.delete("/advisers/me/tokens/1").status_code == 401
    assert (
        profile_client.get("/advisers/me", headers=bearer(TOKEN_MARK + "x" * 43)).status_code == 401
    )
