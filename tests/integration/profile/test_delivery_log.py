"""GET /learners/<id>/deliveries on the profile service: the learner's adviser (or the learner)
reads the notifier's delivery log, asked over real HTTP with the token the services share."""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from services.notifier.models import Delivery
from shared.events import utcnow
from tests.conftest import migrated
from tests.integration.conftest import bearer, register
from tests.integration.mail.notifier_smtp_servers import free_port
from tests.integration.profile.conftest import assign, sign_in, store_adviser
from tests.integration.web.conftest import make_app

SHARED = "profile-and-notifier-0123456789abcdef"


@pytest.fixture
def notifier_url(tmp_path, redis_url, redis_client):
    """The notifier on a loopback port, its log holding one email to learner 1 and one to 2."""
    database = migrated("notifier", f"sqlite:///{tmp_path / 'notifier.sqlite3'}")
    now = utcnow()
    with database.session_scope() as session:
        for learner_id in (1, 2):
            session.add(
                Delivery(
                    digest_id=f"weekly-{learner_id}", learner_id=learner_id, kind="weekly",
                    period="2026-W48", state="sent", owner="w", attempts=1, course_ids=[101],
                    message_id=f"<weekly-{learner_id}@routeways.local>", claimed_at=now,
                    sent_at=now, updated_at=now,
                )
            )  # fmt: skip
    app = make_app("notifier", database.url, redis_url, configured_contact_token=SHARED)
    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.port}"
    server.shutdown()
    thread.join(timeout=10)
    app.extensions["routeways.db"].dispose()
    database.dispose()


def profile(database_url, redis_url, notifier_url):
    from tests.integration.conftest import ADMIN_TOKEN, seed_profile_taxonomy

    app = make_app(
        "profile", database_url, redis_url, admin_token=ADMIN_TOKEN,
        notifier_contact_token=SHARED, notifier_url=notifier_url,
    )  # fmt: skip
    seed_profile_taxonomy(app)
    return app


def test_an_adviser_reads_the_delivery_log_of_a_learner_in_their_caseload_only(
    database_url, redis_url, notifier_url
):
    app = profile(database_url, redis_url, notifier_url)
    try:
        client = app.test_client()
        mine = register(client, email="mine@example.org")
        other = register(client, email="other@example.org")
        adviser = store_adviser(app, "joanne@example.org")
        assign(client, adviser.id, mine["id"])
        assert sign_in(client, adviser).status_code == 200

        own = client.get(f"/learners/{mine['id']}/deliveries")
        theirs = client.get(f"/learners/{other['id']}/deliveries")

        assert own.status_code == 200, own.json
        [entry] = own.json
        assert (entry["digest_id"], entry["state"]) == (f"weekly-{mine['id']}", "sent")
        assert theirs.status_code == 404  # not in the caseload: like no learner at all
    finally:
        app.extensions["routeways.db"].dispose()


def test_a_learner_reads_their_own_log_with_their_manage_link(
    database_url, redis_url, notifier_url
):
    app = profile(database_url, redis_url, notifier_url)
    try:
        client = app.test_client()
        learner = register(client)
        response = client.get(
            f"/learners/{learner['id']}/deliveries", headers=bearer(learner["manage_token"])
        )
        assert response.status_code == 200
        assert [e["digest_id"] for e in response.json] == [f"weekly-{learner['id']}"]
        assert client.get(f"/learners/{learner['id']}/deliveries").status_code == 401
    finally:
        app.extensions["routeways.db"].dispose()


def test_while_the_notifier_cannot_answer_the_log_is_a_503_with_the_reason(database_url, redis_url):
    app = profile(database_url, redis_url, f"http://127.0.0.1:{free_port()}")
    try:
        client = app.test_client()
        learner = register(client)
        response = client.get(
            f"/learners/{learner['id']}/deliveries", headers=bearer(learner["manage_token"])
        )
        assert response.status_code == 503
        assert "delivery log is not available" in response.json["detail"]
    finally:
        app.extensions["routeways.db"].dispose()
