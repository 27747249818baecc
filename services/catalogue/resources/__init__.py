"""The catalogue's HTTP resources."""

from services.catalogue.resources import course_search, courses, providers, taxonomy
from shared.web import Api

MODULES = (courses, providers, course_search, taxonomy)


def register_blueprints(api: Api) -> None:
    for module in MODULES:
        api.register_blueprint(module.views.blp)
