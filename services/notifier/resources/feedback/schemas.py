"""Feedback link bodies: which answer the link carries, and what was recorded."""

from marshmallow import Schema, fields, validate

from services.notifier.email_links import FEEDBACK_KINDS


class FeedbackQuery(Schema):
    kind = fields.String(
        load_default="interested",
        validate=validate.OneOf(tuple(FEEDBACK_KINDS)),
        metadata={"description": "interested, or not-interested"},
    )


class FeedbackSchema(Schema):
    course_id = fields.Integer()
    kind = fields.String(metadata={"description": "interested, or not-interested"})
    interaction_kind = fields.String(
        metadata={"description": "the profile interaction it records: saved or not-interested"}
    )
    recorded = fields.Boolean(metadata={"description": "False: shown, not recorded (a GET)"})
