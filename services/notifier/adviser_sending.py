"""Sending the weekly adviser summaries (`adviser_summaries`): who changed, who advises them,
their routes now, then each summary claimed, sent and recorded like a digest, once a week.

Plain Python: no Flask or Celery.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from services.notifier import adviser_summaries, delivery_records
from services.notifier.adviser_summaries import KIND, AdviserSummary
from services.notifier.contacts import ContactBook
from services.notifier.delivery import SmtpTransport
from services.notifier.digest_sources import DigestSources
from services.notifier.digests import route_line
from services.notifier.sending import FAILED, SendRules, deliver, due_period, worker_name
from shared.db import Database
from shared.events import utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SummaryOutcome:
    adviser_id: int
    status: str
    summary_id: str
    detail: str = ""


def gather(
    database: Database,
    contacts: ContactBook,
    sources: DigestSources,
    console_url: str,
    now: datetime | None = None,
) -> list[AdviserSummary]:
    """This week's summaries: route changes of the past `LOOK_BACK`, the advisers of those
    learners (profile service), and each learner's best route now (recommender)."""
    now = now or utcnow()
    with database.read_scope() as session:
        changes = adviser_summaries.changes_since(session, now - adviser_summaries.LOOK_BACK)
    if not changes:
        return []
    advisers = contacts.advisers_of(list(changes))
    seen = {learner_id for adviser in advisers for learner_id, _name in adviser.learners}
    routes = {i: route_line(sources.best_route(i), {}) for i in sorted(seen)}
    period = due_period("weekly", now)
    return adviser_summaries.summaries(advisers, changes, routes, period, console_url)


def send_summaries(
    database: Database,
    summaries: list[AdviserSummary],
    transport: SmtpTransport,
    rules: SendRules,
    sender: str,
) -> list[SummaryOutcome]:
    """Send each summary at most once (claimed before, recorded after, as digests are)."""
    owner = worker_name()
    outcomes = []
    with database.sessions() as session:
        for summary in summaries:
            key = delivery_records.DigestKey(
                summary.summary_id, None, KIND, summary.period, adviser_id=summary.adviser_id
            )
            with session.begin():
                refused = delivery_records.claim(
                    session, key, owner, lease_seconds=rules.lease_seconds,
                    max_claims=rules.max_claims,
                )  # fmt: skip
            if refused is not None:
                outcomes.append(SummaryOutcome(summary.adviser_id, refused, key.digest_id))
                continue
            try:
                message = adviser_summaries.build_message(summary, sender)
            except Exception as error:  # nothing was sent: a later run may try again
                log.exception("composing adviser summary %s failed", key.digest_id)
                with session.begin():
                    delivery_records.mark_failed(session, key.digest_id, owner, repr(error))
                outcomes.append(SummaryOutcome(summary.adviser_id, FAILED, key.digest_id))
                continue
            try:
                status, _message_id, detail = deliver(
                    session, key, owner, message, summary.email, (), transport
                )
            except Exception as error:  # one adviser's surprise must not cost the others
                log.exception("sending adviser summary %s failed", key.digest_id)
                session.rollback()
                # whether the server got it is unknown: the claim stays until its lease ends
                status, detail = FAILED, f"unexpected: {error!r}"
            outcomes.append(SummaryOutcome(summary.adviser_id, status, key.digest_id, detail))
    return outcomes
