"""The mailto: unsubscribe address over real SMTP: the inbox (aiosmtpd) acts on the message a
mail program sends from List-Unsubscribe, through the profile service over real HTTP."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

import pytest
from aiosmtpd.controller import Controller

from services.notifier.digests import compose
from services.notifier.email_links import digest_links
from services.notifier.settings import NotifierSettings
from services.notifier.unsubscribe_inbox import (
    MAX_MESSAGE_BYTES,
    ProfileUnsubscriber,
    UnsubscribeInbox,
)
from shared.links import make_token
from tests.integration.mail.notifier_send_content import CONTACT_TOKEN
from tests.integration.mail.notifier_smtp_servers import free_port
from tests.unit.notifier.digest_bodies import COURSES, ROUTES, SUGGESTIONS, TODAY

pytest_plugins = ["tests.integration.mail.notifier_send_fixtures"]

MAILBOX = "unsubscribe@routeways.example"


@pytest.fixture
def inbox(profile_http):
    """The inbox on a loopback port, unsubscribing through `profile_http`."""
    secret = profile_http.app.config["SECRET_KEY"]
    handler = UnsubscribeInbox(MAILBOX, secret, ProfileUnsubscriber(profile_http.url))
    controller = Controller(
        handler, hostname="127.0.0.1", port=free_port(), data_size_limit=MAX_MESSAGE_BYTES
    )
    controller.start()
    yield controller
    controller.stop()


def mail(controller, subject: str, to: str = MAILBOX) -> None:
    message = EmailMessage()
    message["From"] = "learner@example.org"
    message["To"] = to
    message["Subject"] = subject
    message.set_content("Please stop.")
    with smtplib.SMTP(controller.hostname, controller.port, timeout=10) as client:
        client.send_message(message)


def consent(profile_http, learner_id: int) -> bool:
    answer = profile_http.client.get(
        f"/learners/{learner_id}/contact", headers={"Authorization": f"Bearer {CONTACT_TOKEN}"}
    )
    return answer.json["suggestion_emails"]


def test_the_mail_a_list_unsubscribe_mailto_sends_unsubscribes_the_learner(profile_http, inbox):
    learner = profile_http.register()["id"]
    settings = NotifierSettings.from_env(
        {}, overrides={"secret_key": profile_http.app.config["SECRET_KEY"],
                       "unsubscribe_mailto": MAILBOX},
    )  # fmt: skip
    digest = compose(learner, "weekly", "2026-W48", SUGGESTIONS, ROUTES, COURSES, today=TODAY)
    mailto = urlsplit(digest_links(digest, settings).unsubscribe_mailto)
    subject = unquote(mailto.query.removeprefix("subject="))
    assert consent(profile_http, learner) is True

    mail(inbox, subject, to=mailto.path)

    assert consent(profile_http, learner) is False


def test_a_forged_or_missing_code_is_refused_in_the_session_and_changes_nothing(
    profile_http, inbox
):
    learner = profile_http.register()["id"]
    forged = make_token("not-the-secret", "unsubscribe", learner)
    manage = make_token(profile_http.app.config["SECRET_KEY"], "manage", learner)
    for subject in (f"unsubscribe {forged}", f"unsubscribe {manage}", "please stop", ""):
        with pytest.raises(smtplib.SMTPDataError) as refused:
            mail(inbox, subject)
        assert refused.value.smtp_code == 550, subject
    assert consent(profile_http, learner) is True


def test_mail_for_any_other_address_is_refused(profile_http, inbox):
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        mail(inbox, "unsubscribe x", to="someone@elsewhere.example")


def test_while_the_profile_service_is_down_the_sender_is_told_to_try_later(profile_http):
    learner = profile_http.register()["id"]
    secret = profile_http.app.config["SECRET_KEY"]
    down = ProfileUnsubscriber(f"http://127.0.0.1:{free_port()}")
    controller = Controller(UnsubscribeInbox(MAILBOX, secret, down), port=free_port())
    controller.start()
    try:
        with pytest.raises(smtplib.SMTPDataError) as later:
            mail(controller, f"unsubscribe {make_token(secret, 'unsubscribe', learner)}")
        assert later.value.smtp_code == 451
    finally:
        controller.stop()
    assert consent(profile_http, learner) is True
