"""CLI commands that import the taxonomy, postcodes and official course sources."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from services.catalogue.cli import catalogue
from services.catalogue.course_sources import READERS, SourceFormatError, read_source
from services.catalogue.course_sources.report import (
    DRY_RUN_OUTCOMES,
    IMPORT_OUTCOMES,
    check_rows,
    parse_defaults,
    summarise,
)

# --- official course sources (docs/import-formats.md) ---------------------------------------


@catalogue.command("import-courses")
@click.option("--provider-id", type=int, required=True, help="The provider the courses belong to.")
@click.option("--format", "source_format", type=click.Choice(sorted(READERS)), required=True)
@click.option(
    "--defaults",
    "defaults_json",
    default="{}",
    help="JSON object of course fields the source does not give (campus, study_mode, ...).",
)
@click.option("--dry-run", is_flag=True, help="Read and check FILE; write nothing.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_courses(
    provider_id: int, source_format: str, defaults_json: str, dry_run: bool, file: Path
) -> None:
    """Import FILE, downloaded from an official source, as the provider's courses, and print a
    JSON summary: counts per outcome and the first rejected lines with their reasons."""
    try:
        defaults = parse_defaults(defaults_json)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--defaults") from error
    try:
        source_rows = read_source(source_format, file, defaults)
    except SourceFormatError as error:
        raise click.ClickException(str(error)) from error
    rows = [source.row for source in source_rows if source.row is not None]
    if dry_run:
        outcomes, names = check_rows(rows), DRY_RUN_OUTCOMES
    else:
        outcomes, names = _upsert_courses(provider_id, rows), IMPORT_OUTCOMES
    summary = summarise(source_rows, outcomes, names)
    head = {"format": source_format, "file": str(file), "provider_id": provider_id}
    click.echo(json.dumps({**head, "dry_run": dry_run, **summary}, indent=2, default=str))


def _upsert_courses(provider_id: int, rows: list[dict]) -> list[tuple[str, dict]]:
    """Store the rows in one transaction; each row's outcome and field errors, in order."""
    from services import load
    from services.catalogue.courses import upsert_courses
    from services.catalogue.models import Provider

    database = load("catalogue").database()
    try:
        with database.session_scope() as session:
            if session.get(Provider, provider_id) is None:
                raise click.ClickException(f"there is no provider {provider_id}")
            result = upsert_courses(session, provider_id, rows)
    finally:
        database.dispose()
    return [(row.outcome, row.errors) for row in result.rows]


# --- taxonomy and postcode districts (open data, or the demo's) -----------------------------

DATA_DIR_ENV = "ROUTEWAYS_DATA_DIR"
data_option = click.option(
    "--data",
    "data_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Open-data folder laid out like shared/data (default: $ROUTEWAYS_DATA_DIR, else "
    "../shared/data from the working directory if it exists, else the demo's).",
)


@catalogue.command("import-taxonomy")
@data_option
def import_taxonomy(data_dir: Path | None) -> None:
    """Import occupations, skills, transitions, labour-market signals and postcode districts,
    and print a JSON summary; a run that changes nothing records and publishes nothing."""
    from services.catalogue import taxonomy

    folder = data_dir or default_data_dir()
    summary = _in_catalogue(
        lambda session: (
            taxonomy.import_taxonomy(session, folder)
            if folder is not None
            else taxonomy.import_demo_taxonomy(session)
        )
    )
    click.echo(json.dumps(summary.to_dict(), indent=2))


@catalogue.command("import-postcodes")
@data_option
def import_postcodes(data_dir: Path | None) -> None:
    """Import only the postcode districts (uk-postcode-outcodes, or the demo's Lancashire
    districts) and print a JSON summary."""
    from services.catalogue import taxonomy

    folder = data_dir or default_data_dir()
    summary = _in_catalogue(
        lambda session: (
            taxonomy.import_postcodes(session, folder)
            if folder is not None
            else taxonomy.import_demo_postcodes(session)
        )
    )
    click.echo(json.dumps(summary.to_dict(), indent=2))


def default_data_dir() -> Path | None:
    """$ROUTEWAYS_DATA_DIR, else ../shared/data from the working directory when it exists."""
    import os

    configured = os.environ.get(DATA_DIR_ENV)
    if configured:
        if not Path(configured).is_dir():
            raise click.ClickException(f"{DATA_DIR_ENV}={configured} is not a folder")
        return Path(configured)
    beside = Path.cwd().parent / "shared" / "data"
    return beside if beside.is_dir() else None


def _in_catalogue(run: Callable[[Any], Any]) -> Any:
    """Run an import in one catalogue transaction; a missing input file is a clear CLI error."""
    from services import load

    return load("catalogue").in_transaction(lambda session, _: run(session), FileNotFoundError)
