"""`routeways recommender sync-courses`: read every published course from the catalogue into the
read model now (a fresh recommender, or one that missed events during an outage), printing JSON."""

from __future__ import annotations

import json
import sys

import click
from tqdm import tqdm

from services.recommender import course_facts
from services.recommender.catalogue_client import CatalogueClient, CatalogueUnavailable
from services.recommender.cli import recommender
from services.recommender.settings import RecommenderSettings
from shared.db import Database


@recommender.command("sync-courses")
@click.option("--progress/--no-progress", default=True, help="Show a progress bar on stderr.")
def sync_courses(progress: bool) -> None:
    """Read every published course from the catalogue (ROUTEWAYS_CATALOGUE_URL) into the read
    model, re-read the courses held as published that it no longer lists, and print the counts
    as JSON. Safe beside a running consumer: newer answers are never overwritten."""
    settings = RecommenderSettings.from_env()
    database = Database(settings.database_url)
    bar = tqdm(unit=" courses", disable=not progress, file=sys.stderr)
    try:
        result = course_facts.sync_courses(
            database, CatalogueClient(settings.catalogue_url), progress=bar.update
        )
    except CatalogueUnavailable as error:
        raise click.ClickException(
            f"the catalogue at {settings.catalogue_url} did not answer usefully: {error}"
        ) from error
    finally:
        bar.close()
        database.dispose()
    click.echo(json.dumps(result.as_dict(), indent=2))
