"""The profile service's HTTP resources."""

from services.profile.resources import (
    advisers,
    caseload_contacts,
    contacts,
    delivery_log,
    enrolments,
    interactions,
    learners,
)
from shared.web import Api

MODULES = (
    learners,
    interactions,
    advisers,
    enrolments,
    contacts,
    caseload_contacts,
    delivery_log,
)


def register_blueprints(api: Api) -> None:
    for module in MODULES:
        api.register_blueprint(module.views.blp)
