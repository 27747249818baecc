"""Pending notices body."""

from marshmallow import Schema, fields


class DigestItemSchema(Schema):
    course_id = fields.Integer()
    rank = fields.Integer()
    model_version = fields.String()
    created_at = fields.AwareDateTime()


class RouteChangeSchema(Schema):
    target = fields.String()
    changes = fields.List(fields.String())
    created_at = fields.AwareDateTime()


class PendingSchema(Schema):
    learner_id = fields.Integer()
    digest_items = fields.List(fields.Nested(DigestItemSchema))
    route_changes = fields.List(fields.Nested(RouteChangeSchema))
