"""Notifier settings: its own database and port."""

from dataclasses import dataclass

from shared.settings import ServiceSettings, setting


@dataclass(frozen=True)
class NotifierSettings(ServiceSettings):
    service = "notifier"

    database_url: str = setting(
        "ROUTEWAYS_NOTIFIER_DATABASE_URL", "sqlite:///var/notifier.sqlite3", "Notifier database"
    )
    port: int = setting("ROUTEWAYS_NOTIFIER_PORT", 8004, "Notifier HTTP port")
