"""A learner's delivery log as the profile service passes it on from the notifier."""

from marshmallow import Schema, fields, validate


class DeliveryLogQuery(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
