"""Events the recommender consumes: each keeps the read model current."""

from __future__ import annotations

import functools
import os
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from services.recommender import read_model, rescoring, route_updates
from services.recommender.model_store import ModelStore
from services.recommender.models import OutboxEvent
from services.recommender.ranking.persistence import erase_learner
from services.recommender.serving import TURNED_DOWN, recommender_for
from services.recommender.settings import RecommenderSettings
from shared.bus.consumer import Batched, in_backlog
from shared.bus.erasure import delete_learner_events
from shared.bus.outbox import correlation_id
from shared.db import run_before_commit
from shared.events import Envelope, utcnow


@functools.lru_cache(maxsize=4)
def _settings_for(environment: tuple[tuple[str, str], ...]) -> RecommenderSettings:
    return RecommenderSettings.from_env()


def _settings() -> RecommenderSettings:
    """The settings, parsed once per distinct ROUTEWAYS_* environment: a consumer would
    otherwise parse every variable again for each event (a quarter of a millisecond)."""
    return _settings_for(
        tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("ROUTEWAYS_")))
    )


#: `session.info` key of the learners to rescore when the transaction's events are applied.
_RESCORE = "recommender.rescore"
#: `session.info` key of the learners whose route to plan again then (-> correlation id).
_ROUTES = "recommender.routes"


def _announce(session: Session, learner_id: int, cause: str) -> None:
    """Rescore the learner, and publish their new top courses if they moved, once every event
    of this transaction is applied (each learner once, however many of their events it holds)."""
    session.info.setdefault(_RESCORE, {}).setdefault(learner_id, cause)
    run_before_commit(session, _RESCORE, _rescore)


def _rescore(session: Session) -> None:
    """Rescore the transaction's learners in it; with a backlog on the stream, or more of them
    than `rescoring.INLINE_LEARNERS`, queue them for the `rescore_queued` task instead (in
    another process), so the consumer keeps up."""
    causes: dict[int, str] = session.info.pop(_RESCORE, {})
    settings = _settings()
    if in_backlog(session) or len(causes) > rescoring.INLINE_LEARNERS:
        rescoring.queue(session, causes, utcnow())
        from services.recommender import tasks  # see _send_after_commit on this import
        from shared.tasks import call_after_commit

        call_after_commit(session, tasks.request_rescore)
        return
    rescoring.rescore_now(
        session,
        recommender_for(settings.models_dir),
        causes,
        utcnow(),
        settings.start_horizon_days,
    )


def _refresh_route(session: Session, learner_id: int, correlation: str | None = None) -> None:
    """Plan the learner's best route again once every event of this transaction is applied
    (each learner once); the update it may publish carries `correlation` (default: the event
    being handled)."""
    session.info.setdefault(_ROUTES, {})[learner_id] = correlation or correlation_id.get()
    run_before_commit(session, _ROUTES, _plan_routes)


def _plan_routes(session: Session) -> None:
    """Plan the transaction's routes in it, each under its event's correlation id; with a
    backlog on the stream, or more of them than `route_updates.INLINE_ROUTES` (tens of
    milliseconds each), in the `plan_routes` task once this commits, so a batch of a hundred
    registrations never holds the transaction (on SQLite, the write lock) for seconds."""
    routes: dict[int, str | None] = session.info.pop(_ROUTES, {})
    if in_backlog(session) or len(routes) > route_updates.INLINE_ROUTES:
        _send_after_commit(session, "plan_routes", sorted(routes))
        return
    settings = _settings()
    weights, limits = settings.route_rules()
    now = utcnow()
    snapshot = recommender_for(settings.models_dir).snapshot(session)
    for learner_id, correlation in routes.items():
        token = correlation_id.set(correlation)
        try:
            route_updates.refresh(
                session, snapshot, learner_id, now.date(), settings.start_horizon_days, now,
                weights=weights, limits=limits,
            )  # fmt: skip
        finally:
            correlation_id.reset(token)


def _send_after_commit(session: Session, task_name: str, *args: object) -> None:
    """Send the recommender task `task_name` once the handler's transaction commits.

    The tasks are imported here, not at the top: importing them creates the Celery app, which
    reads its broker URL from the environment once, and processes that never send a task (and
    test harnesses) import these handlers before that environment is complete.
    """
    from services.recommender import tasks
    from shared.tasks import enqueue_after_commit

    enqueue_after_commit(session, getattr(tasks, task_name), *args)


def on_course_published(event: Envelope, session: Session) -> None:
    """A course became visible: note it, and read its facts from the catalogue once this
    commits (the event names the course, not its facts)."""
    p = event.payload
    if read_model.record_course_published(
        session, p["course_id"], p["provider_id"], p["changed_fields"], event.occurred_at
    ):
        _send_after_commit(session, "fetch_course", p["course_id"])


def on_course_updated(event: Envelope, session: Session) -> None:
    """A published course changed: read its facts again once this commits."""
    on_course_published(event, session)


def on_course_withdrawn(event: Envelope, session: Session) -> None:
    """A course was withdrawn: it leaves every answer as soon as this commits (no HTTP)."""
    p = event.payload
    read_model.record_course_withdrawn(session, p["course_id"], p["provider_id"], event.occurred_at)
    _send_after_commit(session, "announce_course_change", p["course_id"])


def on_taxonomy_updated(event: Envelope, session: Session) -> None:
    """A new taxonomy may place districts the catalogue did not know: ask about them again;
    and copy its occupations, skills and labour market once this commits."""
    read_model.record_taxonomy(session, event.payload["version"], event.payload["counts"])
    read_model.forget_unknown_districts(session)
    _send_after_commit(session, "fetch_taxonomy", event.payload["version"])


def on_learner_changed(event: Envelope, session: Session) -> None:
    """Merge what changed, and announce the learner's top courses and best route if they
    moved; a postcode district not asked about yet is located first, once this commits
    (travel distances are measured from its centroid)."""
    learner_id = event.payload["learner_id"]
    attributes = event.payload["attributes"]
    read_model.record_learner(session, learner_id, attributes)
    district = attributes.get("postcode_district")
    if district and not read_model.district_known(session, district):
        # announced once the district is located: distances need it
        _send_after_commit(session, "fetch_district_centroid", district, learner_id)
    else:
        _announce(session, learner_id, "profile-changed")
        _refresh_route(session, learner_id)


def on_learner_erased(event: Envelope, session: Session) -> None:
    """Drop the learner from the read model and their suggestions not yet relayed (or relayed:
    they name the learner all the same). The consumer keeps the tombstone."""
    learner_id = event.payload["learner_id"]
    read_model.forget_learner(session, learner_id)
    route_updates.forget(session, learner_id)
    delete_learner_events(session, OutboxEvent, learner_id)
    store = ModelStore(Path(_settings().models_dir))
    for version in store.versions():  # idempotent: a redelivery zeroes zeros
        erase_learner(version.path, learner_id)


def on_interaction_recorded(event: Envelope, session: Session) -> None:
    """Keep the interaction and rescore the learner from their whole history at once (no
    retrain): their new top courses go out in this same transaction if they moved, and their
    route is planned again when they turned down one of its steps."""
    on_interactions_recorded([event], session)


def on_interactions_recorded(events: list[Envelope], session: Session) -> None:
    """`on_interaction_recorded` for a run of interactions read together: one statement keeps
    them all and one query finds the routes they touch (on PostgreSQL each statement is a round
    trip, most of an event's time). Each such route is planned again once, after the whole run
    is kept, so the plan sees every step turned down in it: the state one event at a time
    reaches at its last event, with fewer intermediate route updates."""
    payloads = [event.payload for event in events]
    read_model.record_interactions(
        session,
        [{"interaction_id": p["interaction_id"], "learner_id": p["learner_id"],
          "course_id": p["course_id"], "kind": p["kind"],
          "occurred_at": datetime.fromisoformat(p["occurred_at"])} for p in payloads],
    )  # fmt: skip
    for p in payloads:
        _announce(session, p["learner_id"], "interaction")
    turned_down = [e for e in events if e.payload["kind"] in TURNED_DOWN]
    last = {e.payload["learner_id"]: e.correlation_id for e in turned_down}  # each learner's
    steps = [(e.payload["learner_id"], e.payload["course_id"]) for e in turned_down]
    for learner_id in route_updates.learners_using(session, steps):
        _refresh_route(session, learner_id, last[learner_id])  # they turned down a step of it


HANDLERS = {
    ("catalogue.course.published", 1): on_course_published,
    ("catalogue.course.updated", 1): on_course_updated,
    ("catalogue.course.withdrawn", 1): on_course_withdrawn,
    ("catalogue.taxonomy.updated", 1): on_taxonomy_updated,
    ("profile.learner.registered", 1): on_learner_changed,
    ("profile.learner.updated", 1): on_learner_changed,
    ("profile.learner.erased", 1): on_learner_erased,
    ("profile.interaction.recorded", 1): Batched(on_interaction_recorded, on_interactions_recorded),
}
