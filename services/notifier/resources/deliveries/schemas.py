"""The delivery log: what was sent to a learner, when, naming which courses, and how it went."""

from marshmallow import Schema, fields, validate


class DeliveryQuery(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class DeliverySchema(Schema):
    digest_id = fields.String()
    kind = fields.String(metadata={"description": "weekly, monthly or alert"})
    period = fields.String(metadata={"description": "ISO week, month, or the alert's event id"})
    state = fields.String(
        metadata={"description": "claimed (being sent), sent, bounced, failed or skipped"}
    )
    message_id = fields.String(allow_none=True)
    course_ids = fields.List(fields.Integer())
    attempts = fields.Integer(metadata={"description": "claims: the first send and its retries"})
    detail = fields.String(allow_none=True, metadata={"description": "why it failed or bounced"})
    claimed_at = fields.AwareDateTime()
    sent_at = fields.AwareDateTime(allow_none=True)
    updated_at = fields.AwareDateTime()
