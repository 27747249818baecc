"""The recommender service, as the CLI and bus see it."""

from pathlib import Path

from services.recommender import models
from services.recommender.handlers import HANDLERS
from services.recommender.settings import RecommenderSettings
from shared.service_spec import ServiceSpec

SPEC = ServiceSpec(
    name="recommender",
    settings_class=RecommenderSettings,
    models=models,
    handlers=HANDLERS,
    migrations=Path(__file__).parent / "migrations",
    app_factory="services.recommender:create_app",
)
