"""`routeways recommender train | models | activate | rollback`: model versions from the
command line (each prints JSON)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import click

from services.recommender.cli import recommender
from services.recommender.model_store import ModelStore, ModelStoreError, ModelVersion
from services.recommender.ranking.algorithms import DEFAULT_PARAMS, KINDS
from services.recommender.settings import RecommenderSettings
from services.recommender.training import NothingToTrain, TrainingRun, train_version
from shared.db import Database


def _store() -> ModelStore:
    return ModelStore(Path(RecommenderSettings.from_env().models_dir))


def _describe(version: ModelVersion, serving: str | None = None) -> dict:
    return {
        "name": version.name,
        "algorithm": version.algorithm,
        "created_at": version.created_at,
        "serving": version.name == serving,
        "counts": version.counts,
        "metrics": version.metrics,
        "params": version.params,
    }


@recommender.command("train")
@click.option("--kind", type=click.Choice(KINDS), default=DEFAULT_PARAMS.kind, show_default=True)
@click.option("--activate/--no-activate", default=True, help="Serve the new version at once.")
def train(kind: str, activate: bool) -> None:
    """Train a model version on the read model (with implicit's progress bar) and print it."""
    params = dataclasses.replace(DEFAULT_PARAMS, kind=kind)
    settings = RecommenderSettings.from_env()
    database = Database(settings.database_url)
    run = TrainingRun(params, activate=activate, show_progress=True)
    try:
        with database.session_scope() as session:
            version = train_version(session, ModelStore(Path(settings.models_dir)), run)
    except NothingToTrain as error:
        raise click.ClickException(str(error)) from error
    finally:
        database.dispose()
    click.echo(json.dumps(_describe(version, version.name if activate else None), indent=2))


@recommender.command("models")
def models() -> None:
    """Every model version, oldest first, and which one serves."""
    store = _store()
    current = store.current()
    serving = current.name if current else None
    click.echo(json.dumps([_describe(v, serving) for v in store.versions()], indent=2))


@recommender.command("activate")
@click.argument("name")
def activate(name: str) -> None:
    """Serve the version NAME."""
    try:
        version = _store().activate(name)
    except ModelStoreError as error:
        raise click.ClickException(str(error)) from error
    click.echo(json.dumps(_describe(version, version.name), indent=2))


@recommender.command("rollback")
def rollback() -> None:
    """Serve again the version that served before the current one."""
    try:
        version = _store().rollback()
    except ModelStoreError as error:
        raise click.ClickException(str(error)) from error
    click.echo(json.dumps(_describe(version, version.name), indent=2))
