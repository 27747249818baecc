"""Profile tables: learners, their interactions, advisers and caseloads, plus the bus tables.

This service holds personal data (names, emails, postcodes, dates of birth, password hashes);
events it publishes carry ids and coarse attributes only. Learner ids are never reused (SQLite
AUTOINCREMENT, PostgreSQL sequences): other services keep tombstones of erased ids, and a new
learner given an erased id would have their events dropped.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    MetaData,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from shared.bus.erasure import ErasedLearnerMixin
from shared.bus.inbox import InboxMixin
from shared.bus.outbox import OutboxMixin, RelayCheckpointMixin
from shared.db import NAMING_CONVENTION, UtcDateTime
from shared.events import utcnow


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Learner(Base):
    """A learner's profile. Nested facts (qualifications, skills, constraints) are JSON shaped
    by `resources/learners/schemas.py`; consent is in columns so caseload queries can filter on
    it."""

    __tablename__ = "learners"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    postcode: Mapped[str] = mapped_column(String(10))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    age_band: Mapped[str | None] = mapped_column(String(8))
    employment_status: Mapped[str | None] = mapped_column(String(32))
    occupation_code: Mapped[str | None] = mapped_column(String(64))
    rqf_level: Mapped[int] = mapped_column(Integer)
    qualifications: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    skills: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    goal_occupations: Mapped[list[str]] = mapped_column(JSON, default=list)
    goal_sectors: Mapped[list[str]] = mapped_column(JSON, default=list)
    goal_not_sure: Mapped[bool] = mapped_column(Boolean, default=False)
    route_preference: Mapped[str] = mapped_column(String(16), default="either")
    wants_route_switch: Mapped[bool] = mapped_column(Boolean, default=False)
    constraints: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    email_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    email_frequency: Mapped[str] = mapped_column(String(16), default="weekly")
    share_with_adviser: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    @property
    def postcode_district(self) -> str:
        """The outward code ("PR1 2HE" -> "PR1"): coarse enough to share, fine enough for
        distance."""
        return self.postcode.split()[0].upper()


class Interaction(Base):
    """Implicit feedback; `client_ref` makes a retried POST or import row record it once."""

    __tablename__ = "interactions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), index=True
    )
    course_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime())
    client_ref: Mapped[str | None] = mapped_column(String(64), unique=True)
    recorded_by_adviser_id: Mapped[int | None] = mapped_column(
        ForeignKey("advisers.id", ondelete="SET NULL")
    )


class Adviser(Base):
    """A careers adviser who signs in to the console. `password_hash` is Argon2id (argon2-cffi)
    or None until the adviser sets one through their one-time link."""

    __tablename__ = "advisers"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    organisation: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    tokens: Mapped[list[AdviserToken]] = relationship(
        back_populates="adviser", cascade="all, delete-orphan"
    )


class AdviserToken(Base):
    """A personal API token for scripts: only its HMAC digest is kept; `prefix` identifies it
    in lists."""

    __tablename__ = "adviser_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    adviser_id: Mapped[int] = mapped_column(
        ForeignKey("advisers.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    adviser: Mapped[Adviser] = relationship(back_populates="tokens")


class CaseloadEntry(Base):
    """An adviser may see this learner (when the learner also consents to sharing)."""

    __tablename__ = "caseload_entries"
    __table_args__ = (UniqueConstraint("adviser_id", "learner_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    adviser_id: Mapped[int] = mapped_column(
        ForeignKey("advisers.id", ondelete="CASCADE"), index=True
    )
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), index=True
    )
    assigned_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class ActionPlanEntry(Base):
    """A dated entry in a learner's action plan, written by an adviser in the console: an
    action agreed (with an optional due date), a note, or a record of what the console did
    with the learner's consent (a profile change, a shortlist sent). The adviser's name is kept
    as written, so the plan still reads right after the adviser's account is closed."""

    __tablename__ = "action_plan_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), index=True
    )
    adviser_id: Mapped[int | None] = mapped_column(ForeignKey("advisers.id", ondelete="SET NULL"))
    adviser_name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(String(2000))
    due_on: Mapped[date | None] = mapped_column(Date)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class ConsoleVisit(Base):
    """When an adviser last opened a learner's page, and which routes they saw then (course
    ids per route), so the next visit can say the routes changed."""

    __tablename__ = "console_visits"
    __table_args__ = (UniqueConstraint("adviser_id", "learner_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    adviser_id: Mapped[int] = mapped_column(
        ForeignKey("advisers.id", ondelete="CASCADE"), index=True
    )
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), index=True
    )
    visited_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    routes_seen: Mapped[list[list[int]] | None] = mapped_column(JSON)


class RouteChange(Base):
    """The newest change to a learner's best route that the recommender announced
    (`recommender.routes.updated`): the caseload flags learners whose routes changed after the
    adviser's last visit to their page."""

    __tablename__ = "route_changes"

    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True
    )
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    target: Mapped[str] = mapped_column(String(64))
    changes: Mapped[list[str]] = mapped_column(JSON)


class TaxonomySeen(Base):
    """The taxonomy versions the catalogue announced, and when their codes were cached here."""

    __tablename__ = "taxonomy_versions_seen"

    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    counts: Mapped[dict[str, int]] = mapped_column(JSON)
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    cached_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class TaxonomyCode(Base):
    """A code learners' profiles may name: an occupation, a skill, a technical route (sector
    goal) or a postcode district, cached from the catalogue's newest taxonomy."""

    __tablename__ = "taxonomy_codes"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    code: Mapped[str] = mapped_column(String(255), primary_key=True)
    label: Mapped[str] = mapped_column(String(255), default="")


class ErasedLearner(ErasedLearnerMixin, Base):
    __tablename__ = "erased_learners"


class OutboxEvent(OutboxMixin, Base):
    __tablename__ = "outbox_events"
    producer = "profile"


class InboxEntry(InboxMixin, Base):
    __tablename__ = "inbox_entries"


class RelayCheckpoint(RelayCheckpointMixin, Base):
    __tablename__ = "relay_checkpoints"
