"""Catalogue tables: the taxonomy (occupations, skills, transitions, labour-market signals,
postcode districts), providers with their campuses and API keys, courses, and the bus tables."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from shared.bus.erasure import ErasedLearnerMixin
from shared.bus.inbox import InboxMixin
from shared.bus.outbox import OutboxMixin, RelayCheckpointMixin
from shared.db import NAMING_CONVENTION, UtcDateTime
from shared.events import utcnow


class Base(DeclarativeBase):
    # Named constraints, so migrations can alter them (SQLite's batch mode needs the names).
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# --- taxonomy -------------------------------------------------------------------------------


class TaxonomyVersion(Base):
    """One import of the taxonomy: what was read, from where, and how many rows came of it."""

    __tablename__ = "taxonomy_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[str] = mapped_column(String(64), unique=True)
    sources: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class Occupation(Base):
    """An ESCO occupation with the UK attributes joined to it (Nesta, LMI)."""

    __tablename__ = "occupations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)  # ESCO code, e.g. "2512.4"
    uri: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(300), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    isco_group: Mapped[str] = mapped_column(String(4), index=True)
    technical_route: Mapped[str | None] = mapped_column(String(80), index=True)
    typical_entry_level: Mapped[int | None] = mapped_column(Integer)  # RQF
    job_zone: Mapped[int | None] = mapped_column(Integer)  # O*NET 1-5 (Nesta)
    education_level: Mapped[int | None] = mapped_column(Integer)  # Nesta 1-12
    annual_earnings_gbp: Mapped[float | None] = mapped_column(Float)
    automation_risk: Mapped[float | None] = mapped_column(Float)


class Skill(Base):
    __tablename__ = "skills"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uri: Mapped[str] = mapped_column(String(200), unique=True)
    label: Mapped[str] = mapped_column(String(300), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # skill / knowledge / transversal
    reuse_level: Mapped[str | None] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text, default="")


class OccupationSkill(Base):
    __tablename__ = "occupation_skills"

    occupation_id: Mapped[int] = mapped_column(ForeignKey("occupations.id"), primary_key=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id"), primary_key=True, index=True)
    relation: Mapped[str] = mapped_column(String(16))  # essential / optional


class OccupationTransition(Base):
    """A move from one occupation to another that a source considers open, with its similarity."""

    __tablename__ = "occupation_transitions"

    from_id: Mapped[int] = mapped_column(ForeignKey("occupations.id"), primary_key=True)
    to_id: Mapped[int] = mapped_column(ForeignKey("occupations.id"), primary_key=True)
    source: Mapped[str] = mapped_column(String(32), primary_key=True)  # "esco-skills", "onet"
    similarity: Mapped[float] = mapped_column(Float)


class LabourMarketSignal(Base):
    """Demand and pay for a UK SOC 2010 minor group in an area, by education route."""

    __tablename__ = "labour_market_signals"
    __table_args__ = (UniqueConstraint("soc_group", "area", "education_route"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    soc_group: Mapped[str] = mapped_column(String(4), index=True)
    area: Mapped[str] = mapped_column(String(120), index=True)
    education_route: Mapped[str] = mapped_column(String(16))  # all / school-leaver / fe / he
    demand_index: Mapped[float | None] = mapped_column(Float)
    median_pay_gbp: Mapped[float | None] = mapped_column(Float)
    projected_change: Mapped[str | None] = mapped_column(String(200))


class SocIscoLink(Base):
    """The shipped, reviewed mapping from a UK SOC 2010 minor group to ISCO-08 unit groups."""

    __tablename__ = "soc_isco_links"

    soc_group: Mapped[str] = mapped_column(String(4), primary_key=True)
    isco_group: Mapped[str] = mapped_column(String(4), primary_key=True, index=True)


class LabourMarketArea(Base):
    """A labour-market area (a LEP or city region) and the pin that places it on the map.

    `name` is spelt as the signals spell the area ("LANCASHIRE"), so a pin leads to its demand;
    `pin` names the place the pin stands on ("Preston"). One pin per area is only a rough
    stand-in for its boundary: the nearest pin to a place is usually, not always, its area.
    """

    __tablename__ = "labour_market_areas"

    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    pin: Mapped[str] = mapped_column(String(80))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)


class PostcodeDistrict(Base):
    """A UK postcode district (outward code) and its centroid, for distances without a network."""

    __tablename__ = "postcode_districts"

    outcode: Mapped[str] = mapped_column(String(4), primary_key=True)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)


# --- providers ------------------------------------------------------------------------------


class Provider(Base):
    """A college, university, training provider or employer academy."""

    __tablename__ = "providers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    ukprn: Mapped[str | None] = mapped_column(String(8), unique=True)
    contact_email: Mapped[str | None] = mapped_column(String(320))
    website: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    campuses: Mapped[list[Campus]] = relationship(back_populates="provider", order_by="Campus.id")
    courses: Mapped[list[Course]] = relationship(back_populates="provider")


class Campus(Base):
    __tablename__ = "campuses"
    __table_args__ = (UniqueConstraint("provider_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    postcode: Mapped[str] = mapped_column(String(10))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)

    provider: Mapped[Provider] = relationship(back_populates="campuses")


class ProviderKey(Base):
    """An API key: only its prefix (to recognise it) and an HMAC of the whole key are stored."""

    __tablename__ = "provider_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), index=True)
    prefix: Mapped[str] = mapped_column(String(32), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


# --- courses --------------------------------------------------------------------------------


class Course(Base):
    """A course as its provider describes it; `external_ref` is the provider's own reference.

    `latitude`/`longitude` copy the campus centroid so distance filters need no join, and
    `national` marks courses delivered anywhere (online, workplace) that pass every distance
    filter. `version` increases on every change (ETag / If-Match).
    """

    __tablename__ = "courses"
    __table_args__ = (
        UniqueConstraint("provider_id", "external_ref"),
        Index("ix_courses_location", "latitude", "longitude"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), index=True)
    external_ref: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    qualification_type: Mapped[str] = mapped_column(String(32), index=True)
    rqf_level: Mapped[int] = mapped_column(Integer, index=True)
    route_kind: Mapped[str] = mapped_column(String(16))
    sector: Mapped[str] = mapped_column(String(80), index=True)
    entry_requirements: Mapped[dict[str, Any]] = mapped_column(
        JSON, default=dict, server_default=text("'{}'")
    )
    delivery_mode: Mapped[str] = mapped_column(String(16), server_default="classroom")
    study_mode: Mapped[str] = mapped_column(String(16), server_default="full-time")
    attendance_pattern: Mapped[str] = mapped_column(String(16), server_default="daytime")
    campus_id: Mapped[int | None] = mapped_column(ForeignKey("campuses.id"))
    national: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    duration_weeks: Mapped[int | None] = mapped_column(Integer)
    hours_per_week: Mapped[float | None] = mapped_column(Float)
    start_dates: Mapped[list[str]] = mapped_column(  # ISO dates, sorted
        JSON, default=list, server_default=text("'[]'")
    )
    next_start: Mapped[date | None] = mapped_column(Date, index=True)
    last_start: Mapped[date | None] = mapped_column(Date)
    cost_pence: Mapped[int] = mapped_column(Integer, server_default="0")
    funding: Mapped[str] = mapped_column(String(16), server_default="fee")
    employer_partners: Mapped[list[str]] = mapped_column(
        JSON, default=list, server_default=text("'[]'")
    )
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    provider: Mapped[Provider] = relationship(back_populates="courses")
    campus: Mapped[Campus | None] = relationship()
    skills: Mapped[list[CourseSkill]] = relationship(
        cascade="all, delete-orphan", order_by="CourseSkill.skill"
    )
    occupations: Mapped[list[CourseOccupation]] = relationship(
        cascade="all, delete-orphan", order_by="CourseOccupation.occupation_code"
    )


class CourseSkill(Base):
    """A skill a course teaches (by label or ESCO URI), with the level it reaches (1-8)."""

    __tablename__ = "course_skills"

    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), primary_key=True)
    skill: Mapped[str] = mapped_column(String(200), primary_key=True, index=True)
    level: Mapped[int | None] = mapped_column(Integer)


class CourseOccupation(Base):
    """An occupation (ESCO or SOC code) a course leads to."""

    __tablename__ = "course_occupations"

    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), primary_key=True)
    occupation_code: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


# --- bus ------------------------------------------------------------------------------------


class ErasedLearner(ErasedLearnerMixin, Base):
    """An erased learner's id: events naming it are never handled again."""

    __tablename__ = "erased_learners"


class OutboxEvent(OutboxMixin, Base):
    __tablename__ = "outbox_events"
    producer = "catalogue"


class InboxEntry(InboxMixin, Base):
    __tablename__ = "inbox_entries"


class RelayCheckpoint(RelayCheckpointMixin, Base):
    __tablename__ = "relay_checkpoints"
