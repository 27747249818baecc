"""What the notifier is told about a learner at send time, and nothing more."""

from __future__ import annotations

from marshmallow import Schema, fields

from shared.events.profile import EMAIL_FREQUENCIES


class ContactSchema(Schema):
    """A learner's contact: the address and name only while they accept suggestion emails."""

    learner_id = fields.Integer(dump_only=True)
    suggestion_emails = fields.Boolean(
        dump_only=True, metadata={"description": "the learner accepts course-suggestion emails"}
    )
    frequency = fields.String(
        dump_only=True, metadata={"description": f"one of {', '.join(EMAIL_FREQUENCIES)}"}
    )
    email = fields.String(
        dump_only=True, allow_none=True, metadata={"description": "null without email consent"}
    )
    name = fields.String(
        dump_only=True, allow_none=True, metadata={"description": "null without email consent"}
    )
