"""A read model with two kinds of learners and courses (digital and care), for the serving,
freshness and announcement tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

from flask import Flask

from services.recommender import create_app, read_model
from services.recommender.model_store import ModelStore
from services.recommender.ranking.algorithms import RankerParams
from services.recommender.training import TrainingRun, train_version
from shared.events import utcnow

SOON = (date.today() + timedelta(days=30)).isoformat()
DIGITAL = {"sector": "Digital", "skills": ["coding", "data"], "occupations": ["2136"]}
CARE = {"sector": "Health and care", "skills": ["care", "first aid"], "occupations": ["6145"]}
LEARNER = {"rqf_level": 2, "age_band": "24+", "constraints": {}}


def facts(course_id: int, provider_id: int, content: dict) -> dict:
    """A course as the catalogue's answer is stored (online, free, starting soon)."""
    return {
        "course_id": course_id, "provider_id": provider_id, "status": "published",
        "title": f"Course {course_id}", "qualification_type": "Short course", "rqf_level": 2,
        "route_kind": "technical", "entry_requirements": {}, "delivery_mode": "online",
        "national": True, "latitude": None, "longitude": None, "start_dates": [SOON],
        "duration_weeks": 10, "hours_per_week": 4.0, "cost_pence": 0,
        "funding": "fully-funded", "catalogue_version": 1, "catalogue_updated_at": utcnow(),
        **content,
    }  # fmt: skip


def publish(session, course_id: int, provider_id: int, content: dict) -> None:
    """The course's published event and its facts, as handler and fetch task store them."""
    read_model.record_course_published(session, course_id, provider_id, ["title"], utcnow())
    read_model.store_course_facts(session, facts(course_id, provider_id, content), utcnow())


def fill(session) -> None:
    """Digital courses 1-10 and care courses 11-20 over five providers; learners 1-40 took
    digital courses (occupation 3544), 41-80 care ones (6146), three each."""
    for course_id in range(1, 21):
        publish(session, course_id, 1 + course_id % 5, DIGITAL if course_id <= 10 else CARE)
    interaction = 1
    for learner in range(1, 81):
        digital = learner <= 40
        occupation = "3544" if digital else "6146"
        read_model.record_learner(session, learner, {**LEARNER, "occupation_code": occupation})
        base = 1 if digital else 11
        for step in (0, 3, 7):
            read_model.record_interaction(
                session, interaction, learner, base + (learner + step) % 10, "enrolled",
                utcnow() - timedelta(days=20),
            )  # fmt: skip
            interaction += 1


#: A model small enough to train in a blink, large enough to tell the sectors apart.
SMALL = RankerParams(kind="als", factors=16, iterations=15, bm25=True, num_threads=1)


def fill_and_train(database, models_dir: Path) -> ModelStore:
    """`fill`, then train and serve a `SMALL` version in `models_dir`."""
    with database.session_scope() as session:
        fill(session)
    store = ModelStore(models_dir)
    with database.session_scope() as session:
        train_version(session, store, TrainingRun(SMALL))
    return store


@contextmanager
def serving_app(database, models_dir: Path, redis_url: str) -> Iterator[Flask]:
    """The recommender app over `database` and `models_dir` (disposed after)."""
    app = create_app(
        {"database_url": database.url, "models_dir": str(models_dir), "redis_url": redis_url}
    )
    yield app
    app.extensions["routeways.db"].dispose()
