"""Preview query."""

from marshmallow import Schema, fields, validate

from services.notifier.digests import KINDS


class PreviewQuery(Schema):
    kind = fields.String(
        load_default="weekly",
        validate=validate.OneOf(KINDS),
        metadata={"description": "weekly, monthly or alert"},
    )
