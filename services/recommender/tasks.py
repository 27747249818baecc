"""The recommender's Celery tasks: thin, named, take ids, idempotent, acknowledged late."""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Callable
from pathlib import Path

import redis
from celery import Task
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from services.recommender import (
    course_facts,
    read_model,
    rescoring,
    route_updates,
    taxonomy_refresh,
    top_courses,
    training,
)
from services.recommender.catalogue_client import CatalogueClient, CatalogueUnavailable
from services.recommender.model_store import ModelStore
from services.recommender.ranking.algorithms import DEFAULT_PARAMS
from services.recommender.serving import recommender_for
from services.recommender.settings import RecommenderSettings
from services.recommender.top_courses import audience_of_course_change, learners_announced
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
    if outcome in (read_model.STORED, read_model.UNPUBLISHED):
        announce_course_change.delay(course_id)
    return outcome


#: Set while a `rescore_queued` run is due: a consumer with a backlog sends one only when it
#: is not set; the run clears it before it reads the queue, so learners queued after that get
#: a run of their own. It expires, in case the run is lost with its worker.
RESCORE_DUE_KEY = "routeways:recommender:rescore-due"


def request_rescore() -> None:
    """Send `rescore_queued` unless a run is already due (one run drains the whole queue, and
    a backlog queues learners a few hundred times a second)."""
    settings = RecommenderSettings.from_env()
    if _redis(settings.redis_url).set(RESCORE_DUE_KEY, "1", nx=True, ex=60):
        rescore_queued.delay()


@functools.cache
def _redis(url: str) -> redis.Redis:
    return redis.Redis.from_url(url)


@celery.task(name="recommender.rescore_queued", acks_late=True, **_RETRY)
def rescore_queued() -> int:
    """Rescore the learners a consumer with a backlog queued, and announce the moved tops;
    beat runs it every minute too, in case a worker died before draining. Returns how many
    updates went out."""
    settings = RecommenderSettings.from_env()
    _redis(settings.redis_url).delete(RESCORE_DUE_KEY)
    with Database(settings.database_url) as database:
        return rescoring.drain(
            database, recommender_for(settings.models_dir), settings.start_horizon_days
        )


@celery.task(name="recommender.plan_routes", acks_late=True, **_RETRY)
def plan_routes(learner_ids: list[int]) -> int:
    """Plan again the best routes of learners whose events a consumer applied in a batch with
    too many of them to plan in its own transaction; returns how many updates went out."""
    settings = RecommenderSettings.from_env()
    weights, limits = settings.route_rules()
    with Database(settings.database_url) as database:
        return route_updates.refresh_many(
            database, recommender_for(settings.models_dir), learner_ids,
            settings.start_horizon_days, weights=weights, limits=limits,
        )  # fmt: skip


@celery.task(name="recommender.fetch_district_centroid", acks_late=True, **_RETRY)
def fetch_district_centroid(district: str, learner_id: int | None = None) -> str:
    """Ask the catalogue where a learner's postcode district is (once per district), then
    announce that learner's top courses (distances need the place)."""
    settings = RecommenderSettings.from_env()
    with Database(settings.database_url) as database:
        outcome = course_facts.fetch_district_centroid(
            database, CatalogueClient(settings.catalogue_url), district
        )
        if learner_id is not None:
            recommender = recommender_for(settings.models_dir)
            top_courses.announce_many(
                database, recommender, [learner_id], "profile-changed",
                settings.start_horizon_days,
            )  # fmt: skip
            weights, limits = settings.route_rules()
            route_updates.refresh_many(
                database, recommender, [learner_id], settings.start_horizon_days,
                weights=weights, limits=limits,
            )  # fmt: skip
    log.info("district %s centroid: %s", district, outcome)
    return outcome


@celery.task(name="recommender.fetch_taxonomy", acks_late=True, **_RETRY)
def fetch_taxonomy(version: str | None = None) -> str:
    """Copy the catalogue's occupation taxonomy (after it announced `version`) for routes and
    career changes; a version already copied is not fetched again."""
    settings = RecommenderSettings.from_env()
    with Database(settings.database_url) as database:
        outcome = taxonomy_refresh.refresh_taxonomy(
            database, CatalogueClient(settings.catalogue_url), version
        )
    log.info("taxonomy %s copy: %s", version, outcome)
    return outcome["outcome"]


@celery.task(name="recommender.announce_course_change", acks_late=True, **_RETRY)
def announce_course_change(course_id: int) -> int:
    """A course was published, changed or withdrawn: re-announce the learners whose top it may
    move (`top_courses.audience_of_course_change`), and plan again the routes it is part of or
    could serve (`route_updates.audience_of_course`); returns the events published. A rerun
    publishes nothing new (the stored tops and routes already match)."""
    published = _announce(
        "course-changed", lambda session: audience_of_course_change(session, course_id)
    )
    return published + _refresh_routes(course_id)


def _refresh_routes(course_id: int) -> int:
    settings = RecommenderSettings.from_env()
    weights, limits = settings.route_rules()
    with Database(settings.database_url) as database:
        with database.read_scope() as session:
            learner_ids = route_updates.audience_of_course(session, course_id)
        published = route_updates.refresh_many(
            database, recommender_for(settings.models_dir), learner_ids,
            settings.start_horizon_days, course_id, weights, limits,
        )  # fmt: skip
    log.info("course %s: %d of %d learners' routes moved", course_id, published, len(learner_ids))
    return published


def _everyone(session: Session) -> tuple[list[int], None]:
    return learners_announced(session), None


@celery.task(name="recommender.announce_retrained", acks_late=True, **_RETRY)
def announce_retrained() -> int:
    """A new version serves: re-announce every learner whose top it moves."""
    return _announce("retrained", _everyone)


def _announce(cause: str, audience: Callable[[Session], tuple[list[int], int | None]]) -> int:
    """Announce `audience`'s learners, then mark the courses stamp it returned as announced."""
    settings = RecommenderSettings.from_env()
    with Database(settings.database_url) as database:
        with database.read_scope() as session:
            learner_ids, stamp = audience(session)
        published = top_courses.announce_many(
            database,
            recommender_for(settings.models_dir),
            learner_ids,
            cause,
            settings.start_horizon_days,
        )
        if stamp is not None:
            with database.session_scope() as session:
                top_courses.mark_announced(session, stamp)
    log.info("%s: %d of %d learners' top courses moved", cause, published, len(learner_ids))
    return published


@celery.task(name="recommender.train_first", acks_late=True)
def train_first() -> str:
    """Send `train` when no version serves yet (beat asks every five minutes), so a fresh
    system gets its first model soon after its first interactions."""
    settings = RecommenderSettings.from_env()
    if ModelStore(Path(settings.models_dir)).current_name() is not None:
        return "serving"
    with Database(settings.database_url) as database, database.read_scope() as session:
        interactions = read_model.counts(session)["interactions"]
    if interactions == 0:
        return "nothing-to-train"
    train.delay()
    return "sent"


@celery.task(
    name="recommender.train", bind=True, acks_late=True, ignore_result=False, track_started=True
)
def train(self: Task, kind: str | None = None, activate: bool = True) -> dict:
    """Train a version of `kind` (the default ALS when None) on the read model as it is now,
    and serve it when `activate` (beat starts it nightly; `POST /models/train` too).

    1. Read every interaction and build the confidence matrix ("reading").
    2. Fit, measure on held-out courses, fold them back ("fitting", "measuring").
    3. Save the version and, when asked, serve it ("saving").

    Each stage is stored as the task's PROGRESS state, which `GET /tasks/{id}` shows; the
    result (kept, unlike other tasks') says what happened. A rerun trains another version
    from the same data: harmless, and the newest activated one serves.
    """
    settings = RecommenderSettings.from_env()
    params = dataclasses.replace(DEFAULT_PARAMS, kind=kind or DEFAULT_PARAMS.kind)
    run = TrainingRun(params, activate=activate)

    def report(stage: str) -> None:
        if not self.request.called_directly:  # a direct call has no task id to report under
            self.update_state(state="PROGRESS", meta={"stage": stage})

    database = Database(settings.database_url)
    try:
        with database.session_scope() as session:
            version = training.train_version(
                session, ModelStore(Path(settings.models_dir)), run, progress=report
            )
    except training.NothingToTrain as error:
        log.info("no training: %s", error)
        return {"outcome": "nothing-to-train", "reason": str(error)}
    finally:
        database.dispose()
    log.info("trained %s: %s", version.name, version.metrics)
    if activate:
        announce_retrained.delay()
    return {
        "outcome": "trained",
        "version": version.name,
        "algorithm": params.kind,
        "activated": activate,
        "metrics": version.metrics,
    }
