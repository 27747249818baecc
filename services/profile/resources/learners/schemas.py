"""Learner bodies."""

from marshmallow import Schema, fields, validate

ROUTE_PREFERENCES = ("academic", "technical", "either")


class LearnerSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    email = fields.Email(required=True, validate=validate.Length(max=320))
    postcode = fields.String(
        required=True,
        validate=validate.Regexp(
            r"^[A-Za-z]{1,2}\d[A-Za-z\d]? ?\d[A-Za-z]{2}$", error="Not a UK postcode."
        ),
    )
    rqf_level = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=8))
    occupation_code = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=64)
    )
    route_preference = fields.String(
        load_default="either", validate=validate.OneOf(ROUTE_PREFERENCES)
    )
    goals = fields.List(
        fields.String(validate=validate.Length(min=1, max=64)),
        load_default=list,
        validate=validate.Length(max=10),
    )
    constraints = fields.Dict(keys=fields.String(), load_default=dict)
    consent = fields.Dict(keys=fields.String(), load_default=dict)
    created_at = fields.AwareDateTime(dump_only=True)
