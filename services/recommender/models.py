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


class QueuedRescore(Base):
    """A learner whose top suggestions must be computed again, queued by a consumer that had a
    backlog of events (rescoring each at once would hold the stream up); the row goes in the
    same transaction as the event's effects and leaves in the one that announces the top."""

    __tablename__ = "queued_rescores"

    learner_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    cause: Mapped[str] = mapped_column(String(32))
    queued_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


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


# --- the copy of the catalogue's occupation taxonomy (GET /taxonomy/export) -------------------


class TaxonomyCopy(Base):
    """Which taxonomy version the occupation tables below hold (one row, id 1), when the
    catalogue released it (so an older document never replaces a newer copy), and their counts."""

    __tablename__ = "taxonomy_copy"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[str] = mapped_column(String(64))
    released_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    copied_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class OccupationView(Base):
    """An occupation as the catalogue's taxonomy describes it (ESCO code, or a demo code)."""

    __tablename__ = "occupation_views"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    isco_group: Mapped[str] = mapped_column(String(4))
    technical_route: Mapped[str | None] = mapped_column(String(80))
    typical_entry_level: Mapped[int | None] = mapped_column(Integer)  # RQF
    job_zone: Mapped[int | None] = mapped_column(Integer)  # O*NET 1-5
    education_level: Mapped[int | None] = mapped_column(Integer)  # Nesta 1-12
    annual_earnings_gbp: Mapped[float | None] = mapped_column(Float)
    automation_risk: Mapped[float | None] = mapped_column(Float)


class OccupationSkillView(Base):
    """A skill an occupation needs ("essential") or may use ("optional"), with its label."""

    __tablename__ = "occupation_skill_views"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    uri: Mapped[str] = mapped_column(String(200), primary_key=True)
    label: Mapped[str] = mapped_column(String(300))
    relation: Mapped[str] = mapped_column(String(16))


class OccupationTransitionView(Base):
    """A move from one occupation to another that a source ("esco-skills", "onet") considers
    open, with its similarity (0..1)."""

    __tablename__ = "occupation_transition_views"

    from_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    to_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    similarity: Mapped[float] = mapped_column(Float)


class OccupationDemandView(Base):
    """An occupation's labour market in one area, for every education route."""

    __tablename__ = "occupation_demand_views"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    area: Mapped[str] = mapped_column(String(120), primary_key=True)
    demand_index: Mapped[float | None] = mapped_column(Float)
    median_pay_gbp: Mapped[float | None] = mapped_column(Float)
    projected_change: Mapped[str | None] = mapped_column(String(200))


class LabourAreaView(Base):
    """A labour-market area (LEP or city region) and its pin: a learner's area is taken to be
    the one whose pin is nearest their postcode district's centroid (an approximation)."""

    __tablename__ = "labour_area_views"

    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)


class LearnerRoute(Base):
    """A learner's best route to their goal occupation as last planned (`route_updates`):
    course ids in time order (empty: no route), months and up-front cost, so an update event
    goes out only when it changes."""

    __tablename__ = "learner_routes"

    learner_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    target: Mapped[str] = mapped_column(String(64), index=True)
    course_ids: Mapped[list[int]] = mapped_column(JSON)
    months: Mapped[float | None] = mapped_column(Float)
    cost_pence: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class LearnerRouteStep(Base):
    """Which courses a learner's stored best route uses, so a change to a course finds the
    learners whose route it is part of."""

    __tablename__ = "learner_route_steps"

    learner_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    course_id: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)
