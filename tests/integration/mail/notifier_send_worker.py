"""A worker process for the send-window test: sends one learner's weekly digest with the
notifier's real sending code, then exits; the test SIGKILLs it while the SMTP server holds its
reply. Run as `python -m tests.integration.mail.notifier_send_worker DATABASE_URL SMTP_PORT
LEARNER_ID EMAIL PERIOD LEASE_SECONDS`."""

from __future__ import annotations

import json
import sys

from services.notifier.delivery import Backoff, SmtpConfig, SmtpTransport
from services.notifier.digests import Contact
from services.notifier.sending import SendRules, send_batch
from shared.db import Database
from tests.integration.mail.notifier_send_content import composer


class OneContact:
    """The profile's answer for this one learner (the window under test is SMTP's)."""

    def __init__(self, learner_id: int, email: str) -> None:
        self.answer = Contact(learner_id, email, "Ada Lovelace", True, "weekly")

    def contact(self, learner_id: int) -> Contact | None:
        return self.answer if learner_id == self.answer.learner_id else None


def main(
    database_url: str, port: str, learner_id: str, email: str, period: str, lease: str
) -> None:
    with (
        Database(database_url) as database,
        SmtpTransport(
            SmtpConfig(port=int(port), timeout_seconds=60), Backoff(attempts=1)
        ) as transport,
    ):
        outcomes = send_batch(
            database, [int(learner_id)], "weekly", period,
            contacts=OneContact(int(learner_id), email), composer=composer(),
            transport=transport, rules=SendRules(lease_seconds=float(lease), max_claims=5),
        )  # fmt: skip
    print(json.dumps([outcome.status for outcome in outcomes]), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
