"""The recommender's Celery tasks: thin, named, take ids, idempotent, acknowledged late."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy.exc import IntegrityError, OperationalError

from services.recommender import course_facts, training
from services.recommender.catalogue_client import CatalogueClient, CatalogueUnavailable
from services.recommender.model_store import ModelStore
from services.recommender.ranking.algorithms import DEFAULT_PARAMS
from services.recommender.settings import RecommenderSettings
from services.recommender.training import TrainingRun
from shared.db import Database
from shared.tasks import celery

log = logging.getLogger(__name__)

#: The catalogue may be restarting; two runs racing on one new row collide on its key (the
#: retry then finds the row and stores or skips as usual).
_RETRY = {
    "autoretry_for": (CatalogueUnavailable, IntegrityError, OperationalError),
    "retry_backoff": 2,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 8,
}


@celery.task(name="recommender.fetch_course", acks_late=True, **_RETRY)
def fetch_course(course_id: int) -> str:
    """Read the course's facts from the catalogue into the read model (after an event said it
    was published or changed); a second run stores the same facts again or nothing."""
    settings = RecommenderSettings.from_env()
    with Database(settings.database_url) as database:
        outcome = course_facts.fetch_course(
            database, CatalogueClient(settings.catalogue_url), course_id
        )
    log.info("course %s facts: %s", course_id, outcome)
    return outcome


@celery.task(name="recommender.fetch_district_centroid", acks_late=True, **_RETRY)
def fetch_district_centroid(district: str) -> str:
    """Ask the catalogue where a learner's postcode district is (once per district)."""
    settings = RecommenderSettings.from_env()
    with Database(settings.database_url) as database:
        outcome = course_facts.fetch_district_centroid(
            database, CatalogueClient(settings.catalogue_url), district
        )
    log.info("district %s centroid: %s", district, outcome)
    return outcome


@celery.task(name="recommender.train", acks_late=True)
def train() -> dict:
    """Train a version on the read model as it is now and serve it (beat starts it nightly;
    `POST /models/train` and `routeways recommender train` too). A rerun trains another
    version from the same data: harmless, and the newest serves."""
    settings = RecommenderSettings.from_env()
    database = Database(settings.database_url)
    try:
        with database.session_scope() as session:
            version = training.train_version(
                session, ModelStore(Path(settings.models_dir)), TrainingRun(DEFAULT_PARAMS)
            )
    except training.NothingToTrain as error:
        log.info("no training: %s", error)
        return {"outcome": "nothing-to-train"}
    finally:
        database.dispose()
    log.info("trained %s: %s", version.name, version.metrics)
    return {"outcome": "trained", "version": version.name, "metrics": version.metrics}
