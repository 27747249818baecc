"""The recommender's HTTP resources."""

from services.recommender.resources import (
    career_changes,
    courses,
    models,
    read_model,
    recommendations,
    routes,
    tasks,
)
from shared.web import Api

MODULES = (read_model, models, recommendations, routes, career_changes, courses, tasks)


def register_blueprints(api: Api) -> None:
    for module in MODULES:
        api.register_blueprint(module.views.blp)
