"""Catalogue settings: its own database and port."""

from dataclasses import dataclass

from shared.settings import ServiceSettings, setting


@dataclass(frozen=True)
class CatalogueSettings(ServiceSettings):
    service = "catalogue"

    database_url: str = setting(
        "ROUTEWAYS_CATALOGUE_DATABASE_URL", "sqlite:///var/catalogue.sqlite3", "Catalogue database"
    )
    port: int = setting("ROUTEWAYS_CATALOGUE_PORT", 8002, "Catalogue HTTP port")
