"""A live catalogue over real HTTP for the profile service's tests, and a profile app pointed at it.

The catalogue app (`catalogue_app`, on `database_url`) is served by werkzeug's threaded server
on a free port in a thread; the profile app gets a database of its own on the same engine (a
second SQLite file, or a second scratch PostgreSQL database) and `catalogue_url` pointing at the
served catalogue. Test modules load the fixtures with
`pytest_plugins = ["tests.integration.profile.conftest_catalogue"]` and import its helpers
(which is why pytest is told PYTEST_DONT_REWRITE: the module is imported before it is a plugin).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from services.catalogue.taxonomy import import_taxonomy
from shared.db import scratch_postgres_database
from tests.conftest import POSTGRES_URL
from tests.integration.catalogue.conftest import quiet, write_open_data
from tests.integration.conftest import ADMIN_TOKEN, seed_profile_taxonomy
from tests.integration.web.conftest import issue_key, make_app, register_provider

#: A course any provider can publish without a campus.
ONLINE_COURSE = {
    "title": "T Level in Digital Support Services",
    "qualification_type": "T Level",
    "rqf_level": 3,
    "route_kind": "technical",
    "sector": "Digital",
    "delivery_mode": "online",
    "national": True,
}


@dataclass
class ServedApp:
    """An app behind a real HTTP server: its base URL and the paths it was asked for, in order."""

    url: str
    paths: list[str] = field(default_factory=list)


@contextmanager
def serving(app) -> Iterator[ServedApp]:
    """`app` behind werkzeug's threaded HTTP server on a free port."""
    served = ServedApp("")

    def noting_paths(environ, start_response):
        served.paths.append(environ["PATH_INFO"])
        return app(environ, start_response)

    server = make_server("127.0.0.1", 0, noting_paths, threaded=True)
    served.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, name="served-app", daemon=True)
    thread.start()
    try:
        yield served
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture
def second_database_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """Another empty database on the engine of `database_url` (each service owns its own)."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'second.sqlite3'}"
        return
    with scratch_postgres_database(POSTGRES_URL, "routeways_test") as url:
        yield url


@pytest.fixture
def served_catalogue(catalogue_app) -> Iterator[ServedApp]:
    """The catalogue app over real HTTP."""
    with serving(catalogue_app) as served:
        yield served


@pytest.fixture
def profile_on_catalogue(second_database_url, redis_url, redis_client, served_catalogue):
    """A profile app (taxonomy cache seeded) that asks the served catalogue."""
    app = make_app(
        "profile",
        second_database_url,
        redis_url,
        admin_token=ADMIN_TOKEN,
        catalogue_url=served_catalogue.url,
    )
    seed_profile_taxonomy(app)
    yield app
    app.extensions["routeways.db"].dispose()


@dataclass(frozen=True)
class CatalogueProvider:
    """A provider registered at the catalogue: its id, API key and course ids by reference."""

    id: int
    key: str
    courses: dict[str, int]

    @property
    def headers(self) -> dict[str, str]:
        return {"X-API-Key": self.key}


def provider_with_courses(catalogue_client, slug: str, refs: list[str]) -> CatalogueProvider:
    """Register a provider, issue it a key and publish an online course per reference."""
    provider = register_provider(catalogue_client, key=slug, name=slug.replace("-", " ").title())
    key = issue_key(catalogue_client, provider["id"])
    courses = {}
    for ref in refs:
        response = catalogue_client.put(
            f"/providers/{provider['id']}/courses/{ref}",
            headers={"X-API-Key": key},
            json=ONLINE_COURSE,
        )
        assert response.status_code == 201, response.json
        courses[ref] = response.json["id"]
    return CatalogueProvider(provider["id"], key, courses)


def import_small_taxonomy(catalogue_app, folder: Path, titles: dict | None = None) -> str:
    """Import the catalogue tests' small taxonomy (occupations renamed by code with `titles`)
    into `catalogue_app`; its version."""
    with catalogue_app.extensions["routeways.db"].session_scope() as session:
        return import_taxonomy(session, write_open_data(folder, titles), quiet).version
