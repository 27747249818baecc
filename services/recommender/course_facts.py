"""Course facts and district centroids, read from the catalogue into the read model.

Course events name a course and the fields that changed, never their values, so after each
`catalogue.course.published`/`updated` the `recommender.fetch_course` task reads the course from
the catalogue's public `GET /courses/<id>` and keeps what the hard filters, the content factors
and diversification need (`from_catalogue`). Learners' events carry a postcode district; where
it is comes from `GET /postcodes/<district>` once per district (`fetch_district_centroid`).
`sync_courses` reads every published course at once, for a fresh recommender or after an outage.

Every question is asked outside a transaction, so SQLite's write lock is held only while the
answer is stored; storing is idempotent and ignores answers overtaken by newer ones
(`read_model.store_course_facts`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.recommender import read_model
from services.recommender.catalogue_client import PAGE_SIZE, CatalogueClient, CatalogueUnavailable
from shared.db import Database
from shared.events import utcnow


def from_catalogue(body: dict[str, Any]) -> dict[str, Any]:
    """The read model's columns for a course as `GET /courses/<id>` (or a search hit) answers it,
    plus `catalogue_updated_at` (when the catalogue last changed it). Raises
    CatalogueUnavailable when the answer lacks what every course has."""
    try:
        campus = body.get("campus") or {}
        entry = body.get("entry_requirements") or {}
        return {
            "course_id": int(body["id"]),
            "provider_id": int(body["provider_id"]),
            "status": str(body["status"]),
            "title": body.get("title"),
            "qualification_type": body.get("qualification_type"),
            "rqf_level": _optional(int, body.get("rqf_level")),
            "route_kind": body.get("route_kind"),
            "sector": body.get("sector"),
            "skills": [str(s["skill"]) for s in body.get("skills") or []],
            "occupations": [str(code) for code in body.get("occupations") or []],
            "entry_requirements": {
                "min_level": entry.get("min_level"),
                "skills": list(entry.get("skills") or []),
                "qualifications": list(entry.get("qualifications") or []),
            },
            "delivery_mode": body.get("delivery_mode"),
            "national": bool(body.get("national", False)),
            "latitude": _optional(float, campus.get("latitude")),
            "longitude": _optional(float, campus.get("longitude")),
            "start_dates": sorted(str(day) for day in body.get("start_dates") or []),
            "duration_weeks": _optional(int, body.get("duration_weeks")),
            "hours_per_week": _optional(float, body.get("hours_per_week")),
            "cost_pence": _optional(int, body.get("cost_pence")),
            "funding": body.get("funding"),
            "catalogue_version": _optional(int, body.get("version")),
            "catalogue_updated_at": datetime.fromisoformat(body["updated_at"]),
        }
    except (KeyError, TypeError, ValueError) as error:
        raise CatalogueUnavailable(f"a course answer without a usable {error}") from error


def fetch_course(database: Database, catalogue: CatalogueClient, course_id: int) -> str:
    """Read one course from the catalogue and keep its facts; the outcome: "stored",
    "unpublished" (404: a draft now, or gone), "stale" (a newer answer was kept meanwhile) or
    "unknown-course" (a 404 for a course never heard of)."""
    asked_at = utcnow()
    body = catalogue.course(course_id)
    with database.session_scope() as session:
        if body is None:
            return read_model.mark_course_unpublished(session, course_id, asked_at)
        return read_model.store_course_facts(session, from_catalogue(body), asked_at)


def fetch_district_centroid(database: Database, catalogue: CatalogueClient, district: str) -> str:
    """Ask where a postcode district is, unless it was asked already; the outcome: "known",
    "not-found" (the catalogue does not know it) or "already-known"."""
    with database.session_scope() as session:
        if read_model.district_known(session, district):
            return "already-known"
    centroid = catalogue.district_centroid(district)
    with database.session_scope() as session:
        read_model.record_district_centroid(session, district, centroid)
    return "known" if centroid is not None else "not-found"


@dataclass
class SyncResult:
    """What `sync_courses` did: courses stored, answers overtaken by newer ones, and courses
    held as published that the catalogue no longer lists (re-read one by one)."""

    stored: int = 0
    stale: int = 0
    rechecked: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"stored": self.stored, "stale": self.stale, "rechecked": self.rechecked}


def sync_courses(
    database: Database,
    catalogue: CatalogueClient,
    progress: Callable[[int], None] | None = None,
    page_size: int = PAGE_SIZE,
) -> SyncResult:
    """Fill the read model with every published course the catalogue lists, then re-read each
    course held as published that it did not list (withdrawn or unpublished while the
    recommender was not listening). Safe to run beside the consumer and the fetch tasks:
    every answer goes through the same idempotent store. One transaction per page of
    the catalogue's answer, so SQLite's write lock is held briefly."""
    result = SyncResult()
    listed: set[int] = set()
    pages = catalogue.published_course_pages(page_size)
    while True:
        asked_at = utcnow()
        page = next(pages, None)
        if page is None:
            break
        facts = [from_catalogue(body) for body in page]
        with database.session_scope() as session:
            for one in facts:
                outcome = read_model.store_course_facts(session, one, asked_at)
                listed.add(one["course_id"])
                if outcome == read_model.STORED:
                    result.stored += 1
                else:
                    result.stale += 1
        if progress is not None:
            progress(len(facts))
    with database.session_scope() as session:
        unlisted = [i for i in read_model.published_course_ids(session) if i not in listed]
    for course_id in unlisted:
        outcome = fetch_course(database, catalogue, course_id)
        result.rechecked[outcome] = result.rechecked.get(outcome, 0) + 1
    return result


def _optional(cast: Callable[[Any], Any], value: Any) -> Any:
    return None if value is None else cast(value)
