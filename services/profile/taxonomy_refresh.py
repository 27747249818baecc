"""Bringing the cached taxonomy codes up to the catalogue's current version.

Run by the `profile.refresh_taxonomy` task (after each `catalogue.taxonomy.updated`) and by
`routeways profile refresh-taxonomy`. Idempotent: a version already cached is not fetched again,
and the catalogue answers 304 to a fetch naming the version it still serves. The codes are
fetched outside any transaction, so SQLite's write lock is held only while they are swapped in.
"""

from __future__ import annotations

from typing import Any

from services.profile.catalogue_client import CatalogueClient, CatalogueUnavailable
from services.profile.taxonomy_cache import TaxonomySnapshot, cached_version, replace_codes
from shared.db import Database

CACHED, ALREADY_CACHED, UNCHANGED, NO_TAXONOMY = (
    "cached", "already-cached", "unchanged", "catalogue-has-no-taxonomy",
)  # fmt: skip


def refresh_codes(
    database: Database,
    catalogue: CatalogueClient,
    announced_version: str | None = None,
    force: bool = False,
) -> dict[str, Any]:
    """Cache the catalogue's current codes unless they are cached already; `force` fetches and
    swaps them in regardless. Answers `{outcome, version, counts?}`."""
    with database.session_scope() as session:
        cached = cached_version(session)
    if not force and announced_version is not None and announced_version == cached:
        return {"outcome": ALREADY_CACHED, "version": cached}
    body = catalogue.taxonomy_codes(None if force else cached)
    if body is None:
        return {"outcome": UNCHANGED, "version": cached}
    if body.get("version") is None:
        return {"outcome": NO_TAXONOMY, "version": None}
    try:
        snapshot = TaxonomySnapshot.from_catalogue(body)
    except (KeyError, TypeError) as error:
        raise CatalogueUnavailable(f"GET /taxonomy/codes answered without {error}") from error
    with database.session_scope() as session:
        if not force and cached_version(session) == snapshot.version:
            return {"outcome": UNCHANGED, "version": snapshot.version}  # another run was first
        counts = replace_codes(session, snapshot)
    return {"outcome": CACHED, "version": snapshot.version, "counts": counts}
