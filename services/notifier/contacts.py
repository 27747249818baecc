"""Where to send a learner's email, asked of the profile service at send time.

The notifier keeps no addresses: before each send it asks `GET /learners/<id>/contact` (with the
notifier's contact token) for the learner's consent, chosen frequency and, only while they
consent, address and name. An erased or unknown learner is a 404, answered here as None. For
the weekly adviser summaries it asks `POST /advisers/lookup` who advises the learners whose
routes changed. Timeouts and retries of idempotent GETs come from `shared.service_client`.
Plain Python: no Flask or Celery.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import requests

from services.notifier.adviser_summaries import AdviserContact
from services.notifier.digests import Contact
from shared.service_client import ServiceClient

#: Learners named in one `POST /advisers/lookup` (the profile service takes up to 1,000).
LOOKUP_BATCH = 500


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

    def advisers_of(self, learner_ids: Sequence[int]) -> list[AdviserContact]:
        """The open adviser accounts that may see any of `learner_ids`, with those learners
        (`POST /advisers/lookup`, in batches the profile service accepts)."""
        found: dict[int, AdviserContact] = {}
        ids = sorted(set(learner_ids))
        for start in range(0, len(ids), LOOKUP_BATCH):
            for adviser in self._lookup(ids[start : start + LOOKUP_BATCH]):
                known = found.get(adviser.adviser_id)
                learners = (known.learners if known else ()) + adviser.learners
                found[adviser.adviser_id] = replace(adviser, learners=learners)
        return list(found.values())

    def _lookup(self, learner_ids: list[int]) -> list[AdviserContact]:
        try:
            response = self.client.post(
                "/advisers/lookup", json={"learner_ids": learner_ids}, headers=self.headers
            )
        except requests.RequestException as error:
            raise ContactUnavailable(f"profile service unreachable: {error}") from error
        if response.status_code != 200:
            raise ContactUnavailable(
                f"profile service answered {response.status_code} to the lookup"
            )
        return [
            AdviserContact(
                adviser_id=int(row["adviser_id"]),
                name=row.get("name") or "",
                email=row.get("email") or "",
                learners=tuple(
                    (int(x["learner_id"]), x.get("name") or "") for x in row["learners"]
                ),
            )
            for row in response.json()
        ]

    def close(self) -> None:
        self.client.close()
