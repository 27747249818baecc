"""The links of one digest: each token verifies for its own purpose and claims only."""

from __future__ import annotations

from dataclasses import replace

import pytest

from services.notifier.email_links import FEEDBACK_KINDS, digest_links
from services.notifier.resources.preferences.schemas import CHOICES
from services.notifier.settings import NotifierSettings
from shared.events.profile import EMAIL_FREQUENCIES, INTERACTION_KINDS
from shared.links import LinkError, read_token
from tests.unit.notifier.digest_bodies import LEARNER, weekly_digest

SETTINGS = NotifierSettings.from_env({}, overrides={"secret_key": "unit-secret"})


def token_of(url: str) -> str:
    return url.split("?")[0].rsplit("/", 1)[1]


def test_feedback_tokens_are_refused_for_any_other_purpose():
    links = digest_links(weekly_digest(), SETTINGS)
    token = token_of(links.for_course(4127).interested)

    assert read_token("unit-secret", "feedback", token).extra == {"c": 4127}
    for purpose in ("manage", "unsubscribe"):
        with pytest.raises(LinkError):
            read_token("unit-secret", purpose, token)
    with pytest.raises(LinkError):
        read_token("another-secret", "feedback", token)


def test_unsubscribe_and_manage_tokens_name_the_learner_only():
    links = digest_links(weekly_digest(), SETTINGS)

    unsubscribe = read_token("unit-secret", "unsubscribe", token_of(links.unsubscribe))
    manage = read_token("unit-secret", "manage", token_of(links.manage))
    assert (unsubscribe.subject_id, unsubscribe.extra) == (LEARNER, {})
    assert (manage.subject_id, manage.extra) == (LEARNER, {})
    assert links.list_unsubscribe == f"<{links.unsubscribe_mailto}>, <{links.unsubscribe}>"


def test_links_start_with_the_public_url_without_doubling_its_slash():
    links = digest_links(weekly_digest(), replace(SETTINGS, public_url="https://n.example/"))
    assert links.unsubscribe.startswith("https://n.example/unsubscribe/")
    assert links.for_course(518).not_interested.startswith("https://n.example/feedback/")


@pytest.mark.parametrize("mailbox", ["", "a@b.example>, <mailto:x@y", "a@b.example\r\nBcc: x", "x"])
def test_an_unsubscribe_mailbox_that_would_break_the_header_is_refused(mailbox):
    with pytest.raises(ValueError, match="unsubscribe address"):
        digest_links(weekly_digest(), replace(SETTINGS, unsubscribe_mailto=mailbox))


def test_feedback_kinds_record_interactions_the_profile_service_knows():
    assert set(FEEDBACK_KINDS.values()) <= set(INTERACTION_KINDS)


def test_the_preferences_page_offers_every_frequency_the_profile_service_takes():
    assert set(CHOICES) - {"none"} == set(EMAIL_FREQUENCIES)
