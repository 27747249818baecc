"""/models: the trained versions, with their data counts, parameters and metrics, and
training a new one in the background (admin)."""

from __future__ import annotations

from pathlib import Path

from flask import current_app, url_for
from flask.views import MethodView

from services.recommender import tasks
from services.recommender.model_store import ModelStore
from services.recommender.resources.models.schemas import ModelVersionSchema, TrainBody
from services.recommender.resources.tasks import tracking
from services.recommender.resources.tasks.schemas import TaskAcceptedSchema
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


@blp.route("/train")
class ModelTraining(MethodView):
    @blp.admin_required
    @blp.arguments(TrainBody, required=False)
    @blp.response(202, TaskAcceptedSchema, headers={"Location": {"schema": {"type": "string"}}})
    def post(self, body: dict) -> tuple[dict, dict]:
        """Train a version in the background; poll the answer's status_url (admin)"""
        task_id = tracking.send(current_app.extensions["routeways.redis"], tasks.train, **body)
        status_url = url_for("tasks.TaskById", task_id=task_id)
        return {"task_id": task_id, "status_url": status_url}, {"Location": status_url}
