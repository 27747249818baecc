"""/tasks: the state of a task this service sent (admin), for clients that started one and poll."""

from __future__ import annotations

import uuid

from flask import current_app
from flask.views import MethodView
from flask_smorest import abort

from services.recommender.resources.tasks import tracking
from services.recommender.resources.tasks.schemas import TaskStatusSchema
from shared.web.blueprint import Blueprint

blp = Blueprint("tasks", __name__, url_prefix="/tasks", description="Background tasks")


@blp.route("/<uuid:task_id>")
class TaskById(MethodView):
    @blp.admin_required
    @blp.response(200, TaskStatusSchema)
    def get(self, task_id: uuid.UUID) -> dict:
        """A task's state: queued, running (with its stage), succeeded or failed (admin)"""
        answer = tracking.status(current_app.extensions["routeways.redis"], str(task_id))
        if answer is None:
            abort(404, message="this service sent no task with this id, or it has expired")
        return answer
