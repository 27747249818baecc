"""The profile service's Celery tasks: thin, named, idempotent, acknowledged late."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.exc import IntegrityError, OperationalError

from services.profile import taxonomy_refresh
from services.profile.catalogue_client import CatalogueClient, CatalogueUnavailable
from services.profile.settings import ProfileSettings
from shared.db import Database
from shared.tasks import celery

log = logging.getLogger(__name__)


@celery.task(
    name="profile.refresh_taxonomy",
    acks_late=True,
    # The catalogue may be restarting; two runs racing may collide on the codes' keys (the
    # retry then finds the version cached and does nothing).
    autoretry_for=(CatalogueUnavailable, IntegrityError, OperationalError),
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=8,
)
def refresh_taxonomy(version: str | None = None) -> dict[str, Any]:
    """Cache the catalogue's taxonomy codes after it announced `version` (nothing to do when
    that version is cached already)."""
    settings = ProfileSettings.from_env()
    with Database(settings.database_url) as database:
        outcome = taxonomy_refresh.refresh_codes(
            database, CatalogueClient(settings.catalogue_url), version
        )
    log.info("taxonomy refresh for %s: %s", version, outcome)
    return outcome
