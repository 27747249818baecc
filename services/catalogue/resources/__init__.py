"""The catalogue's HTTP resources."""

from services.catalogue.resources import courses, providers
from shared.web import Api

MODULES = (courses, providers)


def register_blueprints(api: Api) -> None:
    for module in MODULES:
        api.register_blueprint(module.views.blp)
