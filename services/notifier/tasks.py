"""The notifier's Celery tasks: thin, named, take ids, idempotent, acknowledged late.

A run twice sends nothing twice: every digest is claimed in the delivery record before it is
sent (`services/notifier/sending.py`). Learners whose send must wait (the profile service did
not answer, the SMTP server kept failing, another worker holds the claim) are sent again by a
later `send_digests` task, with only their ids.
"""

from __future__ import annotations

import logging
from collections import Counter

from services.notifier import adviser_sending, sending, shortlists
from services.notifier.contacts import ContactBook, ContactUnavailable
from services.notifier.delivery import Backoff, SmtpConfig, SmtpTransport
from services.notifier.digest_sources import DigestSources, SourceUnavailable
from services.notifier.settings import NotifierSettings
from shared.db import Database
from shared.tasks import celery

log = logging.getLogger(__name__)

#: Later runs for the learners a run left waiting (waits double from a minute, at most an hour,
#: or a claim's lease when another worker held it). Each is a new task (`rerun` + 1) for only
#: the learners left waiting, rather than a Celery retry of the whole batch.
MAX_RERUNS = 8


@celery.task(name="notifier.send_digest", acks_late=True)
def send_digest(learner_id: int, kind: str, period: str, rerun: int = 0) -> str:
    """Send one learner's `kind` email for `period` (a week, a month, an alert's event id)."""
    [outcome] = _send([learner_id], kind, period, rerun)
    return outcome.status


@celery.task(name="notifier.send_digests", acks_late=True)
def send_digests(learner_ids: list[int], kind: str, period: str, rerun: int = 0) -> dict[str, int]:
    """Send a batch of learners' `kind` emails for `period` over one SMTP connection."""
    return dict(Counter(outcome.status for outcome in _send(learner_ids, kind, period, rerun)))


@celery.task(name="notifier.send_due_digests", acks_late=True)
def send_due_digests(kind: str) -> int:
    """Beat's fan-out: one `send_digests` batch per `digest_batch_size` learners who chose
    `kind` (weekly or monthly), for the period due now in UK time; answers the batches sent."""
    settings = NotifierSettings.from_env()
    period = sending.due_period(kind)
    with Database(settings.database_url) as database, database.read_scope() as session:
        learner_ids = sending.recipients_due(session, kind)
    size = settings.digest_batch_size
    batches = [learner_ids[i : i + size] for i in range(0, len(learner_ids), size)]
    for batch in batches:
        send_digests.delay(batch, kind, period)
    log.info("%s %s: %d learners in %d batches", kind, period, len(learner_ids), len(batches))
    return len(batches)


def _send(learner_ids: list[int], kind: str, period: str, rerun: int) -> list[sending.Outcome]:
    """Send, then leave the learners who must wait to a later rerun (at most MAX_RERUNS)."""
    settings = NotifierSettings.from_env()
    outcomes = sending.send_with_settings(settings, learner_ids, kind, period)
    later = [outcome.learner_id for outcome in outcomes if outcome.try_later]
    if later and rerun < MAX_RERUNS:
        held = any(outcome.status == "in-progress" for outcome in outcomes)
        wait = 60 * 2**rerun
        wait = min(max(wait, settings.delivery_lease_seconds) if held else wait, 3600)
        send_digests.apply_async((later, kind, period, rerun + 1), countdown=wait)
    elif later:
        log.error("%s of %s: gave up on learners %s after %d reruns", kind, period, later, rerun)
    return outcomes


@celery.task(
    name="notifier.send_adviser_summaries",
    acks_late=True,
    autoretry_for=(ContactUnavailable, SourceUnavailable),
    retry_backoff=60,
    retry_backoff_max=3600,
    max_retries=8,
)
def send_adviser_summaries() -> dict[str, int]:
    """Beat's weekly run: each adviser whose caseload had route changes this past week gets one
    summary (a second run in the same week sends nothing); answers the count of each outcome.
    Retried later while the profile service or the recommender cannot answer."""
    settings = NotifierSettings.from_env()
    contacts = ContactBook.from_settings(settings)
    sources = DigestSources.from_settings(settings)
    transport = SmtpTransport(SmtpConfig.from_settings(settings), Backoff.from_settings(settings))
    try:
        with Database(settings.database_url) as database, transport:
            found = adviser_sending.gather(
                database, contacts, sources, settings.console_learner_url
            )
            outcomes = adviser_sending.send_summaries(
                database, found, transport, sending.SendRules.from_settings(settings),
                settings.mail_sender,
            )  # fmt: skip
    finally:
        contacts.close()
        sources.close()
    return dict(Counter(outcome.status for outcome in outcomes))


class ShortlistNotSent(RuntimeError):  # noqa: N818 - reads as what happened
    """The SMTP server kept failing: Celery tries the shortlist again later."""


@celery.task(
    name="notifier.send_shortlist",
    acks_late=True,
    autoretry_for=(ContactUnavailable, SourceUnavailable, ShortlistNotSent),
    retry_backoff=30,
    retry_backoff_max=1800,
    max_retries=8,
)
def send_shortlist(body: dict) -> str:
    """Send an adviser's shortlist to the learner (once: claimed under its shortlist id).

    It takes the posted shortlist itself rather than an id: the notifier keeps no shortlists,
    only the delivery record, and the body is ids, figures, the adviser's name and a note.
    """
    settings = NotifierSettings.from_env()
    contacts = ContactBook.from_settings(settings)
    sources = DigestSources.from_settings(settings)
    transport = SmtpTransport(SmtpConfig.from_settings(settings), Backoff.from_settings(settings))
    try:
        with Database(settings.database_url) as database, transport:
            status = shortlists.send_shortlist(
                database, shortlists.Shortlist.from_body(body), contacts, sources, transport,
                sending.SendRules.from_settings(settings), settings, settings.mail_sender,
            )  # fmt: skip
    finally:
        contacts.close()
        sources.close()
    log.info("shortlist %s: %s", body.get("shortlist_id"), status)
    if status == sending.FAILED:
        raise ShortlistNotSent(f"shortlist {body.get('shortlist_id')} not sent yet")
    return status
