"""A notifier app whose pages ask a real profile service over HTTP, and the links of a real
digest email to follow on it (taken from the parsed message, as a mail client shows them)."""

from __future__ import annotations

import email
from collections.abc import Iterator
from email import policy
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from services.notifier import create_app
from services.notifier.digests import Contact, compose
from services.notifier.email_links import digest_links
from services.notifier.messages import build_message
from tests.integration.conftest import ADMIN_TOKEN, bearer, register, seed_profile_taxonomy
from tests.integration.profile.conftest_catalogue import serving
from tests.integration.web.conftest import make_app
from tests.unit.notifier.digest_bodies import COURSES, SUGGESTIONS, TODAY

PUBLIC_URL = "https://notify.routeways.example"
SECRET = "notifier-web-secret"


@pytest.fixture
def profile_app(database_url, redis_url, redis_client):
    """The profile app (taxonomy seeded), with the secret key it shares with the notifier."""
    app = make_app("profile", database_url, redis_url, admin_token=ADMIN_TOKEN, secret_key=SECRET)
    seed_profile_taxonomy(app)
    yield app
    app.extensions["routeways.db"].dispose()


@pytest.fixture
def served_profile(profile_app) -> Iterator[str]:
    with serving(profile_app) as served:
        yield served.url


@pytest.fixture
def notifier(served_profile, redis_url, tmp_path: Path) -> Iterator[object]:
    """The notifier's test client; its pages ask the served profile service."""
    app = create_app(
        {
            "database_url": f"sqlite:///{tmp_path / 'notifier.sqlite3'}",
            "redis_url": redis_url,
            "secret_key": SECRET,
            "profile_url": served_profile,
            "public_url": PUBLIC_URL,
        }
    )
    app.config["TESTING"] = True
    yield app.test_client()
    app.extensions["routeways.db"].dispose()


@pytest.fixture
def learner(profile_client) -> dict:
    """A registered learner (weekly suggestion emails): the profile with its manage token."""
    return register(profile_client)


def digest_email(notifier, learner: dict):
    """The learner's weekly digest email, built and parsed back as a mail client reads it."""
    digest = compose(learner["id"], "weekly", "2026-W48", SUGGESTIONS, None, COURSES, today=TODAY)
    settings = notifier.application.extensions["routeways.settings"]
    contact = Contact(learner["id"], learner["email"], learner["name"], True, "weekly")
    message = build_message(
        digest, contact, digest_links(digest, settings), "Routeways <s@routeways.example>"
    )
    return email.message_from_bytes(message.as_bytes(), policy=policy.default)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str, str | None]] = []
        self._open: dict | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "a":
            attributes = dict(attrs)
            self._open = {"href": attributes["href"], "label": attributes.get("aria-label")}
            self._open["text"] = ""

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open["text"] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._open is not None:
            self.links.append((self._open["text"].strip(), self._open["href"], self._open["label"]))
            self._open = None


def html_links(message) -> list[tuple[str, str, str | None]]:
    """Every link of the message's HTML part: (text, href, aria-label)."""
    parser = _Links()
    parser.feed(message.get_body(("html",)).get_content())
    return parser.links


def local(url: str) -> str:
    """A notifier URL from an email, as the test client's path and query."""
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == PUBLIC_URL, url
    return parts.path + (f"?{parts.query}" if parts.query else "")


def consent(profile_client, learner: dict) -> dict:
    """The learner's consent as the profile service holds it now."""
    response = profile_client.get(
        f"/learners/{learner['id']}", headers=bearer(learner["manage_token"])
    )
    assert response.status_code == 200, response.json
    return response.json["consent"]


def interactions(profile_client, learner: dict) -> list[dict]:
    response = profile_client.get(
        f"/learners/{learner['id']}/interactions", headers=bearer(learner["manage_token"])
    )
    assert response.status_code == 200, response.json
    return response.json
