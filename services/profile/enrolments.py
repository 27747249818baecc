"""Providers' enrolment records, imported in bulk as interactions the recommender learns from.

A provider sends what its learners did (applied, enrolled, completed) as CSV, JSON lines or a
JSON array, one record per row: `learner_email`, `course_ref` (the provider's own reference for
the course) or `course_id`, `kind`, `occurred_at` (ISO 8601 with a UTC offset) and `client_ref`
(the provider's id of the record, which makes a re-sent row record nothing new).

Every row gets a result: `recorded`, `already-recorded`, `unmatched-learner` (no learner is
registered with that email) or `rejected`, with errors naming the field and the reason. Good rows
are kept when others are bad; all of a request's rows are stored in the caller's one transaction.

Reading the body into rows is `enrolment_files.py`'s job; this module checks and stores them.

Efficiency: courses are resolved once per distinct reference, before the database is touched
(the catalogue answers over HTTP; SQLite's write lock is not held meanwhile); a batch's learners
are found by email in one query, its known client refs in one query, and its interactions and
their `profile.interaction.recorded` events are inserted in batches by the flush.

A provider's client refs are stored as `p<provider id>:<client_ref>`, so two providers (or a
learner's own POST) using the same record id never collide.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.profile.enrolment_files import MAX_ROWS, UploadRow
from services.profile.interactions import NewInteraction, announce
from services.profile.models import Interaction, Learner
from shared.events.profile import INTERACTION_KINDS

#: The interaction kinds a provider observes (the others happen on our pages and in emails).
PROVIDER_KINDS = tuple(k for k in INTERACTION_KINDS if k in {"applied", "enrolled", "completed"})
SOURCE = "provider-import"
#: Longest `client_ref`: the stored ref, `p<provider id>:` + this, fits Interaction.client_ref.
CLIENT_REF_LENGTH = 48
EMAIL_LENGTH = 320
#: The catalogue's rule for a provider's course reference (`external_ref`).
COURSE_REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,63}\Z")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+\Z")
#: A record may be stamped a little ahead of our clock, not more.
FUTURE_LEEWAY = timedelta(days=1)
#: Bound parameters per IN (...) query: every row of the largest request in one query.
LOOKUP_CHUNK = MAX_ROWS

RECORDED, ALREADY_RECORDED, UNMATCHED_LEARNER, REJECTED = (
    "recorded", "already-recorded", "unmatched-learner", "rejected",
)  # fmt: skip
OUTCOMES = (RECORDED, ALREADY_RECORDED, UNMATCHED_LEARNER, REJECTED)
#: Fields a JSON row may give as a number (providers' record ids and course codes often are).
NUMBERED = ("client_ref", "course_ref")


class CourseDirectory(Protocol):
    """What the importer asks the catalogue, for one provider (once per request, all at once)."""

    def courses_by_ref(self, course_refs: Collection[str]) -> dict[str, int]:
        """course id by reference, for the references the provider has courses for."""

    def course_owners(self, course_ids: Collection[int]) -> dict[int, int]:
        """providing provider by course id, for the ids that are courses."""


@dataclass
class RowResult:
    row: int
    line: int | None
    outcome: str
    client_ref: str | None = None
    course_id: int | None = None
    interaction_id: int | None = None
    errors: list[dict[str, str]] = field(default_factory=list)


@dataclass
class ImportResult:
    rows: list[RowResult]

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(OUTCOMES, 0)
        for row in self.rows:
            counts[row.outcome] += 1
        return counts


@dataclass(frozen=True)
class _Record:
    """A row whose fields are all well formed."""

    email: str
    kind: str
    occurred_at: datetime
    client_ref: str
    course_ref: str | None
    course_id: int | None


def import_enrolments(
    session: Session,
    provider_id: int,
    rows: Sequence[UploadRow],
    courses: CourseDirectory,
    now: datetime,
) -> ImportResult:
    """Record the good rows as interactions (source `provider-import`), each announced as
    `profile.interaction.recorded`, in the caller's transaction; one result per row, in order.

    `courses` is asked once per distinct course before the first query; its errors (the
    catalogue cannot be reached, the key stopped working) propagate and nothing is stored.
    """
    results = [RowResult(row.row, row.line, REJECTED) for row in rows]
    records: list[_Record | None] = []
    for row, result in zip(rows, results, strict=True):
        record, result.errors = _check(row.fields, now)
        if record is not None:
            result.client_ref = record.client_ref
        records.append(record)
    course_ids = _resolve_courses(provider_id, records, results, courses)
    learner_ids = _learners_by_email(session, {r.email for r in records if r is not None})
    refs = [_stored_ref(provider_id, r.client_ref) for r in records if r is not None]
    known = _known_refs(session, refs)

    claimed: dict[str, tuple[RowResult, tuple]] = {}  # stored ref -> first result, its facts
    pending: list[tuple[RowResult, Interaction]] = []
    repeats: list[tuple[RowResult, RowResult]] = []
    for record, result, course_id in zip(records, results, course_ids, strict=True):
        if record is None or result.errors:
            continue
        learner_id = learner_ids.get(record.email)
        if learner_id is None:
            result.outcome = UNMATCHED_LEARNER
            result.errors = [_error("learner_email", "no learner is registered with this email")]
            continue
        result.course_id = course_id
        stored_ref = _stored_ref(provider_id, record.client_ref)
        facts = (learner_id, course_id, record.kind, record.occurred_at)
        if stored_ref not in claimed and stored_ref in known:
            interaction_id, stored_facts = known[stored_ref]
            stored = RowResult(0, None, ALREADY_RECORDED, interaction_id=interaction_id)
            claimed[stored_ref] = (stored, stored_facts)
        if stored_ref in claimed:
            first, first_facts = claimed[stored_ref]
            where = f"row {first.row}" if first.row else f"interaction {first.interaction_id}"
            if _same_record(result, first_facts, facts, where):
                repeats.append((result, first))
            continue
        new = NewInteraction(course_id, record.kind, SOURCE, record.occurred_at, stored_ref)
        pending.append((result, Interaction(learner_id=learner_id, **vars(new))))
        result.outcome = RECORDED
        claimed[stored_ref] = (result, facts)
    _store(session, pending)
    for result, first in repeats:
        result.interaction_id = first.interaction_id
    return ImportResult(results)


def _check(fields: Mapping[str, Any], now: datetime) -> tuple[_Record | None, list[dict]]:
    """The row's record, or None with an error per bad field."""
    errors: list[dict[str, str]] = []

    def text(name: str) -> str | None:
        value = fields.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, int) and not isinstance(value, bool) and name in NUMBERED:
            return str(value)
        if not isinstance(value, str):
            errors.append(_error(name, "must be text"))
            return None
        return value.strip() or None

    email = text("learner_email")
    if email is None and "learner_email" not in _named(errors):
        errors.append(_error("learner_email", "required"))
    elif email is not None:
        email = email.lower()
        if len(email) > EMAIL_LENGTH or not EMAIL.match(email) or not email.isprintable():
            errors.append(_error("learner_email", "not an email address"))
    kind = _kind(text("kind"), errors)
    occurred_at = _moment(text("occurred_at"), now, errors)
    client_ref = text("client_ref")
    if client_ref is None and "client_ref" not in _named(errors):
        errors.append(_error("client_ref", "required: your id of this record"))
    elif client_ref is not None and (
        len(client_ref) > CLIENT_REF_LENGTH or not client_ref.isprintable()
    ):
        errors.append(_error("client_ref", f"1-{CLIENT_REF_LENGTH} printable characters"))
    course_ref, course_id = _course(fields, text, errors)
    if errors:
        return None, errors
    return _Record(email, kind, occurred_at, client_ref, course_ref, course_id), []


def _named(errors: list[dict[str, str]]) -> set[str]:
    return {error["field"] for error in errors}


def _kind(kind: str | None, errors: list[dict[str, str]]) -> str | None:
    if kind is None:
        if "kind" not in _named(errors):
            errors.append(_error("kind", f"required: one of {', '.join(PROVIDER_KINDS)}"))
        return None
    if kind not in PROVIDER_KINDS:
        errors.append(_error("kind", f"must be one of {', '.join(PROVIDER_KINDS)}"))
        return None
    return kind


def _moment(value: str | None, now: datetime, errors: list[dict[str, str]]) -> datetime | None:
    if value is None:
        if "occurred_at" not in _named(errors):
            errors.append(_error("occurred_at", "required: ISO 8601 with a UTC offset"))
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        errors.append(_error("occurred_at", "not an ISO 8601 date and time"))
        return None
    if moment.tzinfo is None:
        errors.append(_error("occurred_at", "needs a UTC offset, like +00:00 or Z"))
        return None
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:
        errors.append(_error("occurred_at", "out of range"))
        return None
    if moment > now + FUTURE_LEEWAY:
        errors.append(_error("occurred_at", "is in the future"))
        return None
    return moment


def _course(
    fields: Mapping[str, Any], text: Any, errors: list[dict[str, str]]
) -> tuple[str | None, int | None]:
    """The row's course reference or id: exactly one of them, well formed."""
    course_ref = text("course_ref")
    raw_id = fields.get("course_id")
    if raw_id == "":
        raw_id = None
    if course_ref is not None and raw_id is not None:
        errors.append(_error("course_ref", "give course_ref or course_id, not both"))
        return None, None
    if course_ref is not None:
        if not COURSE_REF.match(course_ref):
            errors.append(_error("course_ref", "1-64 letters, digits, . _ / - (your reference)"))
            return None, None
        return course_ref, None
    if raw_id is None:
        if "course_ref" not in _named(errors):
            errors.append(_error("course_ref", "required (or course_id)"))
        return None, None
    course_id = _positive_integer(raw_id)
    if course_id is None:
        errors.append(_error("course_id", "must be a whole number above 0"))
    return None, course_id


def _positive_integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 18:
        value = int(value.strip())
    if isinstance(value, int) and 0 < value < 2**63:
        return value
    return None


def _resolve_courses(
    provider_id: int,
    records: list[_Record | None],
    results: list[RowResult],
    courses: CourseDirectory,
) -> list[int | None]:
    """Each record's course id, asking the catalogue about the distinct courses all at once; a
    course the provider does not offer rejects its row, naming the field."""
    wanted = [r for r in records if r is not None]
    by_ref = courses.courses_by_ref({r.course_ref for r in wanted if r.course_ref is not None})
    owners = courses.course_owners({r.course_id for r in wanted if r.course_ref is None})
    course_ids: list[int | None] = []
    for record, result in zip(records, results, strict=True):
        course_id = None
        if record is not None and record.course_ref is not None:
            course_id = by_ref.get(record.course_ref)
            if course_id is None:
                result.errors.append(
                    _error("course_ref", "none of your courses has this reference")
                )
        elif record is not None:
            owner = owners.get(record.course_id)
            if owner is None:
                result.errors.append(_error("course_id", f"no course {record.course_id}"))
            elif owner != provider_id:
                reason = f"course {record.course_id} is another provider's"
                result.errors.append(_error("course_id", reason))
            else:
                course_id = record.course_id
        course_ids.append(course_id)
    return course_ids


def _learners_by_email(session: Session, emails: set[str]) -> dict[str, int]:
    """email -> learner id of the registered learners among `emails` (emails are stored lower
    case and trimmed, as `_check` leaves them)."""
    found: dict[str, int] = {}
    ordered = sorted(emails)
    for start in range(0, len(ordered), LOOKUP_CHUNK):
        chunk = ordered[start : start + LOOKUP_CHUNK]
        query = select(Learner.email, Learner.id).where(Learner.email.in_(chunk))
        found.update((email, learner_id) for email, learner_id in session.execute(query))
    return found


def _known_refs(session: Session, refs: list[str]) -> dict[str, tuple[int, tuple]]:
    """stored client ref -> (interaction id, its facts) for the refs already recorded."""
    known: dict[str, tuple[int, tuple]] = {}
    ordered = sorted(set(refs))
    for start in range(0, len(ordered), LOOKUP_CHUNK):
        chunk = ordered[start : start + LOOKUP_CHUNK]
        query = select(
            Interaction.client_ref,
            Interaction.id,
            Interaction.learner_id,
            Interaction.course_id,
            Interaction.kind,
            Interaction.occurred_at,
        ).where(Interaction.client_ref.in_(chunk))
        for ref, interaction_id, learner_id, course_id, kind, occurred_at in session.execute(query):
            known[ref] = (interaction_id, (learner_id, course_id, kind, occurred_at))
    return known


#: What a client ref's record says, in the order of the facts tuples compared.
_FACT_NAMES = ("learner_email", "course", "kind", "occurred_at")


def _same_record(result: RowResult, first_facts: tuple, facts: tuple, where: str) -> bool:
    """A client ref seen before: the same record again is already recorded (True); a different
    record under the same ref is rejected, naming what differs (the first one stands)."""
    differs = [name for name, a, b in zip(_FACT_NAMES, first_facts, facts, strict=True) if a != b]
    if differs:
        result.outcome = REJECTED
        result.course_id = None
        reason = f"{where} already has this client_ref with a different {', '.join(differs)}"
        result.errors = [_error("client_ref", reason)]
        return False
    result.outcome = ALREADY_RECORDED
    return True


def _store(session: Session, pending: list[tuple[RowResult, Interaction]]) -> None:
    """Insert the new interactions in batches (one flush), then announce each one."""
    if not pending:
        return
    session.add_all(interaction for _, interaction in pending)
    session.flush()
    for result, interaction in pending:
        result.interaction_id = interaction.id
        announce(session, interaction)


def _stored_ref(provider_id: int, client_ref: str) -> str:
    return f"p{provider_id}:{client_ref}"


def _error(field_name: str, reason: str) -> dict[str, str]:
    return {"field": field_name, "reason": reason}
