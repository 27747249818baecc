"""Fixtures shared by the integration tests of several folders."""

from __future__ import annotations

import pytest

from tests.integration.web.conftest import ADMIN_TOKEN, make_app


@pytest.fixture
def catalogue_app(database_url, redis_url, redis_client):
    app = make_app("catalogue", database_url, redis_url, admin_token=ADMIN_TOKEN)
    yield app
    app.extensions["routeways.db"].dispose()


@pytest.fixture
def catalogue_client(catalogue_app):
    return catalogue_app.test_client()
