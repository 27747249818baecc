"""The notifier's HTTP resources: pending notices, the pages an email's links open (feedback,
unsubscribe, preferences), the admin's digest preview and delivery log."""

from services.notifier.resources import (
    deliveries,
    feedback,
    pending,
    preferences,
    preview,
    shortlists,
    unsubscribe,
)
from shared.web import Api

MODULES = (pending, feedback, unsubscribe, preferences, preview, deliveries, shortlists)


def register_blueprints(api: Api) -> None:
    for module in MODULES:
        api.register_blueprint(module.views.blp)
