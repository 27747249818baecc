"""Read-model status body."""

from marshmallow import Schema, fields


class ReadModelSchema(Schema):
    courses = fields.Integer(required=True)
    published_courses = fields.Integer(required=True)
    learners = fields.Integer(required=True)
    interactions = fields.Integer(required=True)
