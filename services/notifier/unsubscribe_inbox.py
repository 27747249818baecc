"""The mailto: half of List-Unsubscribe: an SMTP server (aiosmtpd) for the unsubscribe address.

Every digest's List-Unsubscribe names `mailto:<ROUTEWAYS_NOTIFIER_UNSUBSCRIBE_MAILTO>?subject=
unsubscribe%20<token>` beside the one-click HTTPS URL; mail programs that prefer mail send a
message there. Route that address's mail (its domain's MX, or a forward) to this server
(`routeways notifier unsubscribe-inbox`), which acts on it in the SMTP session itself:

- a recipient other than the unsubscribe address: 550 (this is no open relay);
- a subject that is not "unsubscribe <token>", or a token that is forged, for another purpose or
  expired: 550 with the reason, so the sender's mail program tells them at once (and nothing
  is queued to bounce later);
- a good token: the profile service unsubscribes the learner as the one-click link does
  (`POST /learners/<id>/unsubscribe` with the token), then 250; while it cannot answer, 451,
  so the sending server tries again later.

Plain Python (asyncio, aiosmtpd): no Flask or Celery.
"""

from __future__ import annotations

import asyncio
import logging
import re
from email import message_from_bytes, policy
from typing import Any, Protocol

import requests

from shared.links import LinkError, read_token
from shared.service_client import ServiceClient

log = logging.getLogger(__name__)

#: The subject the mailto: link fills in: "unsubscribe <token>".
SUBJECT = re.compile(r"^\s*unsubscribe\s+(\S+)\s*$", re.IGNORECASE)
#: An unsubscribe request is a line of text; anything bigger is refused before it is read.
MAX_MESSAGE_BYTES = 256 * 1024


class ProfileUnavailable(Exception):  # noqa: N818 - reads as what happened
    """The profile service could not record it now: the sender should try again later."""


class Unsubscriber(Protocol):
    def unsubscribe(self, learner_id: int, token: str) -> None: ...


class ProfileUnsubscriber:
    """Unsubscribes through the profile service, with the learner's own unsubscribe token."""

    def __init__(self, profile_url: str, client: ServiceClient | None = None) -> None:
        self.client = client or ServiceClient(profile_url, caller="notifier")

    def unsubscribe(self, learner_id: int, token: str) -> None:
        try:
            response = self.client.post(
                f"/learners/{learner_id}/unsubscribe",
                headers={"Authorization": f"Bearer {token}"},
            )
        except requests.RequestException as error:
            raise ProfileUnavailable(str(error)) from error
        # 404: no such learner any more (erased), so no email goes to them either.
        if response.status_code not in (200, 204, 404):
            raise ProfileUnavailable(f"the profile service answered {response.status_code}")


def token_of(raw: bytes) -> str | None:
    """The token in the message's subject, or None when the subject is not "unsubscribe
    <token>"."""
    subject = str(message_from_bytes(raw, policy=policy.default)["Subject"] or "")
    found = SUBJECT.match(subject)
    return found[1] if found else None


class UnsubscribeInbox:
    """The aiosmtpd handler: accepts mail for `mailbox` only and acts on it (see module doc)."""

    def __init__(self, mailbox: str, secret_key: str, unsubscriber: Unsubscriber) -> None:
        self.mailbox = mailbox.lower()
        self.secret_key = secret_key
        self.unsubscriber = unsubscriber

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address.lower() != self.mailbox:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        token = token_of(envelope.original_content or envelope.content)
        if token is None:
            return "550 5.6.0 The subject must be: unsubscribe <the code from our email>"
        try:
            claims = read_token(self.secret_key, "unsubscribe", token)
        except LinkError as error:
            return f"550 5.7.1 This unsubscribe code does not work: {error.reason}"
        try:
            await asyncio.to_thread(self.unsubscriber.unsubscribe, claims.subject_id, token)
        except ProfileUnavailable as error:
            log.warning(
                "unsubscribe by mail for learner %d must wait: %s", claims.subject_id, error
            )
            return "451 4.3.0 Please try again later"
        log.info("learner %d unsubscribed by mail", claims.subject_id)
        return "250 2.0.0 Unsubscribed: no more course-suggestion emails"
