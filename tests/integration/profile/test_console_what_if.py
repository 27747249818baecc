"""What-if in the console: values tried are sent to the recommender as query overrides and
saved nowhere; saving needs the learner's agreement and lands in the profile and the action
plan; a shortlist of the routes' courses goes to the notifier (a stand-in over real HTTP here)
with the recommender's figures, and every refusal names the field."""

from __future__ import annotations

import json
import threading
from urllib.parse import urlencode

import pytest
from werkzeug.serving import make_server

from services.profile.models import ActionPlanEntry, Learner
from tests.integration.mail.notifier_smtp_servers import free_port
from tests.integration.profile.conftest_console import csrf_token

pytest_plugins = ["tests.integration.profile.conftest_console"]
pytestmark = pytest.mark.usefixtures("quick_hashing")

TRY = {"target": "nurse", "max_travel_km": "30", "route_preference": "academic",
       "hours_per_week": "12", "budget_pounds": "500"}  # fmt: skip


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def notifier_stand_in(console_app):
    """A notifier that takes shortlists (202) and notes each body and its token."""
    posted: list[tuple[str, dict]] = []

    def app(environ, start_response):
        size = int(environ.get("CONTENT_LENGTH") or 0)
        posted.append(
            (environ.get("HTTP_AUTHORIZATION", ""), json.loads(environ["wsgi.input"].read(size)))
        )
        start_response("202 Accepted", [("Content-Type", "application/json")])
        return [b'{"status": "queued"}']

    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    console_app.extensions["routeways.console.sources"].urls["notifier"] = (
        f"http://127.0.0.1:{server.server_port}"
    )
    yield posted
    server.shutdown()


def what_if(console, learner_id: int, **values):
    return console.get(f"/console/learners/{learner_id}/what-if?{urlencode(values)}")


def test_the_what_if_page_starts_from_the_learners_own_values(console, caseload):
    page = text(console.get(f"/console/learners/{caseload.learners['aisha']}/what-if"))

    assert 'name="target" type="text" value="nurse responsible for general care"' in page
    assert 'name="max_travel_km" type="number"' in page
    assert 'value="20"' in page
    assert "Routes with these changes" not in page


def test_a_what_if_sends_the_overrides_to_the_recommender_and_saves_nothing(
    console_app, console, caseload, stand_in
):
    learner = caseload.learners["aisha"]
    page = text(what_if(console, learner, **TRY))

    assert (
        "Trying: target occupation nurse responsible for general care; travel up to 30 km" in page
    )
    assert "BSc (Hons) Adult Nursing" in page
    assert (
        f"/learners/{learner}/routes",
        {"max": "3", "target": "2221.1", "max_travel_km": "30", "hours_per_week": "12",
         "budget_pence": "50000", "route_preference": "academic"},
    ) in stand_in.asked  # fmt: skip
    with console_app.extensions["routeways.db"].session_scope() as session:
        saved = session.get(Learner, learner)
        assert saved.constraints["max_travel_km"] == 20
        assert saved.route_preference == "either"


def test_routes_that_could_not_keep_the_route_preference_say_so(console, caseload, stand_in):
    learner = caseload.learners["aisha"]
    academic = text(what_if(console, learner, route_preference="academic"))
    either = text(what_if(console, learner, route_preference="either"))

    assert "Route preference: no route of academic courses alone was found" in academic
    assert "BSc (Hons) Adult Nursing" in academic
    assert "no route of academic courses alone" not in either


@pytest.mark.parametrize(
    ("values", "says"),
    [
        ({"target": "astronaut"}, "Target occupation: no occupation matches “astronaut”"),
        ({"target": "a"}, "Target occupation: "),
        ({"max_travel_km": "-5"}, "Farthest travel: between 0 and 500 km"),
        ({"hours_per_week": "lots"}, "Hours a week: "),
        ({"budget_pounds": "1000000"}, "Budget after funding: between £0 and £100,000"),
        ({"route_preference": "sideways"}, "Route preference: "),
    ],
)
def test_a_bad_what_if_names_the_field_and_reason(console, caseload, values, says):
    response = what_if(console, caseload.learners["aisha"], **values)

    assert response.status_code == 400
    assert says in text(response)


def test_saving_needs_the_learners_agreement_then_changes_the_profile_and_the_plan(
    console_app, console, caseload
):
    learner = caseload.learners["aisha"]
    page = text(what_if(console, learner, **TRY))
    form = {**TRY, "csrf_token": csrf_token(page)}

    refused = console.post(f"/console/learners/{learner}/what-if/save", data=form)
    saved = console.post(
        f"/console/learners/{learner}/what-if/save", data={**form, "learner_agrees": "y"}
    )

    assert refused.status_code == 400
    assert "The learner agrees: the learner must agree before their profile changes" in text(
        refused
    )
    assert saved.status_code == 302
    with console_app.extensions["routeways.db"].session_scope() as session:
        row = session.get(Learner, learner)
        assert row.goal_occupations == ["2221.1"]
        assert row.constraints["max_travel_km"] == 30
        assert row.constraints["budget_pence"] == 50000
        assert row.constraints["hours_per_week"] == 12
        assert row.constraints["delivery_modes"] == ["classroom", "blended"]  # kept
        assert row.route_preference == "academic"
        [entry] = session.query(ActionPlanEntry).all()
        assert entry.kind == "profile-change"
        assert "Saved with the learner's agreement: target occupation nurse" in entry.text
    assert "with their agreement" in text(console.get(f"/console/learners/{learner}"))


def test_a_shortlist_goes_to_the_notifier_with_the_recommenders_figures(
    console_app, console, caseload, notifier_stand_in
):
    learner = caseload.learners["aisha"]
    page = text(what_if(console, learner, **TRY))
    assert 'name="course_ids" value="101"' in page

    response = console.post(
        f"/console/learners/{learner}/shortlist",
        data={**TRY, "csrf_token": csrf_token(page), "course_ids": ["101", "102"],
              "note": "Ring the college on Monday", "learner_asked": "y"},
    )  # fmt: skip

    assert response.status_code == 302
    [(authorization, body)] = notifier_stand_in
    settings = console_app.extensions["routeways.settings"]
    assert authorization == f"Bearer {settings.contact_token}"
    assert body["learner_id"] == learner
    assert body["adviser_name"] == "Joanne Whittaker"
    assert body["note"] == "Ring the college on Monday"
    assert body["items"][0] == {
        "course_id": 101, "cost_to_learner_pence": 0, "distance_km": 4.2,
        "reason": "Meets the entry requirement for the nursing degree",
    }  # fmt: skip
    plan = text(console.get(f"/console/learners/{learner}"))
    assert "Shortlist sent" in plan
    assert "Sent by email at the learner&#39;s request: Access to HE Diploma" in plan


@pytest.mark.parametrize(
    ("form", "says"),
    [
        ({"course_ids": ["101"]}, "The learner asked: send only when the learner asks"),
        ({"learner_asked": "y"}, "Courses: tick at least one course of the routes"),
        ({"learner_asked": "y", "course_ids": ["555"]}, "Courses: a course picked is no longer"),
        ({"learner_asked": "y", "course_ids": ["x"]}, "Courses: "),
    ],
)
def test_a_bad_shortlist_names_the_field_and_sends_nothing(
    console, caseload, notifier_stand_in, form, says
):
    learner = caseload.learners["aisha"]
    page = text(what_if(console, learner, **TRY))
    response = console.post(
        f"/console/learners/{learner}/shortlist",
        data={**TRY, "csrf_token": csrf_token(page), **form},
    )

    assert response.status_code == 400
    assert says in text(response)
    assert notifier_stand_in == []


def test_a_learner_with_emails_off_gets_no_shortlist(console, caseload, notifier_stand_in):
    learner = caseload.learners["cara"]
    page = text(what_if(console, learner, **TRY))
    assert "turned emails off" in page
    response = console.post(
        f"/console/learners/{learner}/shortlist",
        data={**TRY, "csrf_token": csrf_token(page), "course_ids": ["101"], "learner_asked": "y"},
    )

    assert response.status_code == 400
    assert notifier_stand_in == []


def test_a_notifier_that_is_down_sends_nothing_and_says_so(console_app, console, caseload):
    console_app.extensions["routeways.console.sources"].urls["notifier"] = "http://127.0.0.1:9"
    learner = caseload.learners["aisha"]
    page = text(what_if(console, learner, **TRY))
    response = console.post(
        f"/console/learners/{learner}/shortlist",
        data={**TRY, "csrf_token": csrf_token(page), "course_ids": ["101"], "learner_asked": "y"},
    )

    assert response.status_code == 503
    assert "nothing was sent: the notifier is not answering" in text(response)
