"""The profile service's HTTP resources."""

from services.profile.resources import (
    advisers,
    caseload_contacts,
    contacts,
    enrolments,
    interactions,
    learners,
)
from shared.web import Api

MODULES = (learners, interactions, advisers, enrolments, contacts, caseload_contacts)


def register_blueprints(api: Api) -> None:
    for module in MODULES:
        api.register_blueprint(module.views.blp)
