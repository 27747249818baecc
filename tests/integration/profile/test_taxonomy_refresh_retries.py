"""The taxonomy refresh through a catalogue that fails for a while, over real HTTP: the service
client (`shared/service_client.py`) asks again after 502/503/504 with backoff, gives up after
three retries, and never repeats a request that is not idempotent."""

from __future__ import annotations

import pytest

from services.profile import taxonomy_refresh
from services.profile.catalogue_client import CatalogueClient, CatalogueUnavailable
from shared.service_client import ServiceClient
from tests.conftest import migrated
from tests.integration.profile.conftest_catalogue import import_small_taxonomy, serving

pytest_plugins = ["tests.integration.profile.conftest_catalogue"]


class Failing:
    """A WSGI front that answers `status` to the first `failures` requests, then passes every
    request to the app behind it; `seen` counts what reached it."""

    def __init__(self, app, failures: int, status: str = "503 Service Unavailable") -> None:
        self.app, self.failures, self.status, self.seen = app, failures, status, 0

    def __call__(self, environ, start_response):
        self.seen += 1
        if self.seen <= self.failures:
            start_response(self.status, [("Content-Type", "text/plain"), ("Retry-After", "120")])
            return [b"restarting"]
        return self.app(environ, start_response)


@pytest.fixture
def profile_db(second_database_url):
    database = migrated("profile", second_database_url)
    yield database
    database.dispose()


@pytest.mark.parametrize("status", ["502 Bad Gateway", "503 Service Unavailable",
                                    "504 Gateway Timeout"])  # fmt: skip
def test_a_catalogue_failing_twice_is_asked_again_and_the_codes_are_cached(
    profile_db, catalogue_app, tmp_path, status
):
    version = import_small_taxonomy(catalogue_app, tmp_path / "open-data")
    front = Failing(catalogue_app, failures=2, status=status)

    with serving(front) as served:
        outcome = taxonomy_refresh.refresh_codes(profile_db, CatalogueClient(served.url), version)

    assert outcome["outcome"] == "cached"  # Retry-After: 120 was not waited for
    assert front.seen == 3


def test_a_catalogue_that_keeps_failing_is_given_up_on_after_three_retries(
    profile_db, catalogue_app, tmp_path
):
    version = import_small_taxonomy(catalogue_app, tmp_path / "open-data")
    front = Failing(catalogue_app, failures=100)

    with serving(front) as served, pytest.raises(CatalogueUnavailable, match="503"):
        taxonomy_refresh.refresh_codes(profile_db, CatalogueClient(served.url), version)

    assert front.seen == 4


def test_a_post_is_never_sent_twice(catalogue_app):
    front = Failing(catalogue_app, failures=100)

    with serving(front) as served:
        response = ServiceClient(served.url).post("/providers", json={})

    assert response.status_code == 503
    assert front.seen == 1
