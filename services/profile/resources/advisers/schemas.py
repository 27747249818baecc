"""Adviser bodies: sign-in, the adviser, personal tokens, caseloads and the admin's view."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.profile.advisers import (
    CASELOAD_SORTS,
    FLAG_EMAILS_OFF,
    FLAG_NO_GOAL,
    PASSWORD_MAX_LENGTH,
    PASSWORD_MIN_LENGTH,
)
from services.profile.resources.learners.schemas import ConstraintsSchema, GoalsSchema

NAME = validate.Length(min=1, max=200)


class SignInSchema(Schema):
    email = fields.String(required=True, validate=validate.Length(min=1, max=320))
    password = fields.String(
        required=True,
        load_only=True,
        validate=validate.Length(min=1, max=PASSWORD_MAX_LENGTH),
    )


class AdviserSchema(Schema):
    """An adviser as they see themselves."""

    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=NAME)
    email = fields.Email(required=True, validate=validate.Length(max=320))
    organisation = fields.String(required=True, validate=NAME)
    last_login_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    created_at = fields.AwareDateTime(dump_only=True)


class AdviserAdminSchema(AdviserSchema):
    """An adviser as the admin lists them."""

    active = fields.Boolean(dump_only=True)
    has_password = fields.Boolean(dump_only=True)
    locked_until = fields.AwareDateTime(dump_only=True, allow_none=True)
    caseload_size = fields.Integer(dump_only=True)


class PasswordLinkSchema(Schema):
    """A one-time set-password token: the adviser POSTs it to /advisers/password."""

    adviser_id = fields.Integer()
    password_token = fields.String(
        metadata={"description": "shown once; POST it with a new password to /advisers/password"}
    )
    expires_in_days = fields.Integer()


class NewAdviserSchema(AdviserAdminSchema):
    """A created adviser and their one-time set-password token (there is no default password)."""

    password_token = fields.String(dump_only=True)
    expires_in_days = fields.Integer(dump_only=True)


class SetPasswordSchema(Schema):
    token = fields.String(
        required=True,
        validate=validate.Length(min=1, max=1000),
        metadata={"description": "the one-time set-password token"},
    )
    password = fields.String(
        required=True,
        load_only=True,
        validate=validate.Length(min=1, max=PASSWORD_MAX_LENGTH),
        metadata={"description": f"at least {PASSWORD_MIN_LENGTH} characters"},
    )


class TokenSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(
        required=True,
        validate=validate.Length(min=1, max=100),
        metadata={"description": 'what uses the token, like "caseload export script"'},
    )
    prefix = fields.String(dump_only=True, metadata={"description": "to recognise it in lists"})
    active = fields.Boolean(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
    last_used_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    revoked_at = fields.AwareDateTime(dump_only=True, allow_none=True)


class IssuedTokenSchema(TokenSchema):
    token = fields.String(
        dump_only=True, metadata={"description": "send as Authorization: Bearer; shown once"}
    )
    warning = fields.String(dump_only=True)


class CaseloadQuery(Schema):
    q = fields.String(
        load_default="",
        validate=validate.Length(max=200),
        metadata={"description": "words to find in the name, email or postcode"},
    )
    sort = fields.String(
        load_default="name",
        validate=validate.OneOf(CASELOAD_SORTS),
        metadata={"description": "a field, or -field for descending"},
    )
    limit = fields.Integer(load_default=25, validate=validate.Range(min=1, max=100))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class CaseloadLearnerSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    email = fields.String()
    postcode = fields.String()
    occupation_code = fields.String(allow_none=True)
    rqf_level = fields.Integer()
    goals = fields.Nested(GoalsSchema)
    route_preference = fields.String()
    constraints = fields.Nested(ConstraintsSchema)
    flags = fields.List(
        fields.String(),
        metadata={
            "description": f"{FLAG_NO_GOAL}: no target occupation or sector, and not "
            f'"not sure" either; {FLAG_EMAILS_OFF}: no course-suggestion emails'
        },
    )
    assigned_at = fields.AwareDateTime()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class CaseloadSchema(Schema):
    learners = fields.List(fields.Nested(CaseloadLearnerSchema))
    total = fields.Integer(metadata={"description": "learners matching q that you may see"})
    withdrawn = fields.Integer(
        metadata={
            "description": "learners in your caseload hidden because they stopped sharing "
            "their profile (a count only; it ignores q)"
        }
    )
    limit = fields.Integer()
    offset = fields.Integer()


class CaseloadEntrySchema(Schema):
    adviser_id = fields.Integer()
    learner_id = fields.Integer()
    assigned_at = fields.AwareDateTime()
    shares_profile = fields.Boolean(
        metadata={"description": "whether the adviser sees the learner now (learner's consent)"}
    )
