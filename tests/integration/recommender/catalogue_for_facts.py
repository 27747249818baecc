"""A catalogue with courses, campuses and postcode districts served over real HTTP, and the
environment a recommender worker reads its settings from, for the course-facts tests.

The catalogue app (`catalogue_app`, on `database_url`) is served by werkzeug's threaded server
(`serving` from the profile tests); the recommender's database (`recommender_db`) is its own, on
the same engine. Test modules load the fixtures with
`pytest_plugins = ["tests.integration.recommender.catalogue_for_facts"]` and import its helpers
(PYTEST_DONT_REWRITE: the module is imported before it is a plugin).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from services.catalogue import courses
from services.catalogue.models import Campus, PostcodeDistrict, Provider
from services.recommender.catalogue_client import CatalogueClient
from tests.integration.profile.conftest_catalogue import ServedApp, serving

NEXT = date.today().year + 1  # start dates stay in the future whenever the tests run
CAMPUSES = {"Preston": ("PR1 2HE", 53.759, -2.699), "Lancaster": ("LA1 1AA", 54.047, -2.801)}
DISTRICTS = {"PR1": (53.754842, -2.708077), "BB11": (53.77265, -2.267867)}


def course_row(ref: str, **fields: Any) -> dict[str, Any]:
    """A valid bulk row for the catalogue; `fields` override."""
    return {
        "external_ref": ref,
        "title": f"Course {ref}",
        "qualification_type": "Access to HE",
        "rqf_level": 3,
        "route_kind": "academic",
        "sector": "Health",
        "campus": "Preston",
        "skills": [{"skill": "anatomy"}, {"skill": "academic writing", "level": 3}],
        "occupations": ["2221.1"],
        "entry_requirements": {"min_level": 2},
        "delivery_mode": "classroom",
        "duration_weeks": 36,
        "hours_per_week": 9.5,
        "start_dates": [f"{NEXT}-09-06", f"{NEXT}-01-11"],
        "cost_pence": 250_000,
        "funding": "loan-eligible",
        **fields,
    }


@dataclass
class SeededCatalogue:
    """The catalogue's provider and its courses by reference, written through its domain."""

    app: Any
    http: ServedApp
    provider_id: int
    ids: dict[str, int]

    def upsert(self, *rows: dict[str, Any]) -> dict[str, int]:
        with self.app.extensions["routeways.db"].session_scope() as session:
            result = courses.upsert_courses(session, self.provider_id, list(rows))
        assert result.counts["rejected"] == 0, [r.errors for r in result.rows]
        self.ids.update({r.external_ref: r.course_id for r in result.rows})
        return self.ids

    def withdraw(self, ref: str) -> None:
        with self.app.extensions["routeways.db"].session_scope() as session:
            courses.withdraw_course(session, self.provider_id, ref)

    def client(self) -> CatalogueClient:
        return CatalogueClient(self.http.url)


@pytest.fixture
def catalogue_http(catalogue_app) -> Iterator[ServedApp]:
    """The catalogue app over real HTTP."""
    with serving(catalogue_app) as served:
        yield served


@pytest.fixture
def seeded_catalogue(catalogue_app, catalogue_http) -> SeededCatalogue:
    """A provider with campuses in Preston and Lancaster, two postcode districts, no courses."""
    with catalogue_app.extensions["routeways.db"].session_scope() as session:
        provider = Provider(key="preston-college", name="Preston College", kind="fe-college")
        provider.campuses = [
            Campus(name=name, postcode=postcode, latitude=lat, longitude=lon)
            for name, (postcode, lat, lon) in CAMPUSES.items()
        ]
        session.add(provider)
        session.add_all(
            PostcodeDistrict(outcode=code, latitude=lat, longitude=lon)
            for code, (lat, lon) in DISTRICTS.items()
        )
        session.flush()
        provider_id = provider.id
    return SeededCatalogue(catalogue_app, catalogue_http, provider_id, {})


@pytest.fixture
def recommender_worker(recommender_db, catalogue_http, monkeypatch):
    """The recommender's database, and the environment its Celery worker and CLI read (its
    database URL, the served catalogue's URL)."""
    monkeypatch.setenv("ROUTEWAYS_RECOMMENDER_DATABASE_URL", recommender_db.url)
    monkeypatch.setenv("ROUTEWAYS_CATALOGUE_URL", catalogue_http.url)
    return recommender_db


def queued_tasks(redis_client) -> list[tuple[str, str]]:
    """(task name, args repr) of every Celery message waiting in the default queue."""
    messages = [json.loads(raw) for raw in redis_client.lrange("celery", 0, -1)]
    return [(m["headers"]["task"], m["headers"]["argsrepr"]) for m in messages]
