"""Interaction bodies."""

from marshmallow import Schema, fields, validate

from shared.db import MAX_ID
from shared.events.profile import INTERACTION_KINDS, INTERACTION_SOURCES


class InteractionSchema(Schema):
    id = fields.Integer(dump_only=True)
    learner_id = fields.Integer(dump_only=True)
    course_id = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1, max=MAX_ID)
    )
    kind = fields.String(required=True, validate=validate.OneOf(INTERACTION_KINDS))
    source = fields.String(required=True, validate=validate.OneOf(INTERACTION_SOURCES))
    occurred_at = fields.AwareDateTime(required=True)
    client_ref = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "Client-chosen id: a retried POST records once"},
    )


class HistoryQuery(Schema):
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=1000))
