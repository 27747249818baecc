"""Shortlist bodies: what the profile service posts when an adviser sends courses to a learner."""

from marshmallow import Schema, fields, validate

from services.notifier.shortlists import MAX_COURSES


class ShortlistItemSchema(Schema):
    course_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    cost_to_learner_pence = fields.Integer(
        load_default=0, strict=True, validate=validate.Range(0, 100_000_000)
    )
    distance_km = fields.Float(load_default=None, allow_none=True, validate=validate.Range(0, 2000))
    reason = fields.String(load_default="", validate=validate.Length(max=300))


class ShortlistSchema(Schema):
    shortlist_id = fields.UUID(
        required=True, metadata={"description": "the profile's id: a repost sends nothing twice"}
    )
    learner_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    adviser_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    note = fields.String(load_default="", validate=validate.Length(max=1000))
    items = fields.List(
        fields.Nested(ShortlistItemSchema),
        required=True,
        validate=validate.Length(min=1, max=MAX_COURSES),
    )


class ShortlistQueuedSchema(Schema):
    delivery_id = fields.String()
    status = fields.String(metadata={"description": "queued: a worker sends it shortly"})
