"""Bringing the recommender's copy of the occupation taxonomy up to the catalogue's version.

Run by the `recommender.fetch_taxonomy` task after each `catalogue.taxonomy.updated`.
Idempotent: a version already copied is not fetched again, and the catalogue answers 304 to a
fetch naming the version it still serves (`If-None-Match`). The export is fetched outside any
transaction, so SQLite's write lock is held only while the copy is swapped
(`occupations.replace_taxonomy`, which also keeps a newer copy from a late, older answer).
"""

from __future__ import annotations

from typing import Any

from services.recommender import occupations
from services.recommender.catalogue_client import CatalogueClient, CatalogueUnavailable
from shared.db import Database

COPIED, ALREADY_COPIED, UNCHANGED, OLDER, NO_TAXONOMY = (
    "copied", "already-copied", "unchanged", "older-than-copy", "catalogue-has-no-taxonomy",
)  # fmt: skip


def refresh_taxonomy(
    database: Database, catalogue: CatalogueClient, announced_version: str | None = None
) -> dict[str, Any]:
    """Copy the catalogue's current taxonomy unless the copy holds it already; answers
    `{outcome, version, counts?}`. Raises CatalogueUnavailable when the catalogue gives no
    usable answer (the task retries)."""
    with database.session_scope() as session:
        held = occupations.copied_version(session)
    if announced_version is not None and announced_version == held:
        return {"outcome": ALREADY_COPIED, "version": held}
    document = catalogue.taxonomy_export(held)
    if document is None:
        return {"outcome": UNCHANGED, "version": held}
    if document.get("version") is None:
        return {"outcome": NO_TAXONOMY, "version": None}
    with database.session_scope() as session:
        before = occupations.copied_version(session)  # another run may have copied meanwhile
        try:
            counts = occupations.replace_taxonomy(session, document)
        except occupations.InvalidTaxonomy as error:
            raise CatalogueUnavailable(f"GET /taxonomy/export: {error}") from error
        after = occupations.copied_version(session)
    if after == before:
        return {"outcome": UNCHANGED if after == document["version"] else OLDER, "version": after}
    return {"outcome": COPIED, "version": after, "counts": counts}
