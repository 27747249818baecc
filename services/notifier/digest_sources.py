"""What a digest is made from, asked over HTTP at the time it is composed.

- the recommender: the learner's top suggestions (`GET /learners/{id}/recommendations?n=5`) and
  best route (`GET /learners/{id}/routes?max=1`);
- the catalogue: each course named (`GET /courses/{id}`: title, campus, start dates, status) and
  its provider (`GET /providers/{id}`: name, website), which is put on the course body under
  "provider", the shape `digests.compose` reads.

Calls go through `shared.service_client.ServiceClient` (timeouts; GETs retried on connection
failures and 502/503/504). A `DigestSources` holds two `requests` sessions: give each thread its
own. No Flask or Celery here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import requests

from services.notifier.digests import MAX_COURSES, course_ids_wanted
from shared.service_client import ServiceClient


class SourceSettings(Protocol):
    recommender_url: str
    catalogue_url: str


class SourceUnavailable(RuntimeError):  # noqa: N818 - reads as what happened
    """A service could not be reached or answered an error: try again later."""


class UnknownLearner(LookupError):  # noqa: N818 - reads as what happened
    """The recommender has not heard of this learner (new, or erased)."""


@dataclass(frozen=True)
class DigestInputs:
    """The three arguments `digests.compose` takes after the learner, kind and period."""

    suggestions: dict[str, Any]
    routes: dict[str, Any] | None
    courses: dict[int, dict[str, Any]]


class DigestSources:
    """The recommender's and the catalogue's answers for one learner's digest."""

    def __init__(
        self, recommender: ServiceClient, catalogue: ServiceClient, n: int = MAX_COURSES
    ) -> None:
        self.recommender = recommender
        self.catalogue = catalogue
        self.n = n

    @classmethod
    def from_settings(cls, settings: SourceSettings) -> DigestSources:
        return cls(
            ServiceClient(settings.recommender_url, caller="notifier"),
            ServiceClient(settings.catalogue_url, caller="notifier"),
        )

    def close(self) -> None:
        self.recommender.close()
        self.catalogue.close()

    def gather(self, learner_id: int) -> DigestInputs:
        """Suggestions, best route and the courses both name (with their providers)."""
        suggestions = self.suggestions(learner_id)
        routes = self.best_route(learner_id)
        return DigestInputs(
            suggestions, routes, self.courses(course_ids_wanted(suggestions, routes))
        )

    def suggestions(self, learner_id: int) -> dict[str, Any]:
        """The recommender's top `n` suggestions (UnknownLearner on 404)."""
        response = _get(
            self.recommender, f"/learners/{learner_id}/recommendations", params={"n": self.n}
        )
        if response.status_code == 404:
            raise UnknownLearner(f"the recommender does not know learner {learner_id}")
        return _body(response)

    def best_route(self, learner_id: int) -> dict[str, Any] | None:
        """The learner's best route, or None when there is none to tell: no target occupation
        (422), an unknown learner or occupation (404), or no route found."""
        response = _get(self.recommender, f"/learners/{learner_id}/routes", params={"max": 1})
        if response.status_code in (404, 422):
            return None
        body = _body(response)
        return body if body.get("routes") else None

    def courses(self, course_ids: list[int]) -> dict[int, dict[str, Any]]:
        """Catalogue bodies by id, each with its provider under "provider"; a course the
        catalogue no longer has (404) is left out."""
        providers: dict[int, dict[str, Any]] = {}
        found: dict[int, dict[str, Any]] = {}
        for course_id in course_ids:
            response = _get(self.catalogue, f"/courses/{course_id}")
            if response.status_code == 404:
                continue
            course = _body(response)
            provider_id = course.get("provider_id")
            if provider_id is not None and provider_id not in providers:
                providers[provider_id] = self.provider(provider_id)
            found[course_id] = {**course, "provider": providers.get(provider_id, {})}
        return found

    def provider(self, provider_id: int) -> dict[str, Any]:
        """The provider's public body (name, website), or {} when the catalogue has none."""
        response = _get(self.catalogue, f"/providers/{provider_id}")
        if response.status_code == 404:
            return {}
        return _body(response)


def _get(client: ServiceClient, path: str, **kwargs: Any) -> requests.Response:
    try:
        return client.get(path, **kwargs)
    except requests.RequestException as error:
        raise SourceUnavailable(f"{client.base_url}{path}: {error}") from error


def _body(response: requests.Response) -> dict[str, Any]:
    if response.status_code != 200:
        raise SourceUnavailable(f"{response.url} answered {response.status_code}")
    try:
        body = response.json()
    except ValueError as error:
        raise SourceUnavailable(f"{response.url} answered something other than JSON") from error
    if not isinstance(body, dict):
        raise SourceUnavailable(f"{response.url} answered a JSON {type(body).__name__}")
    return body
