"""Fetching what a digest is composed from, through a transport that answers like the services
(no sockets): the paths asked, the provider put on each course, and what each failure means."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
import requests
from requests.adapters import BaseAdapter

from services.notifier.digest_sources import DigestSources, SourceUnavailable, UnknownLearner
from services.notifier.digests import compose
from shared.service_client import ServiceClient
from tests.unit.notifier.digest_bodies import (
    BLACKBURN,
    COURSES,
    PRESTON,
    ROUTES,
    SUGGESTIONS,
    TODAY,
    UCLAN,
)


class Answers(BaseAdapter):
    """Canned answers by path (with query); records every request."""

    def __init__(self, answers: dict[str, tuple[int, object]]) -> None:
        super().__init__()
        self.answers = answers
        self.asked: list[str] = []

    def send(self, request, **kwargs):
        parts = urlsplit(request.url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        self.asked.append(path)
        if path not in self.answers:
            raise requests.ConnectionError(f"nothing listens for {path}")
        status, body = self.answers[path]
        response = requests.Response()
        response.status_code = status
        response._content = json.dumps(body).encode()
        response.headers["Content-Type"] = "application/json"
        response.url = request.url
        response.request = request
        return response

    def close(self):
        pass


def catalogue_body(course_id: int) -> dict:
    return {k: v for k, v in COURSES[course_id].items() if k != "provider"}


def sources(recommender: dict, catalogue: dict) -> tuple[DigestSources, Answers, Answers]:
    rec, cat = Answers(recommender), Answers(catalogue)
    rec_client, cat_client = ServiceClient("http://rec"), ServiceClient("http://cat")
    rec_client.mount("http://", rec)
    cat_client.mount("http://", cat)
    return DigestSources(rec_client, cat_client), rec, cat


RECOMMENDER = {
    "/learners/881/recommendations?n=5": (200, SUGGESTIONS),
    "/learners/881/routes?max=1": (200, ROUTES),
}
CATALOGUE = {
    "/courses/4127": (200, catalogue_body(4127)),
    "/courses/3310": (200, catalogue_body(3310)),
    "/courses/518": (200, catalogue_body(518)),
    "/providers/12": (200, PRESTON),
    "/providers/7": (200, BLACKBURN),
    "/providers/3": (200, UCLAN),
}


def test_gather_asks_for_five_suggestions_one_route_and_each_course_and_provider_once():
    source, rec, cat = sources(RECOMMENDER, CATALOGUE)

    inputs = source.gather(881)

    assert rec.asked == ["/learners/881/recommendations?n=5", "/learners/881/routes?max=1"]
    assert cat.asked == [
        "/courses/4127", "/providers/12", "/courses/3310", "/providers/7", "/courses/518",
        "/providers/3",
    ]  # fmt: skip
    assert inputs.courses == COURSES
    digest = compose(881, "weekly", "2026-W48", inputs.suggestions, inputs.routes,
                     inputs.courses, today=TODAY)  # fmt: skip
    assert [c.provider for c in digest.courses] == [
        "Preston's College", "Blackburn College", "University of Central Lancashire",
    ]  # fmt: skip


def test_a_learner_without_a_target_or_route_gets_no_route():
    for status, body in ((422, {"status": 422}), (404, {"status": 404}),
                         (200, {**ROUTES, "routes": []})):  # fmt: skip
        source, _, _ = sources(
            {**RECOMMENDER, "/learners/881/routes?max=1": (status, body)}, CATALOGUE
        )
        assert source.gather(881).routes is None


def test_a_course_the_catalogue_no_longer_has_is_left_out():
    source, _, _ = sources(RECOMMENDER, {**CATALOGUE, "/courses/3310": (404, {"status": 404})})
    assert sorted(source.gather(881).courses) == [518, 4127]


def test_an_unknown_learner_is_told_apart_from_an_unavailable_service():
    source, _, _ = sources({"/learners/881/recommendations?n=5": (404, {})}, CATALOGUE)
    with pytest.raises(UnknownLearner):
        source.gather(881)
    source, _, _ = sources({"/learners/881/recommendations?n=5": (500, {})}, CATALOGUE)
    with pytest.raises(SourceUnavailable, match="500"):
        source.gather(881)
    source, _, _ = sources(RECOMMENDER, {})
    with pytest.raises(SourceUnavailable, match="nothing listens"):
        source.gather(881)
