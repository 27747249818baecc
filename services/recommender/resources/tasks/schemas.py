"""Task bodies: what `POST /models/train` answers and what `GET /tasks/{id}` reports."""

from marshmallow import Schema, fields, validate

from services.recommender.resources.tasks.tracking import STATE_NAMES


class TaskAcceptedSchema(Schema):
    task_id = fields.String(required=True, metadata={"example": "3f2a1c9e-6b1d-4e1a-9a55-0c1d"})
    status_url = fields.String(
        required=True, metadata={"description": "where to poll the task's state"}
    )


class TaskStatusSchema(Schema):
    task_id = fields.String(required=True)
    state = fields.String(
        required=True,
        validate=validate.OneOf(sorted(set(STATE_NAMES.values()))),
        metadata={"description": "queued, running, succeeded or failed"},
    )
    result = fields.Dict(
        allow_none=True,
        metadata={"description": "what a succeeded task returned, e.g. the trained version"},
    )
    error = fields.String(allow_none=True, metadata={"description": "why a task failed"})
    progress = fields.Dict(
        allow_none=True,
        metadata={"description": 'the stage a running task reported, e.g. {"stage": "fitting"}'},
    )
