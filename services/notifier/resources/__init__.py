"""The notifier's HTTP resources."""

from services.notifier.resources import pending
from shared.web import Api

MODULES = (pending,)


def register_blueprints(api: Api) -> None:
    for module in MODULES:
        api.register_blueprint(module.views.blp)
