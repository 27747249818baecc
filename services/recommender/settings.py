"""Recommender settings: its own database and port."""

from dataclasses import dataclass

from shared.settings import ServiceSettings, setting


@dataclass(frozen=True)
class RecommenderSettings(ServiceSettings):
    service = "recommender"

    database_url: str = setting(
        "ROUTEWAYS_RECOMMENDER_DATABASE_URL",
        "sqlite:///var/recommender.sqlite3",
        "Recommender database",
    )
    port: int = setting("ROUTEWAYS_RECOMMENDER_PORT", 8003, "Recommender HTTP port")
