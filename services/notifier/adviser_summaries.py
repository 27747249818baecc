"""Weekly adviser summaries: for each adviser, the learners in their caseload whose best route
changed in the past week, with what changed and the route now, and a link to each learner's
page in the adviser console.

What the notifier holds: the route changes the recommender announced (`RouteChange`, kept for
the digests). What it asks at send time: the profile service for who advises those learners
(open adviser accounts, learners who share their profile with advisers: `AdviserContact`), and
the recommender for each learner's best route now. Nothing about caseloads is kept here.

A summary's id is `adviser-summary-<adviser id>-<ISO week>`, so one adviser gets one summary a
week however often the task runs (the delivery record does the rest, as for digests).

Plain Python: no Flask or Celery.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.notifier.digests import RouteLine
from services.notifier.messages import (
    POLICY,
    addressee,
    environment,
    header_text,
    message_id,
    parse_sender,
    set_bodies,
)
from services.notifier.models import RouteChange

KIND = "adviser-summary"
#: How far back a summary looks: the week before it is sent.
LOOK_BACK = timedelta(days=7)
#: What each change the recommender announces means, for an adviser.
CHANGE_WORDS = {
    "new-best-route": "a new best route",
    "shorter": "a shorter route",
    "cheaper": "a cheaper route",
    "course-withdrawn": "a course on the route was withdrawn",
    "no-route": "no route found any more",
}


@dataclass(frozen=True)
class AdviserContact:
    """An open adviser account and the learners (id, name) it may see among those asked."""

    adviser_id: int
    name: str
    email: str
    learners: tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class LearnerNews:
    """One learner's route changes in the week, and their best route now (None: no route)."""

    learner_id: int
    name: str
    changes: tuple[str, ...]
    route: RouteLine | None
    console_url: str


@dataclass(frozen=True)
class AdviserSummary:
    adviser_id: int
    name: str
    email: str
    period: str
    learners: tuple[LearnerNews, ...]

    @property
    def summary_id(self) -> str:
        return summary_id(self.adviser_id, self.period)


def summary_id(adviser_id: int, period: str) -> str:
    """The deterministic id of an adviser's summary for a week ("2026-W48")."""
    return f"{KIND}-{adviser_id}-{period}"


def changes_since(session: Session, since: datetime) -> dict[int, tuple[str, ...]]:
    """Learners whose routes changed since `since`, each with the kinds of change in the order
    first seen (a route that got shorter twice says so once)."""
    rows = session.execute(
        select(RouteChange.learner_id, RouteChange.changes)
        .where(RouteChange.created_at >= since)
        .order_by(RouteChange.created_at, RouteChange.event_id)
    )
    found: dict[int, dict[str, None]] = {}
    for learner_id, changes in rows:
        found.setdefault(learner_id, {}).update(dict.fromkeys(changes))
    return {learner_id: tuple(kinds) for learner_id, kinds in found.items()}


def summaries(
    advisers: Iterable[AdviserContact],
    changes: Mapping[int, Sequence[str]],
    routes: Mapping[int, RouteLine | None],
    period: str,
    console_url: str,
) -> list[AdviserSummary]:
    """One summary per adviser with at least one changed learner. `console_url` holds
    `{learner_id}` (the console's learner page)."""
    found = []
    for adviser in advisers:
        news = tuple(
            LearnerNews(
                learner_id,
                name,
                tuple(changes[learner_id]),
                routes.get(learner_id),
                console_url.format(learner_id=learner_id),
            )
            for learner_id, name in adviser.learners
            if changes.get(learner_id)
        )
        if news:
            found.append(
                AdviserSummary(adviser.adviser_id, adviser.name, adviser.email, period, news)
            )
    return found


def build_message(
    summary: AdviserSummary, sender: str, *, now: datetime | None = None
) -> EmailMessage:
    """The summary as a multipart email (plain text, then HTML) with a stable Message-ID."""
    sender_address = parse_sender(sender)
    count = len(summary.learners)
    subject = header_text(
        f"Routeways: {count} learner{'s' if count != 1 else ''} in your caseload "
        f"with new or changed routes ({summary.period})"
    )
    context = {
        "subject": subject,
        "summary": summary,
        "greeting": f"Hello {header_text(summary.name)},",
        "change_words": CHANGE_WORDS,
    }
    templates = environment()
    message = EmailMessage(policy=POLICY)
    message["From"] = sender_address
    message["To"] = addressee(summary.name, summary.email)
    message["Subject"] = subject
    message["Date"] = format_datetime(now or datetime.now(UTC))
    message["Message-ID"] = message_id(summary.summary_id, sender_address.domain)
    text = templates.get_template(f"email/{KIND}/body.txt").render(context)
    html = templates.get_template(f"email/{KIND}/body.html").render(context)
    set_bodies(message, text.strip() + "\n", html)
    return message
