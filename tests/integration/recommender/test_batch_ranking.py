"""The batch path (`batch_ranking`, `top_courses.compute_many`) answers every learner exactly as
the one-learner path (`serving.recommend`, `top_courses.compute`) does: the same courses in
the same order, the same scores, components and reasons, for learners in different districts
(one not located), at different levels, with budgets, modes, hours and travel limits, cold
learners with and without history, learners who did something since training, and after
courses were withdrawn and published since training."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import numpy as np
import pytest
from sqlalchemy import select

from services.recommender import read_model
from services.recommender.batch_ranking import FeasibleByLimits, read_learners, recommend_many
from services.recommender.feasibility import check_course, feasible
from services.recommender.model_store import ModelStore
from services.recommender.models import LearnerTopCourses, OutboxEvent
from services.recommender.serving import Learner, Recommender, Request, _limits, recommend
from services.recommender.top_courses import Top, compute, compute_many, record, record_many
from services.recommender.training import TrainingRun, train_version
from shared.events import utcnow
from tests.integration.recommender.two_sectors import SMALL

DISTRICTS = {"PR1": (53.76, -2.70), "BB1": (53.75, -2.48), "LA1": (54.05, -2.80)}
SECTORS = ("Digital", "Health and care", "Construction", "Finance")
MODES = ("classroom", "online", "blended", "workplace")
FUNDINGS = ("fee", "fully-funded", "loan-eligible", "employer-funded", "free-16-19")
HORIZON = 365


def course(rng: np.random.Generator, course_id: int) -> dict:
    sector = SECTORS[course_id % len(SECTORS)]
    mode = MODES[int(rng.integers(len(MODES)))]
    campus = mode != "online" and rng.random() < 0.8
    lat, lon = DISTRICTS[list(DISTRICTS)[int(rng.integers(3))]]
    starts = [(date.today() + timedelta(days=int(d))).isoformat()
              for d in rng.integers(5, 500, int(rng.integers(0, 3)))]  # fmt: skip
    return {
        "course_id": course_id, "provider_id": 1 + int(rng.integers(12)), "status": "published",
        "title": f"Course {course_id}", "qualification_type": "Certificate",
        "rqf_level": int(rng.integers(0, 7)), "route_kind": ("technical", "academic", "both")[
            course_id % 3], "entry_requirements": {"min_level": 2} if rng.random() < 0.1 else {},
        "delivery_mode": mode, "national": bool(rng.random() < 0.05),
        "latitude": lat + float(rng.normal(0, 0.2)) if campus else None,
        "longitude": lon + float(rng.normal(0, 0.2)) if campus else None,
        "start_dates": starts, "duration_weeks": 10,
        "hours_per_week": float(rng.choice([4, 8, 16, 30])),
        "cost_pence": int(rng.choice([0, 30_000, 120_000, 400_000])),
        "funding": FUNDINGS[int(rng.integers(len(FUNDINGS)))], "catalogue_version": 1,
        "catalogue_updated_at": utcnow(), "sector": sector,
        "skills": [f"{sector[:4]}-{k}" for k in rng.choice(8, 2, replace=False)],
        "occupations": [f"{1000 + course_id % 7}"],
    }  # fmt: skip


def learner(rng: np.random.Generator) -> dict:
    constraints: dict = {}
    if rng.random() < 0.6:
        constraints["max_travel_km"] = int(rng.choice([5, 15, 40]))
    if rng.random() < 0.3:
        constraints["delivery_modes"] = ["online"] if rng.random() < 0.4 else ["classroom"]
    if rng.random() < 0.3:
        constraints["hours_per_week"] = int(rng.choice([6, 16]))
    if rng.random() < 0.4:
        constraints["budget_pence"] = int(rng.choice([0, 50_000, 200_000]))
    if rng.random() < 0.2:
        constraints["earliest_start"] = (date.today() + timedelta(days=200)).isoformat()
    sector = SECTORS[int(rng.integers(len(SECTORS)))]
    return {
        "rqf_level": int(rng.integers(0, 6)),
        "age_band": str(rng.choice(["16-18", "19-23", "24+"])),
        "postcode_district": str(rng.choice([*DISTRICTS, "ZZ9"])),  # ZZ9: not located
        "occupation_code": f"{1000 + int(rng.integers(7))}" if rng.random() < 0.7 else None,
        "goals": {"occupations": [f"{1000 + int(rng.integers(7))}"], "sectors": [sector]},
        "constraints": constraints,
    }


def publish(session, facts: dict) -> None:
    read_model.record_course_published(
        session, facts["course_id"], facts["provider_id"], ["title"], utcnow()
    )
    read_model.store_course_facts(session, facts, utcnow())


KINDS = ("viewed", "saved", "enrolled", "completed", "dismissed", "not-interested")


def interactions(session, rng, learner_id: int, first_id: int, count: int, courses: int) -> int:
    for step in range(count):
        kind = KINDS[int(rng.integers(len(KINDS)))]
        at = utcnow() - timedelta(days=int(rng.integers(1, 300)))
        course_id = 1 + int(rng.integers(courses))
        read_model.record_interaction(session, first_id + step, learner_id, course_id, kind, at)
    return first_id + count


@pytest.fixture
def varied(recommender_db, tmp_path):
    """300 courses over 12 providers and 160 trained learners; after training: 40 learners
    with something new, 30 cold learners (half with a history), 15 courses withdrawn and 20
    published. Returns the database, a `Recommender` and every learner id (plus one unknown).
    """
    rng = np.random.default_rng(11)
    with recommender_db.session_scope() as session:
        for district, centroid in DISTRICTS.items():
            read_model.record_district_centroid(session, district, centroid)
        read_model.record_district_centroid(session, "ZZ9", None)
        for course_id in range(1, 301):
            publish(session, course(rng, course_id))
        next_id = 1
        for learner_id in range(1, 161):
            read_model.record_learner(session, learner_id, learner(rng))
            next_id = interactions(session, rng, learner_id, next_id, 6, 300)
    store = ModelStore(tmp_path)
    with recommender_db.session_scope() as session:
        train_version(session, store, TrainingRun(SMALL))
    with recommender_db.session_scope() as session:
        for learner_id in range(1, 41):
            next_id = interactions(session, rng, learner_id, next_id, 2, 300)
        for learner_id in range(161, 191):
            read_model.record_learner(session, learner_id, learner(rng))
            if learner_id % 2:
                next_id = interactions(session, rng, learner_id, next_id, 3, 300)
        for course_id in rng.choice(np.arange(1, 301), 15, replace=False).tolist():
            read_model.record_course_withdrawn(session, course_id, 1, utcnow())
        for course_id in range(301, 321):
            publish(session, course(rng, course_id))
    return recommender_db, Recommender(store), [*range(1, 191), 999]


ASKS = (
    Request(n=10),
    Request(n=5, route_kind="academic"),
    Request(n=10, max_km=10.0),
    Request(n=8, mode="online"),
)


@pytest.mark.parametrize("ask", ASKS, ids=lambda a: f"{a.n}-{a.route_kind}-{a.max_km}-{a.mode}")
def test_batch_answers_every_learner_exactly_as_one_at_a_time(varied, ask):
    database, recommender, learner_ids = varied
    now = utcnow()
    with database.read_scope() as session:
        snapshot = recommender.snapshot(session)
        batch = recommend_many(session, snapshot, learner_ids, ask, now.date(), HORIZON, now)
        single = {
            learner_id: recommend(session, snapshot, learner_id, ask, now.date(), HORIZON, now)
            for learner_id in learner_ids
            if learner_id != 999
        }
    assert 999 not in batch
    assert batch == single  # course ids, order, scores, components, distances, costs, reasons
    answered = [s for suggestions in batch.values() for s in suggestions]
    assert len(answered) > 2 * len(batch)  # the comparison is not between empty lists
    for suggestions in batch.values():  # two per provider, then only the held-back fill
        taken: Counter[int] = Counter()
        filling = False
        for suggestion in suggestions:
            if taken[suggestion.provider_id] >= 2:
                filling = True
            else:
                assert not filling
            taken[suggestion.provider_id] += 1


def test_batch_tops_are_the_one_learner_tops(varied):
    database, recommender, learner_ids = varied
    now = utcnow()
    with database.read_scope() as session:
        many = compute_many(session, recommender, learner_ids, now, HORIZON)
        one = [compute(session, recommender, lid, now, HORIZON) for lid in learner_ids]
    assert many == one
    assert many[-1] is None  # never registered
    assert sum(bool(top.course_ids) for top in many if top is not None) > 150


def test_shared_filters_hold_every_hard_filter_course_by_course(varied):
    database, recommender, learner_ids = varied
    today = date.today()
    with database.read_scope() as session:
        snapshot = recommender.snapshot(session)
        table = snapshot.index.table
        verdicts = FeasibleByLimits(table, today, HORIZON)
        facts = {f.course_id: f for f in read_model.feasibility_facts(session)}
        for learner_id, one in read_learners(session, learner_ids).items():
            assert one == Learner.read(session, learner_id)
            limits = _limits(session, one, Request())
            shared = verdicts(limits)
            alone = feasible(table, limits, today, HORIZON)
            assert np.array_equal(shared.mask, alone.mask)
            for row, course_id in enumerate(table.ids.tolist()):
                assert shared.mask[row] == check_course(limits, facts[course_id], today).eligible


def test_recording_many_stores_and_publishes_as_recording_one_at_a_time(varied):
    database, recommender, learner_ids = varied
    now = utcnow()
    with database.read_scope() as session:
        tops = [t for t in compute_many(session, recommender, learner_ids, now, HORIZON) if t]
    with database.session_scope() as session:
        assert record(session, tops[0], "retrained", now)  # announced before: unchanged now
        read_model.forget_learner(session, tops[1].learner_id)  # erased since computed
    moved = Top(tops[2].learner_id, tops[2].course_ids[::-1], tops[2].model_version)
    with database.session_scope() as session:
        published = record_many(session, [*tops, moved], "retrained", now)
    assert published == len(tops) - 2 + 1  # not the unchanged, not the erased; the move
    with database.read_scope() as session:
        stored = {
            row.learner_id: row.course_ids for row in session.scalars(select(LearnerTopCourses))
        }
        events = [
            row.payload for row in session.scalars(select(OutboxEvent).order_by(OutboxEvent.seq))
        ]
    expected = {t.learner_id: t.course_ids for t in tops if t.learner_id != tops[1].learner_id}
    assert stored == {**expected, moved.learner_id: moved.course_ids}
    assert [e["learner_id"] for e in events] == [
        tops[0].learner_id,
        *[t.learner_id for t in tops[2:]],
        moved.learner_id,
    ]
    with database.session_scope() as session:
        assert record_many(session, tops[2:], "retrained", now) == 1  # only the moved one back
