"""Alembic, driven from code: each service has its own migrations folder and database."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData

from shared.db import make_engine
from shared.service_spec import ServiceSpec


def alembic_config(spec: ServiceSpec, url: str) -> Config:
    """An Alembic config for `spec`'s migrations against `url` (passed as an attribute, so a
    password with `%` in it needs no escaping)."""
    config = Config()
    config.set_main_option("script_location", str(spec.migrations))
    config.attributes["url"] = url
    return config


def upgrade(spec: ServiceSpec, url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(spec, url), revision)


def run_env(context: Any, target_metadata: MetaData) -> None:
    """The body of every service's migrations/env.py (online mode only)."""
    url = context.config.attributes.get("url")
    if url is None:
        raise RuntimeError("run migrations with `routeways migrate`, which passes the database URL")
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
