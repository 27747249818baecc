"""The email's "manage your email preferences" link: the page shows the learner's choice from
the profile service and saves a new one there; a GET changes nothing."""

from __future__ import annotations

from tests.integration.notifier_web.conftest import consent, digest_email, html_links, local
from tests.integration.notifier_web.test_feedback_links import JSON


def preferences_url(notifier, learner) -> str:
    links = {text: href for text, href, _ in html_links(digest_email(notifier, learner))}
    return local(links["Manage your email preferences"])


def test_the_page_shows_the_current_choice(notifier, profile_client, learner):
    url = preferences_url(notifier, learner)

    page = notifier.get(url)

    assert page.status_code == 200
    assert 'value="weekly" checked' in page.text
    assert '<label class="choice" for="choice-monthly">' in page.text
    assert notifier.get(url, headers=JSON).json == {
        "suggestion_emails": True,
        "frequency": "weekly",
    }
    assert consent(profile_client, learner)["frequency"] == "weekly"


def test_a_new_frequency_is_saved_at_the_profile_service(notifier, profile_client, learner):
    url = preferences_url(notifier, learner)

    response = notifier.post(url, data={"choice": "monthly"})

    assert response.status_code == 200
    assert "once a month" in response.text
    held = consent(profile_client, learner)
    assert (held["suggestion_emails"], held["frequency"], held["share_with_adviser"]) == (
        True, "monthly", True,
    )  # fmt: skip
    assert 'value="monthly" checked' in notifier.get(url).text


def test_choosing_no_emails_turns_suggestions_off(notifier, profile_client, learner):
    url = preferences_url(notifier, learner)

    response = notifier.post(url, data={"choice": "none"}, headers=JSON)

    assert response.json["suggestion_emails"] is False
    assert consent(profile_client, learner)["suggestion_emails"] is False
    assert 'value="none" checked' in notifier.get(url).text


def test_an_unknown_choice_names_the_field(notifier, profile_client, learner):
    response = notifier.post(preferences_url(notifier, learner), data={"choice": "hourly"})

    assert response.status_code == 422
    assert [e["field"] for e in response.json["errors"]] == ["choice"]
    assert consent(profile_client, learner)["frequency"] == "weekly"


def test_a_feedback_token_cannot_manage_preferences(notifier, profile_client, learner):
    feedback = next(
        href for text, href, _ in html_links(digest_email(notifier, learner))
        if text == "I'm interested"
    )  # fmt: skip
    token = local(feedback).split("?")[0].rsplit("/", 1)[1]

    response = notifier.post(f"/preferences/{token}", data={"choice": "none"})

    assert response.status_code == 400
    assert consent(profile_client, learner)["suggestion_emails"] is True
