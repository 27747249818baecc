"""A worker SIGKILLed while it sends: SMTP gives no exactly-once, so a worker killed after the
server took the message but before it recorded "sent" causes one resend (same Message-ID) by
the run that claims the digest after the lease; killed before the server has the message, or
after "sent" committed, it causes none. Each case runs KILLS times; the duplicates are counted
and reported (`record_property`, and a line on stdout)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from services.notifier.delivery import Backoff, SmtpConfig, SmtpTransport
from services.notifier.models import Delivery
from services.notifier.sending import SendRules, send_batch
from tests.integration.mail.notifier_send_content import composer
from tests.integration.mail.notifier_send_worker import OneContact
from tests.integration.mail.notifier_smtp_servers import ScriptedHandler, scripted_server

pytest_plugins = ["tests.integration.mail.notifier_send_fixtures"]

ROOT = Path(__file__).resolve().parents[3]
KILLS = 3
LEASE = 0.5

pytestmark = pytest.mark.slow


def start_worker(database, port: int, learner_id: int, email: str, period: str):
    return subprocess.Popen(
        [sys.executable, "-m", "tests.integration.mail.notifier_send_worker", database.url,
         str(port), str(learner_id), email, period, str(LEASE)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip


def wait_until(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def rerun(database, port: int, learner_id: int, email: str, period: str) -> str:
    """The run that comes after the kill (a Celery redelivery), once the lease has run out."""
    time.sleep(LEASE + 0.1)
    with SmtpTransport(SmtpConfig(port=port, timeout_seconds=10), Backoff(attempts=1)) as smtp:
        [outcome] = send_batch(
            database, [learner_id], "weekly", period,
            contacts=OneContact(learner_id, email), composer=composer(), transport=smtp,
            rules=SendRules(lease_seconds=LEASE, max_claims=5),
        )  # fmt: skip
    return outcome.status


def duplicates(handler: ScriptedHandler) -> dict[str, int]:
    """Per Message-ID, how many copies beyond the first the server received."""
    counts = Counter(message["Message-ID"] for message in handler.messages)
    return {message_id: n - 1 for message_id, n in counts.items()}


def run_kills(database, where: str) -> tuple[ScriptedHandler, list[str]]:
    """KILLS learners, each sent by a worker killed at `where` ("in-window": the server holds
    its reply to the end of DATA; "before": it holds its reply to RCPT; "after": never, the
    worker finishes and is killed only after recording), then re-sent."""
    handler = ScriptedHandler(hold_after_data=where == "in-window", hold_at_rcpt=where == "before")
    reruns = []
    with scripted_server(handler) as server:
        for n in range(KILLS):
            learner_id, email, period = 100 + n, f"learner{n}@example.org", "2026-W48"
            handler.holding.clear()
            handler.release.clear()
            worker = start_worker(database, server.port, learner_id, email, period)
            if where == "after":
                out, err = worker.communicate(timeout=60)
                assert json.loads(out.strip().splitlines()[-1]) == ["sent"], err
            else:
                wait_until(lambda w=worker: handler.holding.is_set() or w.poll() is not None)
                assert worker.poll() is None, worker.communicate()[1]
                worker.send_signal(signal.SIGKILL)
                worker.wait(timeout=10)
            handler.release.set()  # the held reply goes to a dead socket
            handler.hold_after_data = handler.hold_at_rcpt = False
            reruns.append(rerun(database, server.port, learner_id, email, period))
            handler.hold_after_data, handler.hold_at_rcpt = where == "in-window", where == "before"
    return handler, reruns


def report(record_property, where: str, handler: ScriptedHandler) -> int:
    found = duplicates(handler)
    total = sum(found.values())
    record_property(f"duplicates_killed_{where}", total)
    record_property(f"kills_{where}", KILLS)
    print(f"\nsend window, killed {where}: {KILLS} kills, {total} duplicate message(s)")
    return total


def test_killed_after_the_server_has_the_message_resends_at_most_once_per_kill(
    notifier_db, record_property
):
    handler, reruns = run_kills(notifier_db, "in-window")
    total = report(record_property, "in-window", handler)
    assert reruns == ["sent"] * KILLS  # the dead claim was taken over after its lease
    found = duplicates(handler)
    assert len(found) == KILLS
    assert all(n <= 1 for n in found.values())  # at most one resend per kill...
    assert total == KILLS  # ...and here exactly one: the worker died before recording "sent"
    with notifier_db.session_scope() as session:
        rows = session.query(Delivery).all()
        assert {(row.state, row.attempts) for row in rows} == {("sent", 2)}
        # the resend carried the same Message-ID as the copy the dead worker got through
        assert {row.message_id for row in rows} == set(found)


def test_killed_before_the_server_has_the_message_never_duplicates(notifier_db, record_property):
    handler, reruns = run_kills(notifier_db, "before")
    assert report(record_property, "before", handler) == 0
    assert reruns == ["sent"] * KILLS
    assert len(handler.raw) == KILLS


def test_killed_after_sent_is_recorded_never_duplicates(notifier_db, record_property):
    handler, reruns = run_kills(notifier_db, "after")
    assert report(record_property, "after", handler) == 0
    assert reruns == ["already-sent"] * KILLS
    assert len(handler.raw) == KILLS
