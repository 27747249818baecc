"""Fixtures for the notifier's sending tests: its own migrated database, the profile service
answering contacts over real HTTP, and the recommender's and catalogue's canned answers over
HTTP (`notifier_send_content`: the only stand-in, for services that are not what is tested).
Test modules load them with `pytest_plugins = ["tests.integration.mail.notifier_send_fixtures"]`
and import helpers from `notifier_send_content`."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from services.notifier.contacts import ContactBook
from shared.db import Database
from tests.conftest import _postgres_database, migrated
from tests.integration.conftest import ADMIN_TOKEN, seed_profile_taxonomy
from tests.integration.mail.notifier_send_content import CONTACT_TOKEN, COURSES, SUGGESTIONS
from tests.integration.mail.notifier_smtp_servers import free_port
from tests.integration.web.conftest import make_app


@pytest.fixture
def notifier_db(tmp_path: Path, database_url: str) -> Iterator[Database]:
    """The notifier's database, on the same engine kind as `database_url` but its own."""
    if database_url.startswith("sqlite"):
        database = migrated("notifier", f"sqlite:///{tmp_path / 'notifier.sqlite3'}")
        yield database
        database.dispose()
        return
    for url in _postgres_database():
        database = migrated("notifier", url)
        yield database
        database.dispose()


class ProfileOverHttp:
    """The profile app on a loopback port (werkzeug's threaded server), for real HTTP."""

    def __init__(self, app) -> None:
        self.app = app
        self.client = app.test_client()
        self.server = make_server("127.0.0.1", free_port(), app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def contacts(self) -> ContactBook:
        return ContactBook(self.url, CONTACT_TOKEN)

    def register(self, **fields) -> dict:
        from tests.integration.conftest import register

        return register(self.client, **fields)


@pytest.fixture
def profile_http(database_url, redis_url, redis_client) -> Iterator[ProfileOverHttp]:
    app = make_app(
        "profile",
        database_url,
        redis_url,
        admin_token=ADMIN_TOKEN,
        notifier_contact_token=CONTACT_TOKEN,
    )
    seed_profile_taxonomy(app)
    served = ProfileOverHttp(app)
    served.thread.start()
    yield served
    served.server.shutdown()
    served.thread.join(timeout=10)
    app.extensions["routeways.db"].dispose()


def canned_services_app(environ, start_response):
    """The recommender's and the catalogue's answers a digest is composed from, canned: a
    stand-in for those two services (not what these tests are about), over real HTTP."""
    import json
    import re

    path = environ["PATH_INFO"]
    body, status = None, "404 Not Found"
    if re.fullmatch(r"/learners/\d+/recommendations", path):
        body = SUGGESTIONS
    elif found := re.fullmatch(r"/courses/(\d+)", path):
        course = COURSES.get(int(found[1]))
        body = {k: v for k, v in course.items() if k != "provider"} if course else None
    elif found := re.fullmatch(r"/providers/(\d+)", path):
        body = COURSES[101]["provider"]
    if body is not None:
        status = "200 OK"
    payload = json.dumps(body or {"status": 404}).encode()
    start_response(status, [("Content-Type", "application/json")])
    return [payload]


@pytest.fixture
def canned_services() -> Iterator[str]:
    """The base URL of `canned_services_app` on a loopback port."""
    server = make_server("127.0.0.1", free_port(), canned_services_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
