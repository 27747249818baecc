"""What the CLI, the bus tasks and the tests need to know of a service, in one record."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from shared.db import Database
from shared.settings import ServiceSettings

T = TypeVar("T")


@dataclass(frozen=True)
class ServiceSpec:
    """A service: its settings class, models module, event handlers and migrations folder.

    `models` must define `Base`, `OutboxEvent`, `InboxEntry`, `RelayCheckpoint` and
    `ErasedLearner` (the erasure tombstones its consumer keeps and checks).
    `create_app` is imported lazily by the CLI so that consumers and relays never load Flask.
    """

    name: str
    settings_class: type[ServiceSettings]
    models: ModuleType
    handlers: Mapping[tuple[str, int], Callable[..., None]]
    migrations: Path
    app_factory: str  # "services.catalogue:create_app"

    def settings(self, overrides: Mapping[str, Any] | None = None) -> ServiceSettings:
        return self.settings_class.from_env(overrides=overrides)

    def database(self, settings: ServiceSettings | None = None) -> Database:
        return Database((settings or self.settings()).database_url)

    def in_transaction(
        self,
        run: Callable[[Session, Any], T],
        refused: type[Exception] | tuple[type[Exception], ...] = (),
    ) -> T:
        """`run(session, settings)` in one transaction on the service's database, for CLI
        commands: committed if it returns; a `refused` error (the domain's) becomes a one-line
        `click` error, exit status 1."""
        import click

        settings = self.settings()
        database = self.database(settings)
        try:
            with database.session_scope() as session:
                result = run(session, settings)
                session.flush()
                return result
        except refused as error:
            raise click.ClickException(str(error)) from error
        finally:
            database.dispose()
