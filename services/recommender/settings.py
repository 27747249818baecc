"""Recommender settings: its own database and port, the admin token, where model versions
live and the start window of suggestions."""

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
    admin_token: str = setting(
        "ROUTEWAYS_RECOMMENDER_ADMIN_TOKEN",
        "",
        "Bearer token of the admin endpoints (training, tasks); empty turns them off (404)",
    )
    models_dir: str = setting(
        "ROUTEWAYS_RECOMMENDER_MODELS_DIR",
        "var/models",
        "Folder of trained model versions and the pointer to the serving one",
    )
    start_horizon_days: int = setting(
        "ROUTEWAYS_RECOMMENDER_START_HORIZON_DAYS",
        365,
        "Courses are suggested only if they start within this many days of the learner's "
        "earliest start (or today)",
    )
