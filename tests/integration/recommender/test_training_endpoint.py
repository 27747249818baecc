"""POST /models/train and GET /tasks/{id}: an admin starts training on a real Celery worker
(real Redis broker and result backend), polls the task until it settles, and the new version
is listed and serves; outsiders, bad bodies and ids this service never issued are refused."""

from __future__ import annotations

import json
import time
import uuid
from datetime import date, timedelta

import pytest
from celery.contrib.testing.worker import start_worker

from services.recommender import read_model
from services.recommender.model_store import ModelStore
from services.recommender.models import CourseView, DistrictCentroid
from services.recommender.ranking.algorithms import RankerParams
from services.recommender.resources.tasks.tracking import ISSUED_KEY
from services.recommender.training import TrainingRun, train_version
from shared.events import utcnow
from shared.tasks import celery
from tests.integration.web.conftest import ADMIN, ADMIN_TOKEN, make_app

PRESTON = (53.7632, -2.7031)
SOON = (date.today() + timedelta(days=30)).isoformat()
ATTRIBUTES = {
    "rqf_level": 2,
    "postcode_district": "PR1",
    "age_band": "24+",
    "constraints": {"max_travel_km": 25, "hours_per_week": 12, "budget_pence": 50_000},
}
#: Long enough for a loaded CI machine; the loop returns as soon as the task settles.
SETTLE_DEADLINE_SECONDS = 240
#: A task id no one issued; a constant, so every pytest-xdist worker collects the same test ids.
NEVER_ISSUED = "6f1c2a9e-3b4d-4e8f-9a7b-5c0d1e2f3a4b"
SMALL = RankerParams(kind="als", factors=8, iterations=5, num_threads=1)


def seed(database, learners: int = 40) -> None:
    """Twelve courses a level-2 learner in Preston can take, over three providers, and
    `learners` learners who each enrolled on three of them."""
    with database.session_scope() as session:
        session.add(DistrictCentroid(district="PR1", latitude=PRESTON[0], longitude=PRESTON[1]))
        for course_id in range(1, 13):
            session.add(
                CourseView(
                    course_id=course_id, provider_id=1 + course_id % 3, status="published",
                    title=f"Course {course_id}", rqf_level=2, route_kind="technical",
                    delivery_mode="classroom", latitude=PRESTON[0] + 0.01,
                    longitude=PRESTON[1], start_dates=[SOON], hours_per_week=6.0,
                    cost_pence=0, funding="fully-funded", fetched_at=utcnow(),
                )
            )  # fmt: skip
        interaction_id = 1
        for learner in range(1, learners + 1):
            read_model.record_learner(session, learner, ATTRIBUTES)
            for course_id in {1 + learner % 12, 1 + (learner * 5) % 12, 1 + (learner * 7) % 12}:
                read_model.record_interaction(
                    session, interaction_id, learner, course_id, "enrolled",
                    utcnow() - timedelta(days=9),
                )  # fmt: skip
                interaction_id += 1


@pytest.fixture
def recommender(recommender_db, tmp_path, redis_url, redis_client, monkeypatch):
    """The recommender app with the admin token set, and the environment its worker reads
    (the same database and models folder)."""
    models_dir = tmp_path / "models"
    monkeypatch.setenv("ROUTEWAYS_RECOMMENDER_DATABASE_URL", recommender_db.url)
    monkeypatch.setenv("ROUTEWAYS_RECOMMENDER_MODELS_DIR", str(models_dir))
    app = make_app(
        "recommender",
        recommender_db.url,
        redis_url,
        models_dir=str(models_dir),
        admin_token=ADMIN_TOKEN,
    )
    yield app.test_client()
    app.extensions["routeways.db"].dispose()


@pytest.fixture
def worker(recommender):
    """A real Celery worker (solo pool, in this process) on the session's Redis."""
    with start_worker(celery, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        yield


def start_training(client, body: dict | None = None) -> str:
    """POST /models/train as the admin; the status URL it answers."""
    answer = client.post("/models/train", json=body, headers=ADMIN)
    assert answer.status_code == 202, answer.json
    assert answer.headers["Location"] == answer.json["status_url"]
    assert answer.json["status_url"] == f"/tasks/{answer.json['task_id']}"
    return answer.json["status_url"]


def settled(client, status_url: str) -> tuple[dict, set[str]]:
    """Poll the task until it succeeds or fails; its last answer, and every state seen."""
    deadline = time.monotonic() + SETTLE_DEADLINE_SECONDS
    seen: set[str] = set()
    while True:
        answer = client.get(status_url, headers=ADMIN)
        assert answer.status_code == 200, answer.json
        seen.add(answer.json["state"])
        if answer.json["state"] in {"succeeded", "failed"}:
            return answer.json, seen
        assert time.monotonic() < deadline, f"the task never settled: {answer.json}"
        time.sleep(0.1)


def stored_states(pubsub) -> list[tuple[str, str | None]]:
    """(state, stage) of every state the worker stored, in order, from the backend's
    announcements."""
    states = []
    while (message := pubsub.get_message(timeout=1.0)) is not None:
        if message["type"] == "pmessage":
            meta = json.loads(message["data"])
            stage = meta["result"].get("stage") if meta["status"] == "PROGRESS" else None
            states.append((meta["status"], stage))
    return states


@pytest.mark.slow
def test_an_admin_trains_a_version_in_the_background_and_it_serves(
    recommender, recommender_db, worker, redis_client
):
    seed(recommender_db)
    stored = redis_client.pubsub()  # the result backend announces every state it stores
    stored.psubscribe("celery-task-meta-*")
    status_url = start_training(recommender)  # no body: the default algorithm, activated

    status, seen = settled(recommender, status_url)

    assert status["state"] == "succeeded", status
    assert seen <= {"queued", "running", "succeeded"}
    assert status["error"] is None
    assert status["progress"] is None
    assert status["result"]["outcome"] == "trained"
    assert status["result"]["activated"] is True
    version = status["result"]["version"]
    listed = recommender.get("/models").json
    assert [(v["name"], v["algorithm"], v["serving"]) for v in listed] == [(version, "als", True)]
    assert listed[0]["counts"]["learners"] == 40
    answer = recommender.get("/learners/5/recommendations?n=4")
    assert answer.status_code == 200, answer.json
    assert answer.json["model_version"] == version
    assert answer.json["items"]
    assert stored_states(stored) == [
        ("STARTED", None),
        *[("PROGRESS", stage) for stage in ("reading", "fitting", "measuring", "saving")],
        ("SUCCESS", None),
    ]


@pytest.mark.slow
def test_a_version_trained_without_activation_is_listed_but_does_not_serve(
    recommender, recommender_db, worker
):
    seed(recommender_db)

    status, _ = settled(
        recommender, start_training(recommender, {"kind": "popularity", "activate": False})
    )

    assert status["state"] == "succeeded", status
    assert status["result"]["activated"] is False
    listed = recommender.get("/models").json
    assert [(v["name"], v["algorithm"], v["serving"]) for v in listed] == [
        (status["result"]["version"], "popularity", False)
    ]
    assert recommender.get("/learners/5/recommendations").json["model_version"] is None


@pytest.mark.slow
def test_training_an_empty_read_model_succeeds_saying_there_was_nothing_to_train(
    recommender, worker
):
    status, _ = settled(recommender, start_training(recommender, {}))

    assert status["state"] == "succeeded", status
    assert status["result"]["outcome"] == "nothing-to-train"
    assert "no positive interactions" in status["result"]["reason"]
    assert recommender.get("/models").json == []


@pytest.mark.slow
def test_a_training_that_breaks_reports_failed_with_its_error(
    recommender, worker, tmp_path, monkeypatch
):
    # The worker reads a database with no recommender tables: the read fails.
    monkeypatch.setenv("ROUTEWAYS_RECOMMENDER_DATABASE_URL", f"sqlite:///{tmp_path / 'no.db'}")

    status, _ = settled(recommender, start_training(recommender))

    assert status["state"] == "failed"
    assert status["result"] is None
    assert status["error"].startswith("OperationalError")
    assert "no such table" in status["error"]


def test_a_running_task_shows_the_stage_it_reported(recommender, redis_client):
    task_id = str(uuid.uuid4())
    redis_client.set(ISSUED_KEY.format(task_id=task_id), "recommender.train")
    celery.backend.store_result(task_id, {"stage": "fitting"}, "PROGRESS")

    answer = recommender.get(f"/tasks/{task_id}", headers=ADMIN)

    assert answer.status_code == 200
    assert answer.json == {
        "task_id": task_id,
        "state": "running",
        "result": None,
        "error": None,
        "progress": {"stage": "fitting"},
    }


def test_a_task_sent_but_not_yet_picked_up_is_queued(recommender, redis_client):
    status_url = start_training(recommender)  # no worker runs in this test

    answer = recommender.get(status_url, headers=ADMIN)

    assert answer.status_code == 200
    assert answer.json["state"] == "queued"
    assert answer.json["result"] is None
    assert redis_client.llen("celery") == 1
    ttl = redis_client.ttl(ISSUED_KEY.format(task_id=answer.json["task_id"]))
    assert 0 < ttl <= 7 * 24 * 3600


@pytest.mark.parametrize(
    ("method", "path"), [("post", "/models/train"), ("get", f"/tasks/{NEVER_ISSUED}")]
)
def test_without_the_admin_token_the_training_endpoints_refuse(
    recommender, redis_client, method, path
):
    send = getattr(recommender, method)

    missing = send(path)
    wrong = send(path, headers={"Authorization": "Bearer not-the-admin-token"})

    assert missing.status_code == 401
    assert missing.mimetype == "application/problem+json"
    assert wrong.status_code == 403
    assert wrong.mimetype == "application/problem+json"
    assert redis_client.llen("celery") == 0  # nothing was sent


def test_a_recommender_without_an_admin_token_has_no_training_endpoints(
    recommender_db, redis_url, redis_client, tmp_path
):
    app = make_app("recommender", recommender_db.url, redis_url, models_dir=str(tmp_path))
    client = app.test_client()

    assert client.post("/models/train", headers=ADMIN).status_code == 404
    assert client.get(f"/tasks/{uuid.uuid4()}", headers=ADMIN).status_code == 404
    assert redis_client.llen("celery") == 0
    app.extensions["routeways.db"].dispose()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "deep-learning"}, "kind"),
        ({"kind": 3}, "kind"),
        ({"activate": "maybe"}, "activate"),
        ({"kind": "als", "factors": 8}, "factors"),  # unknown fields are refused, not ignored
    ],
)
def test_a_bad_training_body_is_a_422_naming_the_field(recommender, redis_client, body, field):
    answer = recommender.post("/models/train", json=body, headers=ADMIN)

    assert answer.status_code == 422
    assert answer.mimetype == "application/problem+json"
    assert [error["field"] for error in answer.json["errors"]] == [field]
    assert redis_client.llen("celery") == 0


def test_an_unknown_kind_names_the_kinds_there_are(recommender):
    answer = recommender.post("/models/train", json={"kind": "deep-learning"}, headers=ADMIN)

    [error] = answer.json["errors"]
    assert error["location"] == "json"
    assert "als" in error["reason"]
    assert "popularity" in error["reason"]


@pytest.mark.parametrize("task_id", [NEVER_ISSUED, "not-a-task-id", "1" * 300, "%00"])
def test_an_id_this_service_never_issued_is_a_404_problem(recommender, task_id):
    answer = recommender.get(f"/tasks/{task_id}", headers=ADMIN)

    assert answer.status_code == 404
    assert answer.mimetype == "application/problem+json"


def test_a_task_celery_knows_but_this_service_did_not_send_is_a_404(recommender):
    task_id = str(uuid.uuid4())  # e.g. the nightly training beat sent, or another service's
    celery.backend.store_result(task_id, {"outcome": "trained"}, "SUCCESS")

    assert recommender.get(f"/tasks/{task_id}", headers=ADMIN).status_code == 404


def test_a_fresh_system_sends_its_first_training_once_there_are_interactions(
    recommender, recommender_db, redis_client, tmp_path
):
    from services.recommender.tasks import train_first

    assert train_first() == "nothing-to-train"
    seed(recommender_db)
    assert train_first() == "sent"
    assert [json.loads(m)["headers"]["task"] for m in redis_client.lrange("celery", 0, -1)] == [
        "recommender.train"
    ]
    redis_client.delete("celery")
    with recommender_db.session_scope() as session:
        train_version(session, ModelStore(tmp_path / "models"), TrainingRun(SMALL))
    assert train_first() == "serving"
    assert redis_client.llen("celery") == 0
