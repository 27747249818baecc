"""`recommender.routes.updated` (v2) goes out when a learner's best route to their goal moves:
a first route, a new course that makes it shorter, a withdrawn step, a turned-down step; never
for the same route twice; and an erased learner's stored route goes with them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from services.recommender import route_updates
from services.recommender.handlers import (
    on_course_withdrawn,
    on_interaction_recorded,
    on_interactions_recorded,
    on_learner_changed,
    on_learner_erased,
)
from services.recommender.models import LearnerRoute, LearnerRouteStep, OutboxEvent
from services.recommender.route_updates import audience_of_course
from services.recommender.tasks import announce_course_change, plan_routes
from shared.bus.outbox import correlation_id
from shared.events import make_event, utcnow
from tests.integration.recommender.lancashire_routes import LEARNER, fill, store


@pytest.fixture
def database(recommender_db, tmp_path, monkeypatch):
    """The Lancashire read model, and the environment handlers and tasks read."""
    monkeypatch.setenv("ROUTEWAYS_RECOMMENDER_DATABASE_URL", recommender_db.url)
    monkeypatch.setenv("ROUTEWAYS_RECOMMENDER_MODELS_DIR", str(tmp_path))
    with recommender_db.session_scope() as session:
        fill(session)
    return recommender_db


def handle(database, handler, event) -> None:
    with database.session_scope() as session:
        handler(event, session)


def learner_changed(learner_id: int, attributes: dict):
    payload = {"learner_id": learner_id, "changed_fields": sorted(attributes),
               "attributes": attributes}  # fmt: skip
    return make_event("profile.learner.updated", 1, payload, producer="profile")


def updates(database, learner_id: int = 1, correlation: bool = False) -> list:
    """The learner's route updates in the outbox, oldest first (with `correlation`: as
    (payload, correlation id) pairs)."""
    with database.session_scope() as session:
        rows = session.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.type == "recommender.routes.updated")
            .order_by(OutboxEvent.seq)
        )
        return [
            (r.payload, r.correlation_id) if correlation else r.payload
            for r in rows
            if r.payload["learner_id"] == learner_id
        ]


def turned_down(interaction_id: int, learner_id: int, course_id: int):
    payload = {"interaction_id": interaction_id, "learner_id": learner_id,
               "course_id": course_id, "kind": "not-interested", "source": "web",
               "occurred_at": utcnow().isoformat()}  # fmt: skip
    return make_event("profile.interaction.recorded", 1, payload, producer="profile")


def test_a_learner_who_sets_a_goal_gets_their_first_route_announced_once(database):
    handle(database, on_learner_changed, learner_changed(1, LEARNER))
    handle(database, on_learner_changed, learner_changed(1, {"age_band": "24+"}))
    [first] = updates(database)
    assert first["changes"] == ["new-best-route"]
    assert first["target"] == "3544"
    assert sorted(first["course_ids"]) == [1, 2]
    assert first["months_before"] is None
    with database.session_scope() as session:
        steps = session.scalars(select(LearnerRouteStep.course_id).order_by("course_id"))
        assert list(steps) == [1, 2]


def test_a_new_course_that_shortens_the_route_is_announced_with_the_months_it_saves(database):
    handle(database, on_learner_changed, learner_changed(1, LEARNER))
    with database.session_scope() as session:
        store(session, 5, title="Fast-track Data Diploma", rqf_level=3,
              qualification_type="BTEC", skills=["sql", "statistics", "python"],
              duration_weeks=6, funding="fully-funded")  # fmt: skip
    assert announce_course_change(5) >= 1
    latest = updates(database)[-1]
    assert latest["course_ids"] == [5]
    assert set(latest["changes"]) >= {"new-best-route", "shorter"}
    assert latest["months"] < latest["months_before"]
    assert latest["course_id"] == 5
    assert announce_course_change(5) == 0  # planned after the course changed: nothing to do


def test_a_withdrawn_step_moves_the_route_and_says_so(database):
    handle(database, on_learner_changed, learner_changed(1, LEARNER))
    with database.session_scope() as session:
        store(session, 6, title="Python again", rqf_level=3, qualification_type="Short course",
              skills=["python"], funding="fully-funded")  # fmt: skip
    withdrawn = make_event(
        "catalogue.course.withdrawn", 1, {"course_id": 2, "provider_id": 12}, producer="catalogue"
    )
    handle(database, on_course_withdrawn, withdrawn)
    announce_course_change(2)
    latest = updates(database)[-1]
    assert "course-withdrawn" in latest["changes"]
    assert 2 not in latest["course_ids"]


def test_turning_down_a_step_of_the_route_plans_it_again(database):
    handle(database, on_learner_changed, learner_changed(1, LEARNER))
    with database.session_scope() as session:
        store(session, 7, title="Python, evenings", rqf_level=3,
              qualification_type="Short course", skills=["python"])  # fmt: skip
    payload = {"interaction_id": 1, "learner_id": 1, "course_id": 2, "kind": "not-interested",
               "source": "web", "occurred_at": utcnow().isoformat()}  # fmt: skip
    handle(database, on_interaction_recorded,
           make_event("profile.interaction.recorded", 1, payload, producer="profile"))  # fmt: skip
    latest = updates(database)[-1]
    assert 2 not in latest["course_ids"]
    assert 7 in latest["course_ids"]


def test_a_run_of_interactions_plans_a_route_once_with_every_step_turned_down_in_it(database):
    handle(database, on_learner_changed, learner_changed(1, LEARNER))
    with database.session_scope() as session:
        store(session, 7, title="Python, evenings", rqf_level=3,
              qualification_type="Short course", skills=["python"])  # fmt: skip
    before = len(updates(database))
    run = [
        make_event("profile.interaction.recorded", 1,
                   {"interaction_id": n, "learner_id": 1, "course_id": course, "kind": kind,
                    "source": "web", "occurred_at": utcnow().isoformat()},
                   producer="profile")
        for n, (course, kind) in enumerate([(2, "not-interested"), (7, "viewed"),
                                            (7, "dismissed")], start=1)
    ]  # fmt: skip
    with database.session_scope() as session:
        on_interactions_recorded(run, session)
    after = updates(database)
    assert len(after) == before + 1
    assert not {2, 7} & set(after[-1]["course_ids"])


def test_each_route_update_of_a_run_carries_the_correlation_id_of_its_own_learners_event(
    database,
):
    handle(database, on_learner_changed, learner_changed(1, LEARNER))
    handle(database, on_learner_changed, learner_changed(2, LEARNER))
    run = [turned_down(1, 1, 2), turned_down(2, 2, 2)]
    with database.session_scope() as session:
        token = correlation_id.set(run[0].correlation_id)  # as the consumer applies a run
        try:
            on_interactions_recorded(run, session)
        finally:
            correlation_id.reset(token)
    assert updates(database, 1, correlation=True)[-1][1] == run[0].correlation_id
    assert updates(database, 2, correlation=True)[-1][1] == run[1].correlation_id


def test_more_routes_than_a_transaction_plans_itself_are_planned_by_the_task(database, monkeypatch):
    monkeypatch.setattr(route_updates, "INLINE_ROUTES", 1)
    with database.session_scope() as session:
        on_learner_changed(learner_changed(1, LEARNER), session)
        on_learner_changed(learner_changed(2, LEARNER), session)
    assert updates(database, 1) == updates(database, 2) == []  # sent to the task instead

    assert plan_routes([1, 2]) == 2  # what the worker runs

    assert len(updates(database, 1)) == len(updates(database, 2)) == 1


def test_only_learners_a_course_could_serve_or_is_used_by_are_planned_again(database):
    handle(database, on_learner_changed, learner_changed(1, LEARNER))
    other = {**LEARNER, "goals": {**LEARNER["goals"], "occupations": ["2134"]}}
    handle(database, on_learner_changed, learner_changed(2, other))
    with database.session_scope() as session:
        store(session, 8, title="Customer care", rqf_level=1, skills=["customer service"])
        store(session, 9, title="Statistics evening class", rqf_level=2, skills=["statistics"])
        assert audience_of_course(session, 8) == []
        assert audience_of_course(session, 9) == [1]


def test_erasure_drops_the_stored_route(database):
    handle(database, on_learner_changed, learner_changed(1, LEARNER))
    erased = make_event("profile.learner.erased", 1, {"learner_id": 1}, producer="profile")
    handle(database, on_learner_erased, erased)
    with database.session_scope() as session:
        assert session.get(LearnerRoute, 1) is None
        assert session.scalar(select(LearnerRouteStep).limit(1)) is None
    assert updates(database) == []
