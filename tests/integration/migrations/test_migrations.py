"""Each service's Alembic migrations build exactly the schema its models describe."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from services import SERVICE_NAMES, load
from tests.conftest import migrated


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_migrations_match_the_models(service, database_url):
    database = migrated(service, database_url)
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, load(service).models.Base.metadata) == []
    database.dispose()


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_migrating_twice_changes_nothing(service, database_url):
    migrated(service, database_url).dispose()
    migrated(service, database_url).dispose()
