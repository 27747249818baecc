"""Provider bodies."""

from marshmallow import Schema, fields, validate

PROVIDER_KINDS = ("fe-college", "university", "itp", "employer-academy", "sixth-form")


class ProviderSchema(Schema):
    id = fields.Integer(dump_only=True)
    key = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9-]{2,64}$"))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(required=True, validate=validate.OneOf(PROVIDER_KINDS))
    ukprn = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(r"^\d{8}$"),
        metadata={"description": "UK Provider Reference Number (8 digits)"},
    )
