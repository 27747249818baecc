"""GET /learners/{id}/routes and the career-change endpoints over a real read model: a small
catalogue, the taxonomy copy, a learner in Preston."""

from __future__ import annotations

import pytest

from services.recommender import read_model
from shared.events import utcnow
from tests.integration.recommender.lancashire_routes import LEARNER, fill, store
from tests.integration.recommender.two_sectors import serving_app


@pytest.fixture
def served(recommender_db, tmp_path, redis_url):
    with recommender_db.session_scope() as session:
        fill(session)
        read_model.record_learner(session, 1, LEARNER)
        read_model.record_learner(session, 2, {"rqf_level": 2, "age_band": "24+"})
    with serving_app(recommender_db, tmp_path / "models", redis_url) as app:
        yield app.test_client()


def test_routes_lead_to_the_learners_goal_with_steps_totals_components_and_reasons(served):
    body = served.get("/learners/1/routes").get_json()
    assert body["target"]["code"] == "3544"
    assert body["target"]["area"] == "LANCASHIRE"
    best = body["routes"][0]
    assert {s["course_id"] for s in best["steps"]} == {1, 2}
    assert best["totals"]["skills_after"] == 3
    assert best["totals"]["missing_skills"] == []
    assert set(best["components"]) == {"skills", "time", "cost", "travel", "collaborative",
                                       "demand"}  # fmt: skip
    diploma = next(s for s in best["steps"] if s["course_id"] == 1)
    assert diploma["pays_pence"] == 0  # the first full level 3 of an adult without one
    assert diploma["funding"] == "fully funded: your first full level 3"
    assert all(step["reasons"] for step in best["steps"])
    assert best["summary"].startswith("2 courses to Data analysts in ")
    assert body["weights"]["skills"] == pytest.approx(0.35)


def test_a_target_no_course_can_reach_answers_no_route_and_names_the_missing_skill(served):
    body = served.get("/learners/1/routes?target=2134").get_json()
    assert body["routes"] == []
    assert "quantum compilers" in body["reason"]


def test_a_withdrawn_course_leaves_every_route_at_once(served, recommender_db):
    with recommender_db.session_scope() as session:
        read_model.record_course_withdrawn(session, 2, 12, utcnow())
    body = served.get("/learners/1/routes").get_json()
    assert all(s["course_id"] != 2 for r in body["routes"] for s in r["steps"])


@pytest.mark.parametrize(
    ("url", "status", "location", "field"),
    [
        ("/learners/99/routes", 404, "path", "learner_id"),
        ("/learners/1/routes?target=0000", 404, "query", "target"),
        ("/learners/2/routes", 422, "query", "target"),
        ("/learners/1/routes?max=9", 422, "query", "max"),
        ("/learners/2/transitions", 422, "learner", "occupation_code"),
        ("/occupations/0000/transitions", 404, "path", "code"),
        ("/learners/1/transitions?n=0", 422, "query", "n"),
    ],
)
def test_bad_requests_name_the_field_and_the_reason(served, url, status, location, field):
    response = served.get(url)
    assert response.status_code == status
    errors = response.get_json()["errors"]
    assert any(e["location"] == location and e["field"] == field and e["reason"] for e in errors)


def test_a_learner_gets_career_changes_with_their_gap_and_the_best_routes_headline(served):
    body = served.get("/learners/1/transitions").get_json()
    assert body["origin"]["code"] == "7111"
    items = {item["code"]: item for item in body["items"]}
    assert sorted(items["3544"]["missing_skills"]) == ["python", "sql", "statistics"]
    assert items["3544"]["best_route"]["steps"] == 2
    assert items["2134"]["best_route"] is None
    assert "quantum compilers" in items["2134"]["no_route_reason"]
    assert items["3544"]["demand"] > items["2134"]["demand"]


def test_advisers_get_career_changes_of_an_occupation_without_a_learner(served):
    body = served.get("/occupations/7111/transitions?area=Lancashire").get_json()
    assert [item["code"] for item in body["items"]] == ["3544", "2134"]
    assert body["items"][0]["checks"] == ["job zone", "earnings"]
    assert body["learner_id"] is None


def test_a_what_if_recomputes_routes_without_saving_anything(served, recommender_db):
    """Hours a week below every course's 4 leave no route; a budget below the diploma's fee
    takes the fee-paying step out; the learner's own row is unchanged afterwards."""
    too_few_hours = served.get("/learners/1/routes?hours_per_week=1").get_json()
    no_budget = served.get("/learners/1/routes?budget_pence=0&route_preference=academic")
    again = served.get("/learners/1/routes").get_json()

    assert too_few_hours["routes"] == []
    assert too_few_hours["what_if"] == {"hours_per_week": 1}
    assert no_budget.status_code == 200
    assert no_budget.get_json()["what_if"] == {"budget_pence": 0, "route_preference": "academic"}
    assert again["routes"]
    assert again["what_if"] == {}
    with recommender_db.session_scope() as session:
        view = session.get(read_model.LearnerView, 1)
        assert view.attributes["constraints"] == {"hours_per_week": 30}
        assert view.attributes.get("route_preference") is None


def test_routes_and_what_ifs_answer_while_a_write_transaction_is_open(served, recommender_db):
    """GETs read through a read-only session: on SQLite they never wait for the write lock a
    consumer's batch holds, and a what-if never becomes a write."""
    plain = served.get("/learners/1/routes").get_json()
    with recommender_db.session_scope() as writer:
        read_model.record_learner(writer, 2, {"rqf_level": 3, "age_band": "24+"})
        writer.flush()  # the write lock is held until this block commits

        during = served.get("/learners/1/routes")
        what_if = served.get("/learners/1/routes?hours_per_week=1")
        changes = served.get("/occupations/3544/transitions")

        assert during.status_code == what_if.status_code == changes.status_code == 200
        assert during.get_json()["routes"] == plain["routes"]
        assert what_if.get_json()["routes"] == []


def _steps_kinds(body: dict) -> set[str]:
    return {step["route_kind"] for route in body["routes"] for step in route["steps"]}


def _add_academic(recommender_db, *course_ids: int) -> None:
    """Academic courses teaching what the technical diploma (5) and python course (6) do, or
    sql alone (7: too little for Data analysts on its own)."""
    skills = {5: ["sql", "statistics"], 6: ["python"], 7: ["sql"]}
    with recommender_db.session_scope() as session:
        for course_id in course_ids:
            store(session, course_id, title=f"Access to HE: part {course_id}", rqf_level=3,
                  qualification_type="Access to HE Diploma", route_kind="academic",
                  skills=skills[course_id], cost_pence=0, funding="fully-funded")  # fmt: skip


def test_a_route_preference_keeps_every_step_to_that_kind(served, recommender_db):
    _add_academic(recommender_db, 5, 6)
    academic = served.get("/learners/1/routes?route_preference=academic").get_json()
    technical = served.get("/learners/1/routes?route_preference=technical").get_json()

    assert academic["routes"]
    assert _steps_kinds(academic) == {"academic"}
    assert {s["course_id"] for s in academic["routes"][0]["steps"]} == {5, 6}
    assert technical["routes"]
    assert _steps_kinds(technical) == {"technical"}
    assert academic["note"] is None
    assert technical["note"] is None


def test_without_a_route_of_the_preferred_kind_mixed_routes_come_with_a_note(
    served, recommender_db
):
    """The only academic course teaches sql alone: no academic route reaches Data analysts,
    so the routes mixing kinds are answered, as without a preference, and the note says why."""
    _add_academic(recommender_db, 7)
    body = served.get("/learners/1/routes?route_preference=academic").get_json()
    plain = served.get("/learners/1/routes").get_json()

    def steps(answer: dict) -> list[list[int]]:
        return [[s["course_id"] for s in route["steps"]] for route in answer["routes"]]

    assert body["routes"]
    assert body["reason"] is None
    assert steps(body) == steps(plain)
    assert body["note"].startswith("no route of academic courses alone was found")
    assert "statistics" in body["note"]
    assert plain["note"] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("hours_per_week=0", "hours_per_week"),
        ("hours_per_week=lots", "hours_per_week"),
        ("max_travel_km=-1", "max_travel_km"),
        ("budget_pence=99999999999", "budget_pence"),
        ("route_preference=sideways", "route_preference"),
        ("target=%00", "target"),
    ],
)
def test_a_bad_what_if_value_names_the_field(served, query, field):
    response = served.get(f"/learners/1/routes?{query}")
    assert response.status_code == 422
    assert any(e["field"] == field and e["reason"] for e in response.get_json()["errors"])
