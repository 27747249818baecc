"""`recommender.recommendations.updated` goes out when a learner's top courses move (their
interaction, their profile, a course published or withdrawn, a retrain) and never when they
stay; erasing a learner removes them from the read model, the announcements and every saved
version's factors."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import select

from services.recommender import read_model
from services.recommender.handlers import (
    on_course_withdrawn,
    on_interaction_recorded,
    on_learner_changed,
    on_learner_erased,
)
from services.recommender.models import LearnerTopCourses, OutboxEvent
from services.recommender.ranking.persistence import USER_FACTORS, load_ranker
from services.recommender.serving import recommender_for
from services.recommender.tasks import announce_course_change, announce_retrained
from services.recommender.top_courses import audience_of_course_change, compute, record
from services.recommender.training import TrainingRun, train_version
from shared.events import make_event, utcnow
from tests.integration.recommender.two_sectors import (
    CARE,
    DIGITAL,
    LEARNER,
    SMALL,
    fill_and_train,
    publish,
)


@pytest.fixture
def trained(recommender_db, tmp_path, monkeypatch):
    """The two-sector read model, a serving version, and the environment handlers and tasks
    read (this database, this models folder)."""
    monkeypatch.setenv("ROUTEWAYS_RECOMMENDER_DATABASE_URL", recommender_db.url)
    monkeypatch.setenv("ROUTEWAYS_RECOMMENDER_MODELS_DIR", str(tmp_path))
    return recommender_db, fill_and_train(recommender_db, tmp_path)


def handle(database, handler, event) -> None:
    with database.session_scope() as session:
        handler(event, session)


def announced(database, learner_id: int | None = None) -> list[dict]:
    """Payloads of the recommendations.updated events in the outbox, oldest first."""
    with database.session_scope() as session:
        rows = session.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.type == "recommender.recommendations.updated")
            .order_by(OutboxEvent.seq)
        )
        payloads = [row.payload for row in rows]
    return [p for p in payloads if learner_id is None or p["learner_id"] == learner_id]


def interaction(interaction_id: int, learner_id: int, course_id: int, kind: str = "completed"):
    payload = {
        "interaction_id": interaction_id, "learner_id": learner_id, "course_id": course_id,
        "kind": kind, "source": "web", "occurred_at": utcnow().isoformat(),
    }  # fmt: skip
    return make_event("profile.interaction.recorded", 1, payload, producer="profile")


def learner_changed(learner_id: int, attributes: dict, kind: str = "updated"):
    payload = {"learner_id": learner_id, "changed_fields": sorted(attributes),
               "attributes": attributes}  # fmt: skip
    return make_event(f"profile.learner.{kind}", 1, payload, producer="profile")


def top(database, learner_id: int) -> list[int]:
    with database.session_scope() as session:
        return list(session.get(LearnerTopCourses, learner_id).course_ids)


def test_an_interaction_that_moves_the_top_is_announced_once_and_a_repeat_is_not(trained):
    database, _ = trained
    handle(database, on_interaction_recorded, interaction(5_000, 3, 4, "viewed"))
    first = announced(database, 3)
    assert [p["reason"] for p in first] == ["interaction"]  # the first top announced
    assert first[0]["model_version"]
    shown = first[0]["top_course_ids"]
    assert len(shown) == 10

    handle(database, on_interaction_recorded, interaction(5_000, 3, 4, "viewed"))  # redelivered
    assert len(announced(database, 3)) == 1

    handle(database, on_interaction_recorded, interaction(5_001, 3, shown[0]))  # completed
    moved = announced(database, 3)[-1]
    assert moved["reason"] == "interaction"
    assert shown[0] not in moved["top_course_ids"]
    assert top(database, 3) == moved["top_course_ids"]


def test_a_profile_change_is_announced_only_when_it_moves_the_top(trained):
    database, _ = trained
    handle(database, on_learner_changed, learner_changed(500, LEARNER, "registered"))
    assert [p["reason"] for p in announced(database, 500)] == ["profile-changed"]
    handle(database, on_learner_changed, learner_changed(500, {"employment_status": "employed"}))
    assert len(announced(database, 500)) == 1  # same top: nothing to say

    goals = {"occupations": ["6145"], "sectors": [], "not_sure": False}
    handle(database, on_learner_changed, learner_changed(500, {"goals": goals}))
    moved = announced(database, 500)
    assert len(moved) == 2
    assert all(c > 10 for c in moved[-1]["top_course_ids"][:5])  # care first: the goal


def test_a_withdrawn_course_is_announced_to_the_learners_showing_it_only(trained):
    database, _ = trained
    for learner in (1, 2, 60):
        handle(
            database, on_interaction_recorded, interaction(6_000 + learner, learner, 1, "viewed")
        )
    withdrawn = top(database, 1)[0]
    showing = [lid for lid in (1, 2, 60) if withdrawn in top(database, lid)]
    before = {lid: len(announced(database, lid)) for lid in (1, 2, 60)}

    withdrawal = make_event("catalogue.course.withdrawn", 1,
                            {"course_id": withdrawn, "provider_id": 1 + withdrawn % 5},
                            producer="catalogue")  # fmt: skip
    handle(database, on_course_withdrawn, withdrawal)
    assert announce_course_change(withdrawn) == len(showing)

    for lid in (1, 2, 60):
        events = announced(database, lid)
        if lid in showing:
            assert events[-1]["reason"] == "course-changed"
            assert withdrawn not in events[-1]["top_course_ids"]
        else:
            assert len(events) == before[lid]
    assert announce_course_change(withdrawn) == 0  # a rerun: nothing moved since


def test_a_new_course_reaches_learners_tops_without_a_retrain(trained):
    database, _ = trained
    for learner in (1, 2, 3):
        handle(
            database, on_interaction_recorded, interaction(7_000 + learner, learner, 2, "viewed")
        )
    with database.session_scope() as session:
        publish(session, 99, 7, DIGITAL)
        publish(session, 98, 8, CARE)
    assert announce_course_change(99) >= 1
    reached = [lid for lid in (1, 2, 3) if 99 in announced(database, lid)[-1]["top_course_ids"]]
    assert reached


def test_a_retrain_announces_only_the_learners_whose_top_moved(trained):
    database, store = trained
    for learner in (1, 45):
        handle(
            database, on_interaction_recorded, interaction(8_000 + learner, learner, 5, "viewed")
        )
    before = len(announced(database))
    assert announce_retrained() == 0  # same version: nothing moved
    with database.session_scope() as session:
        for n, course_id in enumerate(range(11, 17)):  # learner 1 turns to care
            read_model.record_interaction(session, 9_000 + n, 1, course_id, "completed", utcnow())
        train_version(session, store, TrainingRun(SMALL.with_changes(factors=8)))
    published = announce_retrained()
    assert published >= 1
    assert len(announced(database)) == before + published
    assert {p["reason"] for p in announced(database)[before:]} == {"retrained"}


def test_erasure_removes_the_learner_from_the_read_model_the_announcements_and_the_factors(
    trained,
):
    database, store = trained
    handle(database, on_interaction_recorded, interaction(9_500, 7, 3, "viewed"))
    assert announced(database, 7)
    versions = store.versions()
    _, learners, _ = load_ranker(versions[-1].path)
    row = learners.index(7)
    assert np.load(versions[-1].path / USER_FACTORS)[row].any()

    erased = make_event("profile.learner.erased", 1, {"learner_id": 7}, producer="profile")
    handle(database, on_learner_erased, erased)

    for version in versions:
        factors = np.load(version.path / USER_FACTORS)
        assert not factors[row].any()
        assert factors[learners.index(8)].any()  # the others are untouched
    assert announced(database, 7) == []
    with database.session_scope() as session:
        assert session.get(LearnerTopCourses, 7) is None
        assert read_model.counts(session)["interactions"] == 80 * 3 - 3  # less learner 7's


def test_a_catalogue_sync_is_announced_to_everyone_once_not_once_per_course(trained):
    database, _ = trained
    handle(database, on_interaction_recorded, interaction(9_700, 1, 2, "viewed"))
    with database.session_scope() as session:
        for course_id in (97, 98, 99):
            publish(session, course_id, 7, DIGITAL)
    announce_course_change(99)
    with database.read_scope() as session:
        assert audience_of_course_change(session, 97) == ([], None)  # covered by the first
    with database.session_scope() as session:
        publish(session, 96, 7, CARE)
    with database.read_scope() as session:
        learners, stamp = audience_of_course_change(session, 96)
    assert learners == [1]
    assert stamp is not None


def test_a_learner_erased_while_their_top_was_computed_is_never_announced(trained, tmp_path):
    database, _ = trained
    recommender = recommender_for(tmp_path)
    with database.read_scope() as session:
        top = compute(session, recommender, 9, utcnow(), 365)
    with database.session_scope() as session:
        read_model.forget_learner(session, 9)
    with database.session_scope() as session:
        assert record(session, top, "retrained", utcnow()) is False
    assert announced(database, 9) == []
