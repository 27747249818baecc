"""The catalogue service, as the CLI and bus see it."""

from pathlib import Path

from services.catalogue import models
from services.catalogue.handlers import HANDLERS
from services.catalogue.settings import CatalogueSettings
from shared.service_spec import ServiceSpec

SPEC = ServiceSpec(
    name="catalogue",
    settings_class=CatalogueSettings,
    models=models,
    handlers=HANDLERS,
    migrations=Path(__file__).parent / "migrations",
    app_factory="services.catalogue:create_app",
)
