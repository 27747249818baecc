"""A learner's action plan in the console: dated entries added and ticked off through CSRF-
protected forms, errors naming the field, only for the adviser's own learners; the plan is in
the learner's export and goes with erasure. And each visit remembers the routes shown, so the
next one says when they changed."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from services.profile.models import ActionPlanEntry, ConsoleVisit
from tests.integration.profile.conftest import ADMIN
from tests.integration.profile.conftest_console import ROUTES, STEP_1, csrf_token

pytest_plugins = ["tests.integration.profile.conftest_console"]
pytestmark = pytest.mark.usefixtures("quick_hashing")


def text(response) -> str:
    return response.get_data(as_text=True)


def add(console, learner_id: int, **form):
    page = text(console.get(f"/console/learners/{learner_id}"))
    return console.post(
        f"/console/learners/{learner_id}/actions", data={"csrf_token": csrf_token(page), **form}
    )


def test_an_action_with_a_due_date_is_added_and_shown_in_the_plan(console, caseload):
    learner = caseload.learners["aisha"]
    response = add(console, learner, text="Book an Access to HE open evening", due_on="2027-01-15")

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/console/learners/{learner}#plan")
    page = text(console.get(f"/console/learners/{learner}"))
    assert "Book an Access to HE open evening" in page
    assert "due by 15 Jan 2027" in page
    assert "by Joanne Whittaker" in page


@pytest.mark.parametrize(
    ("form", "says"),
    [
        ({"text": ""}, "Action or note: write what was agreed"),
        ({"text": "x" * 2001}, "Action or note: use at most 2,000 characters"),
        ({"text": "Call back", "due_on": "next week"}, "Due by: Not a valid date value."),
    ],
)
def test_a_bad_entry_is_refused_naming_the_field_and_reason(console, caseload, form, says):
    response = add(console, caseload.learners["aisha"], **form)

    assert response.status_code == 400
    assert says in text(response)


def test_an_entry_without_the_form_token_is_refused(console, caseload):
    learner = caseload.learners["aisha"]
    response = console.post(f"/console/learners/{learner}/actions", data={"text": "Hello"})

    assert response.status_code == 400
    assert "csrf_token" in text(response)


def test_an_action_is_ticked_off_once(console_app, console, caseload):
    learner = caseload.learners["aisha"]
    add(console, learner, text="Send the CV to the college")
    with console_app.extensions["routeways.db"].session_scope() as session:
        entry_id = session.scalar(select(ActionPlanEntry.id))
    page = text(console.get(f"/console/learners/{learner}"))

    done = console.post(
        f"/console/learners/{learner}/actions/{entry_id}/done",
        data={"csrf_token": csrf_token(page)},
    )

    assert done.status_code == 302
    assert "Mark as done" not in text(console.get(f"/console/learners/{learner}"))
    missing = console.post(
        f"/console/learners/{learner}/actions/999/done", data={"csrf_token": csrf_token(page)}
    )
    assert missing.status_code == 404


def test_another_advisers_learner_has_no_plan_to_write_to(console, caseload):
    page = text(console.get("/console/caseload"))
    response = console.post(
        f"/console/learners/{caseload.learners['dan']}/actions",
        data={"csrf_token": csrf_token(page), "text": "Sneaky"},
    )

    assert response.status_code == 404


def test_the_plan_is_exported_and_erased_with_the_learner(console_app, console, caseload):
    learner = caseload.learners["aisha"]
    add(console, learner, text="Apply for the Advanced Learner Loan")
    client = console_app.test_client()

    export = client.get(f"/learners/{learner}/export", headers=ADMIN).json
    assert export["action_plan"][0]["text"] == "Apply for the Advanced Learner Loan"
    assert export["action_plan"][0]["written_by"] == "Joanne Whittaker"

    assert client.delete(f"/learners/{learner}", headers=ADMIN).status_code == 204
    with console_app.extensions["routeways.db"].session_scope() as session:
        for table in (ActionPlanEntry, ConsoleVisit):
            assert session.scalar(select(func.count()).select_from(table)) == 0


def test_a_second_visit_says_when_the_routes_changed(console, caseload, stand_in):
    learner = caseload.learners["aisha"]
    first = text(console.get(f"/console/learners/{learner}"))
    same = text(console.get(f"/console/learners/{learner}"))
    ROUTES["routes"][0]["steps"][0] = {**STEP_1, "course_id": 999}
    try:
        changed = text(console.get(f"/console/learners/{learner}"))
    finally:
        ROUTES["routes"][0]["steps"][0] = STEP_1

    assert "New routes since your last visit" not in first
    assert "New routes since your last visit" not in same
    assert "You last opened this page on" in same
    assert "New routes since your last visit" in changed
    assert "Never" not in text(console.get("/console/caseload")).split("Aisha Khan")[1][:400]
