"""Where to send a learner's email, asked of the profile service at send time.

The notifier keeps no addresses: before each send it asks `GET /learners/<id>/contact` (with the
notifier's contact token) for the learner's consent, chosen frequency and, only while they
consent, address and name. An erased or unknown learner is a 404, answered here as None.
Timeouts and retries of idempotent GETs come from `shared.service_client`. Plain Python: no
Flask or Celery.
"""

from __future__ import annotations

import requests

from services.notifier.digests import Contact
from shared.service_client import ServiceClient


class ContactUnavailable(Exception):  # noqa: N818 - reads as what happened
    """The profile service could not say (down, overloaded, or it refused our token): try the
    send later, never without the answer."""


class ContactBook:
    """Learners' contacts from the profile service at `base_url`."""

    def __init__(self, base_url: str, token: str = "", client: ServiceClient | None = None) -> None:
        self.client = client or ServiceClient(base_url, caller="notifier")
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    @classmethod
    def from_settings(cls, settings: object) -> ContactBook:
        """The book `NotifierSettings` describe: the profile's URL and the contact token."""
        return cls(settings.profile_url, settings.contact_token)  # type: ignore[attr-defined]

    def contact(self, learner_id: int) -> Contact | None:
        """The learner's contact, or None when the profile service has no such learner."""
        try:
            response = self.client.get(f"/learners/{learner_id}/contact", headers=self.headers)
        except requests.RequestException as error:
            raise ContactUnavailable(f"profile service unreachable: {error}") from error
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            hint = (
                " (check ROUTEWAYS_NOTIFIER_CONTACT_TOKEN)" if response.status_code == 401 else ""
            )
            raise ContactUnavailable(
                f"profile service answered {response.status_code} for learner {learner_id}{hint}"
            )
        body = response.json()
        return Contact(
            learner_id=int(body["learner_id"]),
            email=body.get("email") or "",
            name=body.get("name") or "",
            suggestion_emails=bool(body["suggestion_emails"]),
            frequency=body.get("frequency"),
        )

    def close(self) -> None:
        self.client.close()
