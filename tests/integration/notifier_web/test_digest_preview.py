"""GET /preview/<learner_id>: the next digest composed from a real recommender (a trained
model) and a real catalogue, both over HTTP, and shown to an admin without sending anything."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from services.notifier import create_app
from services.notifier.digests import digest_id, period_of
from tests.integration.notifier_web.conftest import PUBLIC_URL, _Links
from tests.integration.profile.conftest_catalogue import ONLINE_COURSE, serving
from tests.integration.recommender.two_sectors import fill_and_train, serving_app
from tests.integration.web.conftest import issue_key, register_provider

ADMIN = "notifier-admin-token-0123456789abcdef"
BEARER = {"Authorization": f"Bearer {ADMIN}"}


def publish_catalogue(catalogue_client) -> dict[int, str]:
    """Courses 1-20 at the catalogue, as the recommender's read model knows them (ids in
    creation order on a fresh database): course id -> title."""
    provider = register_provider(
        catalogue_client,
        key="lancashire-adult-learning",
        name="Lancashire Adult Learning",
        kind="fe-college",
        website="https://www.lancashire.gov.uk/adult-learning",
    )
    key = {"X-API-Key": issue_key(catalogue_client, provider["id"])}
    titles = {}
    for n in range(1, 21):
        title = f"{'Digital' if n <= 10 else 'Care'} skills course {n}"
        response = catalogue_client.put(
            f"/providers/{provider['id']}/courses/LAL-{n}",
            headers=key,
            json={**ONLINE_COURSE, "title": title, "start_dates": ["2030-01-07"]},
        )
        assert response.status_code == 201, response.json
        assert response.json["id"] == n
        titles[n] = title
    return titles


@pytest.fixture
def preview(catalogue_app, recommender_db, tmp_path: Path, redis_url) -> Iterator[tuple]:
    """A notifier asking the served recommender and catalogue: (client, course titles)."""
    titles = publish_catalogue(catalogue_app.test_client())
    fill_and_train(recommender_db, tmp_path / "models")
    with (
        serving_app(recommender_db, tmp_path / "models", redis_url) as recommender,
        serving(recommender) as served_recommender,
        serving(catalogue_app) as served_catalogue,
    ):
        app = create_app(
            {
                "database_url": f"sqlite:///{tmp_path / 'notifier.sqlite3'}",
                "redis_url": redis_url,
                "admin_token": ADMIN,
                "public_url": PUBLIC_URL,
                "recommender_url": served_recommender.url,
                "catalogue_url": served_catalogue.url,
            }
        )
        yield app.test_client(), titles
        app.extensions["routeways.db"].dispose()


def test_the_preview_shows_the_next_weekly_digest(preview):
    client, titles = preview

    response = client.get("/preview/5", headers=BEARER)

    assert response.status_code == 200, response.text
    assert response.mimetype == "text/html"
    assert response.headers["X-Digest-Id"] == digest_id(
        5, "weekly", period_of("weekly", date.today())
    )
    html = response.text
    assert "Your course suggestions this week" in html
    shown = [n for n, title in titles.items() if f">{title}<" in html]
    assert 1 <= len(shown) <= 5
    assert all(n <= 10 for n in shown)  # a digital learner's suggestions: digital courses
    assert "Lancashire Adult Learning" in html
    assert "Online" in html
    assert "7 January 2030" in html


def test_links_in_a_preview_act_for_nobody(preview):
    client, _ = preview
    parser = _Links()
    parser.feed(client.get("/preview/5", headers=BEARER).text)
    hrefs = [href for _text, href, _label in parser.links if href.startswith(PUBLIC_URL)]

    assert hrefs
    for href in hrefs:
        path = href.removeprefix(PUBLIC_URL)
        assert client.get(path).status_code == 400, path
        assert client.post(path, data={"choice": "none"}).status_code == 400, path


def test_the_preview_needs_the_admin_token_and_a_known_learner(preview):
    client, _ = preview

    assert client.get("/preview/5").status_code == 401
    assert client.get("/preview/5", headers={"Authorization": "Bearer nope"}).status_code == 403
    unknown = client.get("/preview/999", headers=BEARER)
    assert unknown.status_code == 404
    assert "999" in unknown.json["detail"]
    alert = client.get("/preview/5?kind=alert", headers=BEARER)
    assert alert.status_code == 200
    assert "A new course for you" in alert.text
