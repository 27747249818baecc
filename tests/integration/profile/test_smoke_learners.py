from tests.integration.conftest import ADMIN_TOKEN, bearer, register


def test_registration_answers_the_profile_and_a_manage_token(profile_client):
    body = register(profile_client)
    assert body["age_band"] == "24+"
    got = profile_client.get(f"/learners/{body['id']}", headers=bearer(body["manage_token"]))
    assert got.status_code == 200, got.json
    assert got.json["goals"]["occupations"] == ["2221.1"]
    assert profile_client.get(f"/learners/{body['id']}").status_code == 401
    admin = profile_client.get(f"/learners/{body['id']}", headers=bearer(ADMIN_TOKEN))
    assert admin.status_code == 200
