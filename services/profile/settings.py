"""Profile settings: its own database and port."""

from dataclasses import dataclass

from shared.settings import ServiceSettings, setting


@dataclass(frozen=True)
class ProfileSettings(ServiceSettings):
    service = "profile"

    database_url: str = setting(
        "ROUTEWAYS_PROFILE_DATABASE_URL", "sqlite:///var/profile.sqlite3", "Profile database"
    )
    port: int = setting("ROUTEWAYS_PROFILE_PORT", 8001, "Profile HTTP port")
