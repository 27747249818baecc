"""The recommender's copy of the occupation taxonomy, on SQLite and PostgreSQL: a
`catalogue.taxonomy.updated` event sends `recommender.fetch_taxonomy` once the handler's
transaction commits; the task reads `GET /taxonomy/export` from a catalogue served over real
HTTP and fills the copy (occupations, skills, moves, Lancashire's demand, the areas' pins);
a version already copied is not fetched again, the catalogue answers 304 to one it still serves,
a newer version replaces the copy, and an older answer arriving late never does."""

from __future__ import annotations

import base64
import json
import time

import pytest
from sqlalchemy import select

from services.catalogue.models import OutboxEvent
from services.catalogue.taxonomy import import_demo_taxonomy, import_taxonomy
from services.recommender import occupations
from services.recommender.catalogue_client import CatalogueUnavailable
from services.recommender.handlers import on_taxonomy_updated
from services.recommender.tasks import fetch_taxonomy
from shared.embedded_redis import free_port
from shared.events import make_event
from shared.tasks import celery
from tests.conftest import migrated
from tests.integration.catalogue.conftest import OPEN_DATA, quiet, write_open_data
from tests.integration.profile.conftest_catalogue import serving
from tests.integration.recommender.catalogue_for_facts import queued_tasks
from tests.integration.web.conftest import make_app

pytest_plugins = ["tests.integration.recommender.catalogue_for_facts"]

PRESTON = (53.754842, -2.708077)  # the PR1 district's centroid


def announced(catalogue_app) -> list:
    """The catalogue's `catalogue.taxonomy.updated` events, as the recommender receives them."""
    with catalogue_app.extensions["routeways.db"].session_scope() as session:
        rows = session.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.type == "catalogue.taxonomy.updated")
            .order_by(OutboxEvent.seq)
        )
        payloads = [row.payload for row in rows]
    return [
        make_event("catalogue.taxonomy.updated", 1, payload, producer="catalogue")
        for payload in payloads
    ]


def import_demo(catalogue_app) -> str:
    with catalogue_app.extensions["routeways.db"].session_scope() as session:
        return import_demo_taxonomy(session, quiet).version


def import_small(catalogue_app, tmp_path) -> str:
    with catalogue_app.extensions["routeways.db"].session_scope() as session:
        return import_taxonomy(session, write_open_data(tmp_path / "open-data"), quiet).version


def run_queued(redis_client) -> list:
    """Run every queued Celery message as a worker would (by task name, with its arguments)."""
    outcomes = []
    for raw in redis_client.lrange("celery", 0, -1):
        message = json.loads(raw)
        args, kwargs, _ = json.loads(base64.b64decode(message["body"]))
        outcomes.append(celery.tasks[message["headers"]["task"]](*args, **kwargs))
    redis_client.delete("celery")
    return outcomes


def test_an_announced_taxonomy_is_copied_once_the_event_is_handled(
    catalogue_app, catalogue_http, recommender_worker, redis_client
):
    version = import_demo(catalogue_app)
    [event] = announced(catalogue_app)

    with recommender_worker.sessions() as session:
        on_taxonomy_updated(event, session)
        assert queued_tasks(redis_client) == []  # not before the commit
        session.commit()
    assert queued_tasks(redis_client) == [("recommender.fetch_taxonomy", f"('{version}',)")]

    assert run_queued(redis_client) == ["copied"]

    with recommender_worker.session_scope() as session:
        assert occupations.copied_version(session) == version
        developer = occupations.occupation(session, "2134")
        area = occupations.area_of(session, *PRESTON)
        retail_moves = occupations.transitions_from(session, "7111")
        retail_demand = occupations.demand(session, "7111", area)
    assert developer.title == "Programmers and software development professionals"
    assert {"python", "javascript", "software testing"} <= {
        s.label for s in developer.essential_skills
    }
    assert developer.optional_skills[0].uri.startswith("urn:routeways:demo:skill:")
    assert (developer.typical_entry_level, developer.job_zone) == (6, 4)
    assert area == "LANCASHIRE"
    assert retail_moves[0].code == "9264"
    assert retail_moves[0].title == "Waiters and waitresses"
    assert retail_demand == occupations.Demand("LANCASHIRE", 1450.0, 18_000.0, "fall")
    assert catalogue_http.paths == ["/taxonomy/export"]


def test_a_rolled_back_handler_sends_nothing(catalogue_app, recommender_worker, redis_client):
    import_demo(catalogue_app)
    [event] = announced(catalogue_app)

    with recommender_worker.sessions() as session:
        on_taxonomy_updated(event, session)
        session.rollback()

    assert queued_tasks(redis_client) == []


def test_a_version_already_copied_is_not_fetched_again_and_304_keeps_the_copy(
    catalogue_app, catalogue_http, recommender_worker
):
    version = import_demo(catalogue_app)
    assert fetch_taxonomy(version) == "copied"
    catalogue_http.paths.clear()

    assert fetch_taxonomy(version) == "already-copied"
    assert catalogue_http.paths == []
    assert fetch_taxonomy() == "unchanged"  # asked with If-None-Match: the catalogue said 304
    assert catalogue_http.paths == ["/taxonomy/export"]
    with recommender_worker.session_scope() as session:
        assert occupations.counts(session)["occupations"] == 35


def test_a_newer_taxonomy_replaces_the_copy_and_a_late_older_answer_does_not(
    catalogue_app, catalogue_http, recommender_worker, seeded_catalogue, tmp_path
):
    demo = import_demo(catalogue_app)
    fetch_taxonomy(demo)
    early = seeded_catalogue.client().taxonomy_export()  # the demo's, read before the change
    newer = import_small(catalogue_app, tmp_path)

    assert fetch_taxonomy(newer) == "copied"
    with recommender_worker.session_scope() as session:
        occupations.replace_taxonomy(session, early)  # arrives late: changes nothing
    with recommender_worker.session_scope() as session:
        assert occupations.copied_version(session) == newer
        assert occupations.occupation(session, "2134") is None
        agent = occupations.occupation(session, "3512.1")
        assert occupations.demand(session, "3512.1", "LANCASHIRE").demand_index == 867.0
    assert agent.title == "ICT help desk agent"
    assert [s.label for s in agent.essential_skills] == ["debug software", "work in teams"]


def test_a_catalogue_without_a_taxonomy_leaves_the_copy_empty(catalogue_http, recommender_worker):
    assert fetch_taxonomy("v-not-there-yet") == "catalogue-has-no-taxonomy"

    with recommender_worker.session_scope() as session:
        assert occupations.copied_version(session) is None


def test_the_task_raises_for_a_retry_when_the_catalogue_cannot_be_reached(
    recommender_worker, monkeypatch
):
    monkeypatch.setenv("ROUTEWAYS_CATALOGUE_URL", f"http://127.0.0.1:{free_port()}")

    with pytest.raises(CatalogueUnavailable):
        fetch_taxonomy("v1")


def test_the_task_is_registered_with_the_worker_by_name():
    assert celery.tasks["recommender.fetch_taxonomy"].run is fetch_taxonomy.run
    assert fetch_taxonomy.acks_late
    assert CatalogueUnavailable in fetch_taxonomy.autoretry_for


@pytest.mark.slow
def test_the_real_taxonomy_is_copied_in_seconds(tmp_path, redis_url, monkeypatch):
    if not (OPEN_DATA / "esco").is_dir():
        pytest.skip(f"the real open data are not at {OPEN_DATA}: set ROUTEWAYS_DATA_DIR")
    url = f"sqlite:///{tmp_path / 'catalogue.sqlite3'}"
    with migrated("catalogue", url) as database, database.session_scope() as session:
        version = import_taxonomy(session, OPEN_DATA, quiet).version
    app = make_app("catalogue", url, redis_url)
    recommender = migrated("recommender", f"sqlite:///{tmp_path / 'recommender.sqlite3'}")
    monkeypatch.setenv("ROUTEWAYS_RECOMMENDER_DATABASE_URL", recommender.url)

    with serving(app) as served:
        monkeypatch.setenv("ROUTEWAYS_CATALOGUE_URL", served.url)
        started = time.perf_counter()
        outcome = fetch_taxonomy(version)
        seconds = time.perf_counter() - started
    app.extensions["routeways.db"].dispose()

    assert outcome == "copied"
    assert seconds < 30
    with recommender.session_scope() as session:
        counts = occupations.counts(session)
        electrician = occupations.occupation(session, "7411.1")
        burnley = occupations.area_of(session, 53.77265, -2.267867)
        moves = occupations.transitions_from(session, "7411.1")
        lancashire = occupations.demand(session, "7411.1", burnley)
    recommender.dispose()
    assert (counts["occupations"], counts["areas"]) == (3_007, 44)
    assert counts["occupation_skills"] > 120_000
    assert electrician.title == "electrician"
    assert len(electrician.essential_skills) > 10
    assert burnley == "LANCASHIRE"
    assert {move.source for move in moves} == {"esco-skills", "onet"}
    assert lancashire.demand_index > 0
