"""The questions the profile service asks the catalogue over HTTP (`shared.service_client`):
the taxonomy's codes, whose provider API key a request carries, and which course a provider's
reference names.

Provider keys: the catalogue alone can check a key (it keeps only their HMACs), so the profile
service asks `GET /providers/me` with it and remembers a positive answer in this process for
`key_ttl` seconds (60 by default), keyed by the key's SHA-256, never by the key itself. A key
revoked at the catalogue therefore keeps opening the profile's provider endpoints for up to a
minute in each process that saw it (sooner when an import looks up a course not yet
remembered: the catalogue checks the key then, and its 401 drops the key here). Unknown keys
are not remembered: each is a question to the catalogue, which rate-limits them by address.

Courses: which course a provider's reference names (asked with the provider's key, so the
catalogue checks the course is the provider's own) and which provider offers a course id never
change once the catalogue answered, so the answers are remembered for `course_ttl` seconds (ten
minutes) and are only ever used for a provider whose key was just accepted. "No such course" is
not remembered, so a course published a moment later is found. Missing answers are asked for
`LOOKUP_THREADS` at a time.
"""

from __future__ import annotations

import contextvars
import hashlib
import threading
import time
from collections.abc import Callable, Collection, Hashable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests

from shared.service_client import ServiceClient

KEY_TTL_SECONDS = 60.0
COURSE_TTL_SECONDS = 600.0
MAX_REMEMBERED = 50_000
LOOKUP_THREADS = 4


class CatalogueUnavailable(Exception):  # noqa: N818 - reads as what happened
    """No usable answer from the catalogue (refused connection, timeout, 5xx, garbage)."""


class CatalogueRefused(Exception):  # noqa: N818 - reads as what happened
    """The catalogue refused the provider's key (401, 403) or is rate-limiting it (429)."""

    def __init__(self, status: int, message: str, retry_after: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after = retry_after


@dataclass(frozen=True)
class KeyOwner:
    provider_id: int
    name: str


class Remembered:
    """Answers kept until they expire, safe to share between threads; the oldest entries go
    first when `limit` is reached."""

    def __init__(self, ttl: float, clock: Callable[[], float], limit: int = MAX_REMEMBERED) -> None:
        self.ttl = ttl
        self._clock = clock
        self._limit = limit
        self._answers: dict[Hashable, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, question: Hashable) -> Any | None:
        with self._lock:
            found = self._answers.get(question)
        if found is None or found[0] <= self._clock():
            return None
        return found[1]

    def put(self, question: Hashable, answer: Any) -> None:
        now = self._clock()
        with self._lock:
            if len(self._answers) >= self._limit:
                for stale in [q for q, (until, _) in self._answers.items() if until <= now]:
                    del self._answers[stale]
                while len(self._answers) >= self._limit:
                    del self._answers[next(iter(self._answers))]
            self._answers[question] = (now + self.ttl, answer)

    def forget(self, question: Hashable) -> None:
        with self._lock:
            self._answers.pop(question, None)

    def __len__(self) -> int:
        return len(self._answers)


class CatalogueClient:
    """One per process: HTTP sessions per thread, and the answers remembered for all threads."""

    def __init__(
        self,
        base_url: str,
        *,
        key_ttl: float = KEY_TTL_SECONDS,
        course_ttl: float = COURSE_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base_url = base_url
        self.keys = Remembered(key_ttl, clock)
        self.courses = Remembered(course_ttl, clock)
        self._local = threading.local()

    # --- taxonomy --------------------------------------------------------------------------

    def taxonomy_codes(self, cached_version: str | None = None) -> dict[str, Any] | None:
        """`GET /taxonomy/codes`: the catalogue's codes, or None when `cached_version` is still
        the current one (304)."""
        headers = {"If-None-Match": f'"{cached_version}"'} if cached_version else {}
        response = self.fetch("/taxonomy/codes", headers)
        if response.status_code == 304:
            return None
        if response.status_code != 200:
            raise CatalogueUnavailable(f"GET /taxonomy/codes answered {response.status_code}")
        return _json(response)

    # --- provider keys ---------------------------------------------------------------------

    def key_owner(self, key: str) -> KeyOwner | None:
        """The provider `key` belongs to (remembered), or None for an unknown or revoked key."""
        remembered = self.keys.get(_digest(key))
        if remembered is not None:
            return remembered
        response = self.fetch("/providers/me", {"X-API-Key": key})
        if response.status_code in (401, 403):
            self.forget_key(key)
            return None
        _refuse_if_limited(response)
        if response.status_code != 200:
            raise CatalogueUnavailable(f"GET /providers/me answered {response.status_code}")
        body = _json(response)
        try:
            owner = KeyOwner(int(body["provider_id"]), str(body["name"]))
        except (KeyError, TypeError, ValueError) as error:
            raise CatalogueUnavailable("GET /providers/me answered without its fields") from error
        self.keys.put(_digest(key), owner)
        return owner

    def forget_key(self, key: str) -> None:
        self.keys.forget(_digest(key))

    # --- courses ---------------------------------------------------------------------------

    def provider_courses(self, provider_id: int, key: str) -> ProviderCourses:
        """The provider's courses, looked up with its (accepted) key."""
        return ProviderCourses(self, provider_id, key)

    # --- HTTP ------------------------------------------------------------------------------

    def fetch(self, path: str, headers: dict[str, str]) -> requests.Response:
        """GET `path`; below 500 the response, else (or on no answer) CatalogueUnavailable."""
        http = getattr(self._local, "http", None)
        if http is None:
            http = self._local.http = ServiceClient(self.base_url, caller="profile")
        try:
            response = http.get(path, headers=headers)
        except requests.RequestException as error:
            raise CatalogueUnavailable(f"GET {path}: {type(error).__name__}") from error
        if response.status_code >= 500:
            raise CatalogueUnavailable(f"GET {path} answered {response.status_code}")
        return response


class ProviderCourses:
    """`enrolments.CourseDirectory` over the catalogue's API for one provider and its key:
    `GET /providers/<id>/courses/<ref>` with the key and the public `GET /courses/<id>`, each
    asked only for answers not remembered, `LOOKUP_THREADS` at a time."""

    def __init__(self, catalogue: CatalogueClient, provider_id: int, key: str) -> None:
        self.catalogue = catalogue
        self.provider_id = provider_id
        self.key = key
        self.lookups = 0

    def courses_by_ref(self, course_refs: Collection[str]) -> dict[str, int]:
        return self._answers(("ref", self.provider_id), course_refs, self._ask_by_ref)

    def course_owners(self, course_ids: Collection[int]) -> dict[int, int]:
        return self._answers(("owner",), course_ids, self._ask_owner)

    def _answers(
        self, kind: tuple, questions: Collection[Any], ask: Callable[[Any], int | None]
    ) -> dict[Any, int]:
        remembered = self.catalogue.courses
        answers = {q: remembered.get((*kind, q)) for q in questions}
        missing = [q for q, answer in answers.items() if answer is None]
        self.lookups += len(missing)
        if len(missing) > 1:
            flow = contextvars.copy_context()  # the correlation id travels with each question
            with ThreadPoolExecutor(min(LOOKUP_THREADS, len(missing))) as pool:
                found = pool.map(lambda question: flow.copy().run(ask, question), missing)
                asked = dict(zip(missing, found, strict=True))
        else:
            asked = {q: ask(q) for q in missing}
        for question, answer in asked.items():
            if answer is not None:
                remembered.put((*kind, question), answer)
        answers.update(asked)
        return {q: answer for q, answer in answers.items() if answer is not None}

    def _ask_by_ref(self, course_ref: str) -> int | None:
        path = f"/providers/{self.provider_id}/courses/{quote(course_ref, safe='')}"
        response = self.catalogue.fetch(path, {"X-API-Key": self.key})
        if response.status_code == 404:
            return None
        if response.status_code in (401, 403):
            self.catalogue.forget_key(self.key)
            raise CatalogueRefused(response.status_code, "the catalogue no longer accepts this key")
        _refuse_if_limited(response)
        return _course_field(response, path, "id")

    def _ask_owner(self, course_id: int) -> int | None:
        path = f"/courses/{course_id}"
        response = self.catalogue.fetch(path, {})
        if response.status_code == 404:
            return None
        _refuse_if_limited(response)
        return _course_field(response, path, "provider_id")


def _course_field(response: requests.Response, path: str, name: str) -> int:
    if response.status_code != 200:
        raise CatalogueUnavailable(f"GET {path} answered {response.status_code}")
    body = _json(response)
    try:
        return int(body[name])
    except (KeyError, TypeError, ValueError) as error:
        raise CatalogueUnavailable(f"GET {path} answered without {name}") from error


def _refuse_if_limited(response: requests.Response) -> None:
    if response.status_code == 429:
        raise CatalogueRefused(
            429,
            "the catalogue is rate-limiting this key; retry later",
            response.headers.get("Retry-After"),
        )


def _json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError as error:
        raise CatalogueUnavailable(f"{response.url} answered something that is not JSON") from error


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()
