"""The recommender's HTTP resources."""

from services.recommender.resources import read_model
from shared.web import Api

MODULES = (read_model,)


def register_blueprints(api: Api) -> None:
    for module in MODULES:
        api.register_blueprint(module.views.blp)
