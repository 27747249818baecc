"""The notifier service, as the CLI and bus see it."""

from pathlib import Path

from services.notifier import models
from services.notifier.handlers import HANDLERS
from services.notifier.settings import NotifierSettings
from shared.service_spec import ServiceSpec

SPEC = ServiceSpec(
    name="notifier",
    settings_class=NotifierSettings,
    models=models,
    handlers=HANDLERS,
    migrations=Path(__file__).parent / "migrations",
    app_factory="services.notifier:create_app",
)
