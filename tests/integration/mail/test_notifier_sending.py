"""Sending digests once, only to learners who said yes: the notifier's database, the profile
service over HTTP for contacts, the content side's messages, and real SMTP servers."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from services.notifier import delivery_records, sending
from services.notifier.contacts import ContactBook, ContactUnavailable
from services.notifier.delivery import Backoff, SmtpConfig, SmtpTransport
from services.notifier.digests import digest_id
from services.notifier.models import BouncedAddress, Delivery, ErasedLearner, Recipient
from services.notifier.sending import SendRules, send_batch
from shared.events import utcnow
from tests.integration.conftest import ADMIN_TOKEN, bearer
from tests.integration.mail.notifier_send_content import composer
from tests.integration.mail.notifier_smtp_servers import (
    ScriptedHandler,
    free_port,
    scripted_server,
)

pytest_plugins = ["tests.integration.mail.notifier_send_fixtures"]

WEEK = "2026-W48"
FAST = Backoff(attempts=3, base_seconds=0.01, max_seconds=0.02)
RULES = SendRules(lease_seconds=60, max_claims=3)


def send(database, contacts, server, learner_ids, kind="weekly", period=WEEK, **options):
    rules = options.pop("rules", RULES)
    with SmtpTransport(SmtpConfig(port=server.port, timeout_seconds=5), FAST) as transport:
        return send_batch(
            database,
            learner_ids,
            kind,
            period,
            contacts=contacts,
            composer=options.pop("composer", None) or composer(),
            transport=transport,
            rules=rules,
            **options,
        )


def rows(database) -> list[Delivery]:
    with database.session_scope() as session:
        return list(session.scalars(select(Delivery).order_by(Delivery.claimed_at)))


@pytest.fixture
def smtp():
    handler = ScriptedHandler()
    with scripted_server(handler) as server:
        server.handler = handler
        yield server


def test_a_consenting_learner_gets_one_multipart_digest(notifier_db, profile_http, smtp):
    learner = profile_http.register(name="Aisha Khan", email="aisha.khan@example.org")
    [outcome] = send(notifier_db, profile_http.contacts(), smtp, [learner["id"]])

    assert outcome.status == sending.SENT
    [message] = smtp.handler.messages
    expected_id = digest_id(learner["id"], "weekly", WEEK)
    assert message["Message-ID"] == f"<{expected_id}@routeways.local>"
    assert outcome.message_id == message["Message-ID"]
    assert message["To"].addresses[0].addr_spec == "aisha.khan@example.org"
    assert message["To"].addresses[0].display_name == "Aisha Khan"
    assert message["From"].addresses[0].addr_spec == "suggestions@routeways.local"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "mailto:" in message["List-Unsubscribe"]
    assert "/unsubscribe/" in message["List-Unsubscribe"]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for part in (text, html):
        assert "Access to HE Diploma: Nursing" in part
        assert "Health and Social Care Level 3" in part
    assert smtp.handler.envelopes == [("suggestions@routeways.local", ["aisha.khan@example.org"])]

    [row] = rows(notifier_db)
    assert (row.digest_id, row.state, row.learner_id) == (expected_id, "sent", learner["id"])
    assert (row.kind, row.period, row.attempts) == ("weekly", WEEK, 1)
    assert row.course_ids == [101, 102]
    assert row.message_id == message["Message-ID"]
    assert row.sent_at is not None


def test_running_the_send_twice_sends_one_message(notifier_db, profile_http, smtp):
    learner = profile_http.register()
    first = send(notifier_db, profile_http.contacts(), smtp, [learner["id"]])
    second = send(notifier_db, profile_http.contacts(), smtp, [learner["id"]])
    assert [o.status for o in first + second] == ["sent", "already-sent"]
    assert len(smtp.handler.raw) == 1
    assert smtp.handler.rcpt_commands == 1


def test_two_workers_racing_on_one_digest_send_one_message(notifier_db, profile_http, smtp):
    learner = profile_http.register()
    outcomes: list = []

    def worker() -> None:
        outcomes.extend(send(notifier_db, profile_http.contacts(), smtp, [learner["id"]]))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(o.status for o in outcomes)
    assert statuses.count("sent") == 1
    assert set(statuses) <= {"sent", "already-sent", "in-progress"}
    assert len(smtp.handler.raw) == 1


def test_a_batch_shares_one_connection(notifier_db, profile_http, smtp):
    ids = [profile_http.register(email=f"learner{n}@example.org")["id"] for n in range(5)]
    outcomes = send(notifier_db, profile_http.contacts(), smtp, ids)
    assert [o.status for o in outcomes] == ["sent"] * 5
    assert smtp.handler.connections == 1
    assert len({m["Message-ID"] for m in smtp.handler.messages}) == 5
    assert [r.state for r in rows(notifier_db)] == ["sent"] * 5


def _no_consent(profile_http, db):
    return profile_http.register(consent={"suggestion_emails": False, "frequency": "weekly"})


def _unsubscribed(profile_http, db):
    learner = profile_http.register()
    response = profile_http.client.post(
        f"/learners/{learner['id']}/unsubscribe", headers=bearer(learner["manage_token"])
    )
    assert response.status_code == 200
    return learner


def _erased_at_the_profile(profile_http, db):
    learner = profile_http.register()
    response = profile_http.client.delete(f"/learners/{learner['id']}", headers=bearer(ADMIN_TOKEN))
    assert response.status_code == 204
    return learner


def _erased_here(profile_http, db):
    """The notifier's consumer has the erasure (its tombstone), the profile answers still."""
    learner = profile_http.register()
    with db.session_scope() as session:
        session.add(ErasedLearner(learner_id=learner["id"], erased_at=utcnow()))
    return learner


def _monthly(profile_http, db):
    return profile_http.register(consent={"suggestion_emails": True, "frequency": "monthly"})


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (_no_consent, "no-consent"),
        (_unsubscribed, "no-consent"),
        (_erased_at_the_profile, "unknown-learner"),
        (_erased_here, "erased"),
        (_monthly, "other-frequency"),
    ],
    ids=["no-consent", "unsubscribed", "erased-profile", "erased-notifier", "chose-monthly"],
)
def test_no_mail_without_consent_after_unsubscribe_or_erasure(
    notifier_db, profile_http, smtp, make, reason
):
    learner = make(profile_http, notifier_db)
    [outcome] = send(notifier_db, profile_http.contacts(), smtp, [learner["id"]])
    assert outcome.status == reason
    assert smtp.handler.raw == []
    assert smtp.handler.connections == 0  # nothing to send: no connection either
    assert rows(notifier_db) == []


def test_alerts_go_only_to_learners_who_chose_instant(notifier_db, profile_http, smtp):
    weekly = profile_http.register(email="weekly@example.org")
    instant = profile_http.register(
        email="instant@example.org", consent={"suggestion_emails": True, "frequency": "instant"}
    )
    event_id = "5b0b7a4e-2f0c-4e55-9a51-1d2f3c4b5a69"
    outcomes = send(
        notifier_db, profile_http.contacts(), smtp, [weekly["id"], instant["id"]], "alert", event_id
    )
    assert [o.status for o in outcomes] == ["other-frequency", "sent"]
    [message] = smtp.handler.messages
    assert message["To"].addresses[0].addr_spec == "instant@example.org"
    assert (
        message["Message-ID"] == f"<{digest_id(instant['id'], 'alert', event_id)}@routeways.local>"
    )


def test_550_marks_the_address_bounced_and_it_is_never_mailed_again(notifier_db, profile_http):
    learner = profile_http.register(email="Gone@Example.org")
    other = profile_http.register(email="still.here@example.org")
    handler = ScriptedHandler(rcpt_replies=["550 5.1.1 <gone@example.org>: no such user"])
    with scripted_server(handler) as server:
        [bounced] = send(notifier_db, profile_http.contacts(), server, [learner["id"]])
        later = send(
            notifier_db, profile_http.contacts(), server, [learner["id"], other["id"]],
            period="2026-W49",
        )  # fmt: skip
        monthly = send(
            notifier_db, profile_http.contacts(), server, [learner["id"]], "alert", "some-event"
        )
    assert (bounced.status, bounced.detail.split()[0]) == ("bounced", "550")
    assert [o.status for o in later] == ["bounced-address", "sent"]
    assert [o.status for o in monthly] == ["other-frequency"]
    assert handler.rcpt_commands == 2  # the bounce, then the other learner only
    assert [e[1] for e in handler.envelopes] == [["still.here@example.org"]]
    with notifier_db.session_scope() as session:
        [row] = session.scalars(select(BouncedAddress)).all()
        assert row.address_hash == delivery_records.address_hash("gone@example.org")
        assert row.learner_id == learner["id"]
        assert row.smtp_code == 550
        assert "gone@example.org" not in row.address_hash
    states = {(r.period, r.state) for r in rows(notifier_db)}
    assert states == {(WEEK, "bounced"), ("2026-W49", "sent")}


def test_421_then_accept_is_retried_and_delivered_once(notifier_db, profile_http):
    learner = profile_http.register()
    handler = ScriptedHandler(rcpt_replies=["421 4.7.0 Try again later"])
    with scripted_server(handler) as server:
        [outcome] = send(notifier_db, profile_http.contacts(), server, [learner["id"]])
    assert outcome.status == "sent"
    assert handler.rcpt_commands == 2
    assert len(handler.raw) == 1
    [row] = rows(notifier_db)
    assert (row.state, row.attempts) == ("sent", 1)  # one claim, two SMTP tries


def test_a_failed_send_is_claimed_again_by_a_later_run_a_bounded_number_of_times(
    notifier_db, profile_http
):
    learner = profile_http.register()
    always_busy = ScriptedHandler(rcpt_replies=["451 4.3.0 Busy"] * 100)
    rules = SendRules(lease_seconds=60, max_claims=2)
    with scripted_server(always_busy) as server:
        first = send(notifier_db, profile_http.contacts(), server, [learner["id"]], rules=rules)
        second = send(notifier_db, profile_http.contacts(), server, [learner["id"]], rules=rules)
        third = send(notifier_db, profile_http.contacts(), server, [learner["id"]], rules=rules)
    assert [o.status for o in first + second + third] == ["failed", "failed", "given-up"]
    assert [o.try_later for o in first + third] == [True, False]
    [row] = rows(notifier_db)
    assert (row.state, row.attempts) == ("failed", 2)
    assert "outlasted 3 tries" in row.detail
    assert always_busy.raw == []

    accepting = ScriptedHandler()
    learner2 = profile_http.register(email="second@example.org")
    with scripted_server(always_busy) as server:
        send(notifier_db, profile_http.contacts(), server, [learner2["id"]])
    with scripted_server(accepting) as server:
        [retried] = send(notifier_db, profile_http.contacts(), server, [learner2["id"]])
    assert retried.status == "sent"
    assert len(accepting.raw) == 1


def test_a_claim_whose_worker_died_is_taken_over_only_after_its_lease(
    notifier_db, profile_http, smtp
):
    learner = profile_http.register()
    key = digest_id(learner["id"], "weekly", WEEK)
    with notifier_db.session_scope() as session:
        session.add(
            Delivery(
                digest_id=key, learner_id=learner["id"], kind="weekly", period=WEEK,
                state="claimed", owner="dead-worker", attempts=1, course_ids=[],
                claimed_at=utcnow() - timedelta(seconds=30), updated_at=utcnow(),
            )
        )  # fmt: skip
    [held] = send(notifier_db, profile_http.contacts(), smtp, [learner["id"]])
    assert (held.status, held.try_later) == ("in-progress", True)
    assert smtp.handler.raw == []

    short = SendRules(lease_seconds=10, max_claims=3)
    [taken] = send(notifier_db, profile_http.contacts(), smtp, [learner["id"]], rules=short)
    assert taken.status == "sent"
    assert len(smtp.handler.raw) == 1
    [row] = rows(notifier_db)
    assert (row.state, row.attempts) == ("sent", 2)
    assert row.owner != "dead-worker"


def test_nothing_to_tell_is_recorded_and_not_sent(notifier_db, profile_http, smtp):
    learner = profile_http.register()
    empty = composer(suggestions={"items": []})
    [outcome] = send(notifier_db, profile_http.contacts(), smtp, [learner["id"]], composer=empty)
    [again] = send(notifier_db, profile_http.contacts(), smtp, [learner["id"]], composer=empty)
    assert (outcome.status, again.status) == ("nothing-to-send", "already-skipped")
    assert smtp.handler.connections == 0
    assert [r.state for r in rows(notifier_db)] == ["skipped"]


def test_while_the_profile_service_cannot_answer_nothing_is_sent_and_all_wait(
    notifier_db, profile_http, smtp
):
    learner = profile_http.register()
    nowhere = ContactBook(f"http://127.0.0.1:{free_port()}", "token")
    nowhere.client.timeout = (0.5, 0.5)
    outcomes = send(notifier_db, nowhere, smtp, [learner["id"], learner["id"] + 1])
    assert [(o.status, o.try_later) for o in outcomes] == [("retry", True), ("retry", True)]
    assert rows(notifier_db) == []
    wrong_token = ContactBook(profile_http.url, "not-the-token")
    [refused] = send(notifier_db, wrong_token, smtp, [learner["id"]])
    assert refused.status == "retry"
    assert "ROUTEWAYS_NOTIFIER_CONTACT_TOKEN" in refused.detail
    assert smtp.handler.raw == []


def test_recipients_due_are_those_whose_consent_chose_the_kind(notifier_db):
    consents = {
        1: {"suggestion_emails": True, "frequency": "weekly", "share_with_adviser": False},
        2: {"suggestion_emails": True, "frequency": "monthly", "share_with_adviser": False},
        3: {"suggestion_emails": False, "frequency": "weekly", "share_with_adviser": False},
        4: {"suggestion_emails": True, "frequency": "instant", "share_with_adviser": False},
        5: {"suggestion_emails": True, "frequency": "weekly", "share_with_adviser": True},
        6: {},
    }
    with notifier_db.session_scope() as session:
        for learner_id, consent in consents.items():
            session.add(Recipient(learner_id=learner_id, consent=consent))
    with notifier_db.read_scope() as session:
        assert sending.recipients_due(session, "weekly") == [1, 5]
        assert sending.recipients_due(session, "monthly") == [2]


class BrokenFor:
    """The real composer, except that it hands back a broken message for one learner."""

    def __init__(self, learner_id: int) -> None:
        self.real, self.learner_id = composer(), learner_id

    def digest_id(self, learner_id, kind, period):
        return self.real.digest_id(learner_id, kind, period)

    def compose(self, contact, kind, period):
        composed = self.real.compose(contact, kind, period)
        if contact.learner_id == self.learner_id:
            return sending.Composed(message=None, course_ids=composed.course_ids)
        return composed


def test_one_learners_surprise_does_not_cost_the_rest_of_the_batch(notifier_db, profile_http, smtp):
    first = profile_http.register(email="first@example.org")
    second = profile_http.register(email="second@example.org")
    outcomes = send(
        notifier_db, profile_http.contacts(), smtp, [first["id"], second["id"]],
        composer=BrokenFor(first["id"]),
    )  # fmt: skip
    assert [o.status for o in outcomes] == ["failed", "sent"]
    assert "unexpected" in outcomes[0].detail
    assert [e[1] for e in smtp.handler.envelopes] == [["second@example.org"]]
    # whether the server got the broken one is unknown: it stays claimed until its lease ends
    assert {(r.learner_id, r.state) for r in rows(notifier_db)} == {
        (first["id"], "claimed"),
        (second["id"], "sent"),
    }


class FailingFor:
    """The real composer, except that composing one learner's digest raises (a template or
    answer the content side could not handle)."""

    def __init__(self, learner_id: int) -> None:
        self.real, self.learner_id = composer(), learner_id

    def digest_id(self, learner_id, kind, period):
        return self.real.digest_id(learner_id, kind, period)

    def compose(self, contact, kind, period):
        if contact.learner_id == self.learner_id:
            raise RuntimeError("template exploded")
        return self.real.compose(contact, kind, period)


class UnavailableFrom:
    """The profile's contacts until `learner_id`, then the service stops answering."""

    def __init__(self, contacts, learner_id: int) -> None:
        self.contacts, self.learner_id = contacts, learner_id

    def contact(self, learner_id):
        if learner_id == self.learner_id:
            raise ContactUnavailable("profile service down")
        return self.contacts.contact(learner_id)


def test_outcomes_and_sends_keep_the_batch_order_through_refusals_failures_and_an_outage(
    notifier_db, profile_http, smtp
):
    sent_first = profile_http.register(email="one@example.org")
    declined = _no_consent(profile_http, notifier_db)
    broken = profile_http.register(email="broken@example.org")
    sent_last = profile_http.register(email="four@example.org")
    waiting = profile_http.register(email="five@example.org")
    batch = [sent_first["id"], declined["id"], broken["id"], sent_last["id"], waiting["id"]]
    outcomes = send(
        notifier_db, UnavailableFrom(profile_http.contacts(), waiting["id"]), smtp, batch,
        composer=FailingFor(broken["id"]),
    )  # fmt: skip
    assert [(o.learner_id, o.status) for o in outcomes] == [
        (sent_first["id"], "sent"),
        (declined["id"], "no-consent"),
        (broken["id"], "failed"),
        (sent_last["id"], "sent"),
        (waiting["id"], "retry"),
    ]
    assert "template exploded" in outcomes[2].detail
    assert [e[1] for e in smtp.handler.envelopes] == [["one@example.org"], ["four@example.org"]]
    # the compose failure is recorded as failed (a later run tries again); the learner the
    # profile could not answer for was never claimed
    assert {(r.learner_id, r.state) for r in rows(notifier_db)} == {
        (sent_first["id"], "sent"),
        (broken["id"], "failed"),
        (sent_last["id"], "sent"),
    }
