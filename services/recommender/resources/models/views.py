"""/models: the trained versions, with their data counts, parameters and metrics."""

from __future__ import annotations

from pathlib import Path

from flask import current_app
from flask.views import MethodView

from services.recommender.model_store import ModelStore
from services.recommender.resources.models.schemas import ModelVersionSchema
from shared.web.blueprint import Blueprint

blp = Blueprint("models", __name__, url_prefix="/models", description="Model versions")


@blp.route("")
class Models(MethodView):
    @blp.response(200, ModelVersionSchema(many=True))
    def get(self) -> list[dict]:
        """Every trained version, oldest first, and which one serves"""
        store = ModelStore(Path(current_app.extensions["routeways.settings"].models_dir))
        current = store.current()
        return [
            {**vars(version), "serving": current is not None and version.name == current.name}
            for version in store.versions()
        ]
