"""`routeways notifier send-digests`: the digests due now, sent at once (no beat, no worker), each
once however often the command runs."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from services.notifier.cli import notifier
from services.notifier.models import Recipient
from tests.integration.mail.notifier_smtp_servers import ScriptedHandler, scripted_server
from tests.integration.mail.test_notifier_send_tasks import MONTHLY, WEEKLY, point_tasks_at

pytest_plugins = ["tests.integration.mail.notifier_send_fixtures"]


@pytest.fixture
def smtp():
    handler = ScriptedHandler()
    with scripted_server(handler) as server:
        server.handler = handler
        yield server


def send(*args: str) -> dict:
    result = CliRunner().invoke(notifier, ["send-digests", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_command_sends_the_due_digests_of_its_kind_once(
    notifier_db, profile_http, canned_services, smtp, monkeypatch
):
    point_tasks_at(monkeypatch, notifier_db, profile_http, canned_services, smtp)
    weekly = [profile_http.register(email=f"w{n}@example.org")["id"] for n in range(3)]
    monthly = profile_http.register(
        email="m@example.org", consent={"suggestion_emails": True, "frequency": "monthly"}
    )["id"]
    with notifier_db.session_scope() as session:
        session.add_all(Recipient(learner_id=i, consent=WEEKLY) for i in weekly)
        session.add(Recipient(learner_id=monthly, consent=MONTHLY))

    first = send("--kind", "weekly")
    again = send("--kind", "weekly")

    assert first["outcomes"] == {"sent": 3}
    assert again["outcomes"] == {"already-sent": 3}
    assert sorted(rcpt for _s, [rcpt] in smtp.handler.envelopes) == [
        "w0@example.org",
        "w1@example.org",
        "w2@example.org",
    ]


def test_the_command_sends_to_the_learners_named_only(
    notifier_db, profile_http, canned_services, smtp, monkeypatch
):
    point_tasks_at(monkeypatch, notifier_db, profile_http, canned_services, smtp)
    chosen, _other = (profile_http.register(email=f"{n}@example.org")["id"] for n in "ab")

    answer = send("--kind", "weekly", "--learner", str(chosen))

    assert answer["outcomes"] == {"sent": 1}
    assert [rcpt for _s, [rcpt] in smtp.handler.envelopes] == ["a@example.org"]
