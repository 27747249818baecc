"""Course request and response bodies."""

from marshmallow import Schema, fields, validate

QUALIFICATION_TYPES = (
    "A level",
    "T Level",
    "BTEC",
    "Access to HE",
    "HTQ",
    "Foundation degree",
    "Bachelor's degree",
    "Apprenticeship",
    "Skills Bootcamp",
    "Short course",
)
ROUTE_KINDS = ("academic", "technical", "both")
STATUSES = ("draft", "published", "withdrawn")


class CourseSchema(Schema):
    id = fields.Integer(dump_only=True)
    provider_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    external_ref = fields.String(required=True, validate=validate.Length(min=1, max=64))
    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    summary = fields.String(load_default="", validate=validate.Length(max=5000))
    qualification_type = fields.String(required=True, validate=validate.OneOf(QUALIFICATION_TYPES))
    rqf_level = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=0, max=8),
        metadata={"description": "RQF level: 0 is entry level, 8 doctoral"},
    )
    route_kind = fields.String(required=True, validate=validate.OneOf(ROUTE_KINDS))
    sector = fields.String(required=True, validate=validate.Length(min=1, max=80))
    status = fields.String(
        load_default="published", validate=validate.OneOf(("draft", "published"))
    )
    version = fields.Integer(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)


class CourseResponseSchema(CourseSchema):
    status = fields.String(validate=validate.OneOf(STATUSES))


class CourseQueryArgs(Schema):
    provider_id = fields.Integer(validate=validate.Range(min=1))
    status = fields.String(validate=validate.OneOf(STATUSES))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))
