"""The questions the recommender asks the catalogue over HTTP (`shared.service_client`): one
course's facts (`GET /courses/<id>`), every published course a page at a time (`GET /courses`),
where a postcode district is (`GET /postcodes/<district>`), and the whole occupation taxonomy
(`GET /taxonomy/export`, unless the version held is still the current one: 304).

Course events carry ids and the names of the fields that changed, never the facts themselves,
so the recommender reads them here. A 404 is an answer ("no such public course", "no such
district"); a refused connection, a timeout, a 5xx or a body without its fields is
`CatalogueUnavailable`, which the tasks retry.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import requests

from shared.service_client import CONNECT_TIMEOUT, ServiceClient

#: The catalogue's largest page of search results.
PAGE_SIZE = 100
#: Seconds to wait for the taxonomy export: the real taxonomy takes the catalogue a few
#: seconds to read and makes tens of megabytes.
EXPORT_TIMEOUT = (CONNECT_TIMEOUT, 60.0)


class CatalogueUnavailable(Exception):  # noqa: N818 - reads as what happened
    """No usable answer from the catalogue (refused connection, timeout, 5xx, garbage)."""


class CatalogueClient:
    """One HTTP session to the catalogue (not shared between threads)."""

    def __init__(self, base_url: str, http: ServiceClient | None = None) -> None:
        self.base_url = base_url
        self.http = http or ServiceClient(base_url, caller="recommender")

    def course(self, course_id: int) -> dict[str, Any] | None:
        """The course as `GET /courses/<id>` answers it (published or withdrawn: its status
        says which), or None when the catalogue has no public course by that id (a draft, or
        none at all)."""
        response = self._get(f"/courses/{int(course_id)}")
        if response.status_code == 404:
            return None
        return _body(response, f"/courses/{course_id}")

    def published_course_pages(self, page_size: int = PAGE_SIZE) -> Iterator[list[dict[str, Any]]]:
        """Every published course, past start dates included, in pages of `page_size` (the
        catalogue's cursor keeps the pages consistent while courses change); each page is
        asked for when the previous one has been used."""
        params: dict[str, Any] = {"hide_out_of_date": "false", "sort": "title", "limit": page_size}
        while True:
            body = _body(self._get("/courses", params=params), "/courses")
            yield list(body.get("items") or [])
            cursor = body.get("next_cursor")
            if not cursor:
                return
            params = {**params, "cursor": cursor}

    def district_centroid(self, district: str) -> tuple[float, float] | None:
        """(latitude, longitude) of the postcode district's centroid, or None when the
        catalogue does not know the district (404) or it is not shaped like one (422)."""
        path = f"/postcodes/{quote(district, safe='')}"
        response = self._get(path)
        if response.status_code in (404, 422):
            return None
        body = _body(response, path)
        try:
            return float(body["latitude"]), float(body["longitude"])
        except (KeyError, TypeError, ValueError) as error:
            raise CatalogueUnavailable(f"GET {path} answered without a centroid") from error

    def taxonomy_export(self, held_version: str | None = None) -> dict[str, Any] | None:
        """`GET /taxonomy/export`: the whole current taxonomy, or None when `held_version` is
        still the current one (304)."""
        headers = {"If-None-Match": f'"{held_version}"'} if held_version else None
        response = self._get("/taxonomy/export", headers=headers, timeout=EXPORT_TIMEOUT)
        if response.status_code == 304:
            return None
        return _body(response, "/taxonomy/export")

    def _get(
        self,
        path: str,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        timeout: tuple[float, float] | None = None,
    ) -> requests.Response:
        try:
            response = self.http.get(
                path, params=params, headers=headers, timeout=timeout or self.http.timeout
            )
        except requests.RequestException as error:
            raise CatalogueUnavailable(f"GET {path}: {type(error).__name__}") from error
        if response.status_code >= 500:
            raise CatalogueUnavailable(f"GET {path} answered {response.status_code}")
        return response


def _body(response: requests.Response, path: str) -> dict[str, Any]:
    if response.status_code != 200:
        raise CatalogueUnavailable(f"GET {path} answered {response.status_code}")
    try:
        body = response.json()
    except ValueError as error:
        raise CatalogueUnavailable(f"GET {path} answered something other than JSON") from error
    if not isinstance(body, dict):
        raise CatalogueUnavailable(f"GET {path} answered JSON that is not an object")
    return body
