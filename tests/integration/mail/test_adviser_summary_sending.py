"""The weekly adviser summary over real parts: the profile service over HTTP says who advises
whom, a real SMTP server receives the email, and the task run twice sends it once."""

from __future__ import annotations

import json
import re
import threading
from datetime import timedelta

import pytest
from werkzeug.serving import make_server

import services.notifier.tasks as notifier_tasks
from services.notifier.models import Delivery, RouteChange
from shared.events import utcnow
from tests.integration.mail.notifier_smtp_servers import ScriptedHandler, free_port, scripted_server
from tests.integration.mail.test_notifier_send_tasks import point_tasks_at
from tests.integration.profile.conftest import assign, store_adviser
from tests.unit.notifier.digest_bodies import ROUTES

pytest_plugins = ["tests.integration.mail.notifier_send_fixtures"]

PRIVATE = {"suggestion_emails": True, "frequency": "weekly", "share_with_adviser": False}


@pytest.fixture
def smtp():
    handler = ScriptedHandler()
    with scripted_server(handler) as server:
        server.handler = handler
        yield server


def recommender_with_routes_for(learner_id: int):
    """The recommender's routes answer, canned: ROUTES for `learner_id`, no route for others."""

    def app(environ, start_response):
        found = re.fullmatch(r"/learners/(\d+)/routes", environ["PATH_INFO"])
        if found and int(found[1]) == learner_id:
            start_response("200 OK", [("Content-Type", "application/json")])
            return [json.dumps(ROUTES).encode()]
        start_response("404 Not Found", [("Content-Type", "application/json")])
        return [b'{"status": 404}']

    return app


@pytest.fixture
def people(profile_http):
    """An adviser with three learners (one not sharing their profile), another adviser with
    none of them, and a learner in nobody's caseload."""
    app, client = profile_http.app, profile_http.client
    joanne = store_adviser(app, "joanne@example.org", name="Joanne Whittaker")
    store_adviser(app, "imran@example.org", name="Imran Hussain")
    aisha = profile_http.register(email="aisha@example.org", name="Aisha Khan")["id"]
    tom = profile_http.register(email="tom@example.org", name="Tom Walsh")["id"]
    quiet = profile_http.register(email="quiet@example.org", name="Una Private", consent=PRIVATE)
    stray = profile_http.register(email="stray@example.org", name="Nobody's")["id"]
    for learner in (aisha, tom, quiet["id"]):
        assign(client, joanne.id, learner)
    return {"joanne": joanne, "aisha": aisha, "tom": tom, "quiet": quiet["id"], "stray": stray}


def test_the_weekly_task_sends_each_adviser_one_summary_of_their_learners_route_changes(
    notifier_db, profile_http, people, smtp, monkeypatch
):
    server = make_server(
        "127.0.0.1", free_port(), recommender_with_routes_for(people["aisha"]), threaded=True
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    point_tasks_at(monkeypatch, notifier_db, profile_http, f"http://127.0.0.1:{server.port}", smtp)
    now = utcnow()
    with notifier_db.session_scope() as session:
        for n, (learner, changes, age) in enumerate(
            [
                (people["aisha"], ["shorter"], 1),
                (people["tom"], ["no-route"], 2),
                (people["quiet"], ["new-best-route"], 1),  # does not share: left out
                (people["stray"], ["cheaper"], 1),  # nobody's learner
                (people["tom"], ["cheaper"], 9),  # before the week
            ]
        ):
            session.add(
                RouteChange(
                    event_id=f"00000000-0000-0000-0000-{n:012d}", learner_id=learner,
                    target="2221.1", changes=changes, created_at=now - timedelta(days=age),
                )
            )  # fmt: skip
    try:
        first = notifier_tasks.send_adviser_summaries()
        again = notifier_tasks.send_adviser_summaries()
    finally:
        server.shutdown()

    assert first == {"sent": 1}
    assert again == {"already-sent": 1}
    [message] = smtp.handler.messages
    assert smtp.handler.envelopes[0][1] == ["joanne@example.org"]
    assert "2 learners in your caseload" in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    assert "Aisha Khan" in text
    assert "Tom Walsh" in text
    assert "Una Private" not in text
    assert "a shorter route" in text
    assert "no route found any more" in text
    assert "a cheaper route" not in text  # tom's was 9 days ago
    assert "to nurse responsible for general care" in text  # aisha's route now
    assert f"/console/learners/{people['aisha']}" in text
    with notifier_db.session_scope() as session:
        [delivery] = session.query(Delivery).all()
        assert (delivery.adviser_id, delivery.learner_id) == (people["joanne"].id, None)
        assert delivery.state == "sent"
