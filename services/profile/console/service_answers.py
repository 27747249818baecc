"""What the console asks other services over HTTP, and what a page shows when one is down.

- the recommender: a learner's routes (`GET /learners/{id}/routes`, with what-if overrides as
  query parameters, never saved there), their career changes (`GET /learners/{id}/transitions`)
  and course suggestions (`GET /learners/{id}/recommendations`);
- the notifier: an adviser's shortlist to email to the learner (`POST /shortlists`);
- the catalogue: provider names (`GET /providers/{id}`) and course titles (`GET /courses/{id}`),
  remembered for ten minutes in this process (they rarely change, and a page names many).

Every call has a short connect timeout and one retry (`shared.service_client`): an adviser is
waiting with a learner in front of them, so a service that does not answer becomes a sentence
on the page (`Answer.down`), never an error page. No Flask here.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

from services.profile.catalogue_client import Remembered
from shared.service_client import ServiceClient, service_retry

#: An adviser waits at most this long for a connection, and for an answer.
CONNECT_SECONDS = 1.5
READ_SECONDS = 8.0
NAMES_TTL_SECONDS = 600.0
#: The most catalogue look-ups one page makes (history beyond this shows course ids only).
MAX_LOOKUPS = 25


@dataclass(frozen=True)
class Answer:
    """A service's answer: `body` on 200; `refusal` (the service's own message) on a 4xx
    such as "no goal occupation"; `down` when it could not be asked or broke."""

    body: dict[str, Any] | None = None
    refusal: str | None = None
    status: int = 200
    down: str | None = None
    field_errors: dict[str, str] = field(default_factory=dict)


class ConsoleSources:
    """One per process: an HTTP session per thread for each service, shared name caches."""

    def __init__(
        self,
        recommender_url: str,
        catalogue_url: str,
        notifier_url: str = "",
        notifier_token: str = "",
    ) -> None:
        self.urls = {
            "recommender": recommender_url,
            "catalogue": catalogue_url,
            "notifier": notifier_url,
        }
        self.notifier_token = notifier_token
        self._local = threading.local()
        self.names = Remembered(NAMES_TTL_SECONDS, time.monotonic)

    def _client(self, service: str) -> ServiceClient:
        clients = getattr(self._local, "clients", None)
        if clients is None:
            clients = self._local.clients = {}
        if service not in clients:
            clients[service] = ServiceClient(
                self.urls[service],
                caller="profile-console",
                timeout=(CONNECT_SECONDS, READ_SECONDS),
                retry=service_retry(retries=1, backoff_max=0.5),
            )
        return clients[service]

    def ask(self, service: str, path: str, params: Mapping[str, Any] | None = None) -> Answer:
        """GET `path` of `service`; never raises for the service's sake."""
        try:
            response = self._client(service).get(path, params=dict(params or {}))
        except requests.RequestException as error:
            return Answer(status=0, down=f"the {service} is not answering ({type(error).__name__})")
        if response.status_code >= 500:
            return Answer(status=response.status_code, down=f"the {service} had a problem")
        try:
            body = response.json()
        except ValueError:
            return Answer(status=response.status_code, down=f"the {service} answered garbage")
        if not isinstance(body, dict):
            return Answer(status=response.status_code, down=f"the {service} answered garbage")
        if response.status_code != 200:
            return Answer(
                refusal=str(body.get("detail") or body.get("message") or "refused"),
                status=response.status_code,
                field_errors={
                    str(row.get("field")): str(row.get("reason"))
                    for row in body.get("errors") or []
                    if isinstance(row, dict)
                },
            )
        return Answer(body=body)

    # --- the recommender -------------------------------------------------------------------

    def routes(
        self,
        learner_id: int,
        target: str | None = None,
        overrides: Mapping[str, Any] | None = None,
    ) -> Answer:
        """Up to three routes to `target` (the learner's first goal when None), with what-if
        `overrides` (query parameters the recommender applies without saving)."""
        given = {k: v for k, v in (overrides or {}).items() if v is not None}
        params: dict[str, Any] = {"max": 3, **given}
        if target:
            params["target"] = target
        return self.ask("recommender", f"/learners/{learner_id}/routes", params)

    def career_changes(self, learner_id: int, n: int = 5) -> Answer:
        return self.ask("recommender", f"/learners/{learner_id}/transitions", {"n": n})

    # --- the notifier ----------------------------------------------------------------------

    def send_shortlist(self, body: Mapping[str, Any]) -> Answer:
        """`POST /shortlists` with the contact token: 202 queues the email. A repost of the
        same `shortlist_id` sends nothing twice, so a timed-out post may be made again."""
        headers = {"Authorization": f"Bearer {self.notifier_token}"}
        try:
            response = self._client("notifier").post(
                "/shortlists", json=dict(body), headers=headers
            )
        except requests.RequestException as error:
            return Answer(status=0, down=f"the notifier is not answering ({type(error).__name__})")
        if response.status_code == 202:
            return Answer(body={}, status=202)
        if response.status_code >= 500:
            return Answer(status=response.status_code, down="the notifier had a problem")
        return Answer(refusal=f"the notifier refused it ({response.status_code})",
                      status=response.status_code)  # fmt: skip

    # --- the catalogue ---------------------------------------------------------------------

    def provider_names(self, provider_ids: Iterable[int]) -> dict[int, str]:
        """Provider id -> name, for those the catalogue answers (others are left out)."""
        return self._names("provider", provider_ids, "/providers/{}", "name")

    def course_titles(self, course_ids: Iterable[int]) -> dict[int, str]:
        """Course id -> title, for those the catalogue answers (others are left out)."""
        return self._names("course", course_ids, "/courses/{}", "title")

    def _names(self, kind: str, ids: Iterable[int], path: str, key: str) -> dict[int, str]:
        found: dict[int, str] = {}
        asked = 0
        for item in dict.fromkeys(ids):
            name = self.names.get((kind, item))
            if name is None and asked < MAX_LOOKUPS:
                asked += 1
                answer = self.ask("catalogue", path.format(item))
                if answer.down:
                    break  # the catalogue is down: no more waiting on it for this page
                name = (answer.body or {}).get(key)
                if name:
                    self.names.put((kind, item), str(name))
            if name:
                found[item] = str(name)
        return found
