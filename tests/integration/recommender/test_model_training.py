"""Training versions from the read model: saved with counts and metrics, served once activated,
aligned to the previous version's ids, rolled back from the command line."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from click.testing import CliRunner

from services.recommender import read_model
from services.recommender.model_store import ModelStore
from services.recommender.ranking.algorithms import RankerParams
from services.recommender.ranking.matrix import (
    ConfidenceRules,
    Interaction,
    build_confidence_matrix,
    confidence_from_columns,
)
from services.recommender.ranking.persistence import load_ranker
from services.recommender.training import (
    NothingToTrain,
    TrainingRun,
    _interaction_columns,
    train_version,
)
from shared.cli import main

NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)
SMALL = RankerParams(kind="als", factors=8, iterations=5, bm25=True, num_threads=1)


def fill(database, learners: range, courses: int = 30, seed: int = 1) -> None:
    """Learners who each took 3-8 courses, most of them from one of three clusters."""
    rng = np.random.default_rng(seed)
    with database.session_scope() as session:
        next_id = 1 + (session.query(read_model.InteractionView).count())
        for learner in learners:
            cluster = learner % 3
            taken = rng.choice(np.arange(cluster * 10, cluster * 10 + 10), rng.integers(3, 8))
            for course in {*taken.tolist(), int(rng.integers(0, courses))}:
                read_model.record_interaction(
                    session, next_id, learner, 100 + course, "enrolled", NOW - timedelta(days=3)
                )
                next_id += 1


def test_a_trained_version_is_saved_with_counts_and_metrics_and_serves(recommender_db, tmp_path):
    fill(recommender_db, range(1, 61))
    store = ModelStore(tmp_path)
    with recommender_db.session_scope() as session:
        version = train_version(session, store, TrainingRun(SMALL), now=NOW)

    assert store.current().name == version.name
    assert version.counts["learners"] == 60
    assert version.counts["positive_pairs"] > 180
    assert version.metrics["held_out_learners"] == 60
    assert 0.0 <= version.metrics["model ndcg@10"] <= 1.0
    assert "popularity ndcg@10" in version.metrics
    ranker, learners, courses = load_ranker(version.path)
    assert sorted(learners.to_list()) == list(range(1, 61))
    assert all(100 <= c < 130 for c in courses.to_list())
    assert ranker.n_courses == len(courses)


def test_a_new_version_keeps_every_earlier_learner_and_course_where_it_was(
    recommender_db, tmp_path
):
    store = ModelStore(tmp_path)
    fill(recommender_db, range(1, 31))
    with recommender_db.session_scope() as session:
        first = train_version(session, store, TrainingRun(SMALL), now=NOW)
    fill(recommender_db, range(31, 61), courses=40, seed=2)  # new learners and new courses
    with recommender_db.session_scope() as session:
        second = train_version(session, store, TrainingRun(SMALL), now=NOW)

    _, old_learners, old_courses = load_ranker(first.path)
    _, new_learners, new_courses = load_ranker(second.path)
    assert new_learners.to_list()[: len(old_learners)] == old_learners.to_list()
    assert new_courses.to_list()[: len(old_courses)] == old_courses.to_list()
    assert len(new_learners) == 60


def test_an_empty_read_model_has_nothing_to_train(recommender_db, tmp_path):
    with (
        recommender_db.session_scope() as session,
        pytest.raises(NothingToTrain, match="no positive interactions"),
    ):
        train_version(session, ModelStore(tmp_path), TrainingRun(SMALL), now=NOW)


def test_a_version_trained_without_activation_does_not_serve(recommender_db, tmp_path):
    fill(recommender_db, range(1, 31))
    store = ModelStore(tmp_path)
    with recommender_db.session_scope() as session:
        train_version(session, store, TrainingRun(SMALL, activate=False), now=NOW)
    assert store.current() is None
    assert len(store.versions()) == 1


def test_the_commands_train_list_and_roll_back_versions(recommender_db, tmp_path, monkeypatch):
    fill(recommender_db, range(1, 31))
    monkeypatch.setenv("ROUTEWAYS_RECOMMENDER_DATABASE_URL", str(recommender_db.engine.url))
    monkeypatch.setenv("ROUTEWAYS_RECOMMENDER_MODELS_DIR", str(tmp_path))
    runner = CliRunner()

    trained = [runner.invoke(main, ["recommender", "train", "--kind", "cosine"]) for _ in range(2)]
    assert [r.exit_code for r in trained] == [0, 0], trained[-1].output
    first, second = (json.loads(r.output[r.output.index("{") :]) for r in trained)
    listed = json.loads(runner.invoke(main, ["recommender", "models"]).output)
    assert [(v["name"], v["serving"]) for v in listed] == [
        (first["name"], False),
        (second["name"], True),
    ]

    rolled = runner.invoke(main, ["recommender", "rollback"])
    assert rolled.exit_code == 0, rolled.output
    assert json.loads(rolled.output)["name"] == first["name"]
    again = runner.invoke(main, ["recommender", "rollback"])
    assert again.exit_code == 1
    assert "no earlier model version" in again.output


def test_get_models_lists_the_versions_and_the_serving_one(
    recommender_db, tmp_path, redis_url, redis_client
):
    from services.recommender import create_app

    fill(recommender_db, range(1, 31))
    store = ModelStore(tmp_path)
    with recommender_db.session_scope() as session:
        first = train_version(session, store, TrainingRun(SMALL), now=NOW)
        second = train_version(session, store, TrainingRun(SMALL, activate=False), now=NOW)
    app = create_app(
        {
            "database_url": str(recommender_db.engine.url),
            "redis_url": redis_url,
            "models_dir": str(tmp_path),
        }
    )
    answer = app.test_client().get("/models")
    assert answer.status_code == 200
    assert [(v["name"], v["serving"]) for v in answer.json] == [
        (first.name, True),
        (second.name, False),
    ]
    assert answer.json[0]["counts"]["learners"] == 30
    app.extensions["routeways.db"].dispose()


def test_training_reads_the_read_model_as_the_same_matrix_the_objects_make(recommender_db):
    """Columns read with the database's epoch seconds and kind indices build the matrix the
    interactions as objects build, microseconds, negatives and all."""
    kinds = ["viewed", "saved", "enrolled", "dismissed", "completed", "not-interested"]
    rng = np.random.default_rng(3)
    made = []
    with recommender_db.session_scope() as session:
        for interaction_id in range(1, 401):
            learner, course = int(rng.integers(1, 15)), 100 + int(rng.integers(0, 12))
            kind = kinds[int(rng.integers(len(kinds)))]
            at = NOW - timedelta(days=float(rng.uniform(0, 300)), microseconds=interaction_id)
            read_model.record_interaction(session, interaction_id, learner, course, kind, at)
            made.append(Interaction(learner, course, kind, at))
    with recommender_db.session_scope() as session:
        columns = _interaction_columns(session)

    assert np.allclose(columns.timestamps, [i.occurred_at.timestamp() for i in made], atol=1e-3)
    read = confidence_from_columns(columns, ConfidenceRules(), NOW)
    objects = build_confidence_matrix(made, ConfidenceRules(), NOW)
    assert read.learners.to_list() == objects.learners.to_list()
    assert read.courses.to_list() == objects.courses.to_list()
    assert (read.confidence != objects.confidence).nnz == 0
    assert (read.exclusions != objects.exclusions).nnz == 0
