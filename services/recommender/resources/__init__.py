"""The recommender's HTTP resources."""

from services.recommender.resources import courses, models, read_model, recommendations, tasks
from shared.web import Api

MODULES = (read_model, models, recommendations, courses, tasks)


def register_blueprints(api: Api) -> None:
    for module in MODULES:
        api.register_blueprint(module.views.blp)
