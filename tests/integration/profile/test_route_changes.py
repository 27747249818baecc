"""Route changes the recommender announces (`recommender.routes.updated`) flag a learner on
their adviser's caseload until the adviser opens the learner's page again; the profile keeps
only the newest change per learner, and nothing of an erased learner."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from services.profile.handlers import on_routes_updated
from services.profile.models import RouteChange
from shared.events import make_event
from tests.integration.conftest import ADMIN_TOKEN, bearer

pytest_plugins = ["tests.integration.profile.conftest_console"]
pytestmark = pytest.mark.usefixtures("quick_hashing")

FLAG = "New routes since your last visit"


def routes_updated(learner_id: int, changes: tuple[str, ...] = ("shorter",)):
    payload = {
        "learner_id": learner_id, "target": "2221.1", "changes": list(changes),
        "course_ids": [101, 102], "months": 30.0, "months_before": 42.0,
        "cost_pence": 0, "cost_before_pence": 0,
    }  # fmt: skip
    return make_event("recommender.routes.updated", 2, payload, producer="recommender")


def announce(app, *events) -> None:
    with app.extensions["routeways.db"].session_scope() as session:
        for event in events:
            on_routes_updated(event, session)


def caseload_page(console) -> str:
    return console.get("/console/caseload").get_data(as_text=True)


def test_a_learner_whose_routes_changed_after_the_last_visit_is_flagged_until_the_next(
    console_app, console, caseload
):
    aisha, ben = caseload.learners["aisha"], caseload.learners["ben"]
    console.get(f"/console/learners/{aisha}")
    announce(console_app, routes_updated(aisha), routes_updated(ben))

    flagged = caseload_page(console)
    console.get(f"/console/learners/{aisha}")
    after_visit = caseload_page(console)

    # Ben's page was never opened: there is no "since" to compare with
    assert flagged.count(FLAG) == 1
    aisha_row = flagged[flagged.index("Aisha Khan") :].split("</tr>")[0]
    assert FLAG in aisha_row
    assert FLAG not in after_visit


def test_only_the_newest_change_is_kept_and_a_late_older_event_never_moves_it_back(
    console_app, caseload
):
    aisha = caseload.learners["aisha"]
    newer = routes_updated(aisha, ("cheaper",))
    older = routes_updated(aisha, ("shorter",))
    older = replace(older, occurred_at=newer.occurred_at - timedelta(days=1))
    announce(console_app, newer, older)

    with console_app.extensions["routeways.db"].session_scope() as session:
        change = session.get(RouteChange, aisha)
        assert change.changes == ["cheaper"]
        assert change.changed_at == newer.occurred_at


def test_a_change_for_a_learner_the_profile_does_not_hold_is_ignored(console_app, caseload):
    announce(console_app, routes_updated(999_999))

    with console_app.extensions["routeways.db"].session_scope() as session:
        assert session.get(RouteChange, 999_999) is None


def test_erasing_a_learner_erases_their_route_change(console_app, caseload):
    aisha = caseload.learners["aisha"]
    announce(console_app, routes_updated(aisha))
    client = console_app.test_client()
    erased = client.delete(f"/learners/{aisha}", headers=bearer(ADMIN_TOKEN))

    assert erased.status_code in (200, 204), erased.get_data(as_text=True)
    with console_app.extensions["routeways.db"].session_scope() as session:
        assert session.get(RouteChange, aisha) is None
