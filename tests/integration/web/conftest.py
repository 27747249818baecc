"""App and client fixtures for every service (Flask tutorial style), on migrated databases."""

from __future__ import annotations

import importlib

import pytest

from tests.conftest import migrated


def make_app(service: str, database_url: str, redis_url: str):
    migrated(service, database_url).dispose()
    create_app = importlib.import_module(f"services.{service}").create_app
    app = create_app({"database_url": database_url, "redis_url": redis_url})
    app.config["TESTING"] = True
    return app


@pytest.fixture
def catalogue_app(database_url, redis_url, redis_client):
    app = make_app("catalogue", database_url, redis_url)
    yield app
    app.extensions["routeways.db"].dispose()


@pytest.fixture
def catalogue_client(catalogue_app):
    return catalogue_app.test_client()
