"""The profile service, as the CLI and bus see it."""

from pathlib import Path

from services.profile import models
from services.profile.handlers import HANDLERS
from services.profile.settings import ProfileSettings
from shared.service_spec import ServiceSpec

SPEC = ServiceSpec(
    name="profile",
    settings_class=ProfileSettings,
    models=models,
    handlers=HANDLERS,
    migrations=Path(__file__).parent / "migrations",
    app_factory="services.profile:create_app",
)
