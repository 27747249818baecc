"""`routeways profile refresh-taxonomy`: fetch the catalogue's taxonomy codes into the profile
service's cache now (the same fetch the `profile.refresh_taxonomy` task makes), printing JSON."""

from __future__ import annotations

import json

import click

from services.profile import taxonomy_refresh
from services.profile.catalogue_client import CatalogueClient, CatalogueUnavailable
from services.profile.cli import profile
from services.profile.settings import ProfileSettings
from shared.db import Database


@profile.command("refresh-taxonomy")
@click.option(
    "--force",
    is_flag=True,
    help="Fetch and swap in the codes even when their version is cached already.",
)
def refresh_taxonomy(force: bool) -> None:
    """Cache the catalogue's current taxonomy codes (from ROUTEWAYS_CATALOGUE_URL) and print
    the version with the number of codes of each kind as JSON."""
    settings = ProfileSettings.from_env()
    database = Database(settings.database_url)
    try:
        outcome = taxonomy_refresh.refresh_codes(
            database, CatalogueClient(settings.catalogue_url), force=force
        )
    except CatalogueUnavailable as error:
        raise click.ClickException(
            f"the catalogue at {settings.catalogue_url} did not answer usefully: {error}"
        ) from error
    finally:
        database.dispose()
    click.echo(json.dumps(outcome, indent=2))
