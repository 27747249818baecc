"""The recommender's read model, built only from events (no names, emails or postcodes)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Float, Integer, String, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.bus.erasure import ErasedLearnerMixin
from shared.bus.inbox import InboxMixin
from shared.bus.outbox import OutboxMixin, RelayCheckpointMixin
from shared.db import UtcDateTime
from shared.events import utcnow

#: Server defaults fill the new fact columns of courses heard of before the facts were kept.
_EMPTY_LIST = text("'[]'")


class Base(DeclarativeBase):
    pass


class CourseView(Base):
    """A course as the recommender knows it: its status from the catalogue's events, and its
    facts from the catalogue's `GET /courses/<id>` (events carry ids and field names only).

    `status` is "published", "withdrawn" (an event or the catalogue said so) or "unpublished"
    (the catalogue answered 404: a draft, or no such course). `fetched_at` is None until the
    facts arrive; a course without facts is never recommended. `catalogue_version` is the
    course's version at the catalogue when the facts were read, so an older answer never
    overwrites a newer one; `withdrawn_at` is when the last withdrawal heard of happened, so an
    answer read before it never brings the course back.
    """

    __tablename__ = "course_views"

    course_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider_id: Mapped[int] = mapped_column(Integer, index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    changed_fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    # --- facts read from the catalogue ---------------------------------------------------
    title: Mapped[str | None] = mapped_column(String(300))
    qualification_type: Mapped[str | None] = mapped_column(String(40))
    rqf_level: Mapped[int | None] = mapped_column(Integer)
    route_kind: Mapped[str | None] = mapped_column(String(16))
    sector: Mapped[str | None] = mapped_column(String(80))
    #: Skill labels or ESCO URIs taught, and occupation codes led to.
    skills: Mapped[list[str]] = mapped_column(JSON, default=list, server_default=_EMPTY_LIST)
    occupations: Mapped[list[str]] = mapped_column(JSON, default=list, server_default=_EMPTY_LIST)
    #: {"min_level": int | None, "skills": [...], "qualifications": [...]} (for routes).
    entry_requirements: Mapped[dict[str, Any]] = mapped_column(
        JSON, default=dict, server_default=text("'{}'")
    )
    delivery_mode: Mapped[str | None] = mapped_column(String(16))
    national: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    #: ISO dates ("2027-09-06"), ascending.
    start_dates: Mapped[list[str]] = mapped_column(JSON, default=list, server_default=_EMPTY_LIST)
    duration_weeks: Mapped[int | None] = mapped_column(Integer)
    hours_per_week: Mapped[float | None] = mapped_column(Float)
    cost_pence: Mapped[int | None] = mapped_column(Integer)
    funding: Mapped[str | None] = mapped_column(String(32))
    catalogue_version: Mapped[int | None] = mapped_column(Integer)
    fetched_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class DistrictCentroid(Base):
    """Where a postcode district (outward code, "PR1") is, as the catalogue answered: learners'
    events carry only their district, and travel distances are measured from its centroid.

    Latitude and longitude are None when the catalogue does not know the district (404): it is
    not asked again until the catalogue announces a new taxonomy.
    """

    __tablename__ = "district_centroids"

    district: Mapped[str] = mapped_column(String(4), primary_key=True)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    fetched_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class LearnerView(Base):
    __tablename__ = "learner_views"

    learner_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class InteractionView(Base):
    __tablename__ = "interaction_views"

    interaction_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    learner_id: Mapped[int] = mapped_column(Integer, index=True)
    course_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime())


class TaxonomyView(Base):
    __tablename__ = "taxonomy_views"

    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    counts: Mapped[dict[str, int]] = mapped_column(JSON)
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class ReadModelStamp(Base):
    """A counter bumped in the same transaction as a change to what it stamps ("courses":
    any course's status or facts), so a serving process learns its in-memory course index is
    stale with one primary-key read instead of re-reading every course."""

    __tablename__ = "read_model_stamps"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class LearnerTopCourses(Base):
    """The top suggestions last announced for a learner (course ids, best first), so an
    update event goes out only when they change."""

    __tablename__ = "learner_top_courses"

    learner_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    model_version: Mapped[str] = mapped_column(String(64))
    course_ids: Mapped[list[int]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class ErasedLearner(ErasedLearnerMixin, Base):
    """An erased learner's id: events naming it are never handled again."""

    __tablename__ = "erased_learners"


class OutboxEvent(OutboxMixin, Base):
    __tablename__ = "outbox_events"
    producer = "recommender"


class InboxEntry(InboxMixin, Base):
    __tablename__ = "inbox_entries"


class RelayCheckpoint(RelayCheckpointMixin, Base):
    __tablename__ = "relay_checkpoints"
