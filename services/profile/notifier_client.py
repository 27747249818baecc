"""What the profile service asks the notifier over HTTP: a learner's delivery log, for their
adviser or themselves (the profile service decides who may see it, then asks with the token
the two services share, `ROUTEWAYS_NOTIFIER_CONTACT_TOKEN`)."""

from __future__ import annotations

from typing import Any

import requests

from shared.service_client import ServiceClient


class NotifierUnavailable(Exception):  # noqa: N818 - reads as what happened
    """No usable answer from the notifier (down, timed out, refused our token, garbage)."""


class NotifierClient:
    def __init__(self, base_url: str, token: str, client: ServiceClient | None = None) -> None:
        self.client = client or ServiceClient(base_url, caller="profile")
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def deliveries(self, learner_id: int, limit: int) -> list[dict[str, Any]]:
        """The learner's emails, newest first, as the notifier's delivery log has them."""
        try:
            response = self.client.get(
                f"/learners/{learner_id}/deliveries", params={"limit": limit}, headers=self.headers
            )
        except requests.RequestException as error:
            raise NotifierUnavailable(f"the notifier could not be reached: {error}") from error
        if response.status_code != 200:
            raise NotifierUnavailable(f"the notifier answered {response.status_code}")
        try:
            rows = response.json()
        except ValueError as error:
            raise NotifierUnavailable("the notifier answered something other than JSON") from error
        if not isinstance(rows, list):
            raise NotifierUnavailable("the notifier answered something other than a list")
        return rows

    def close(self) -> None:
        self.client.close()
