"""Learner documents: what registration takes, what self-service and advisers may change, and
what is read back. The nested parts (goals, constraints, consent) are objects so a partial
update names exactly what it changes."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from shared.events.profile import (
    AGE_BANDS,
    DELIVERY_MODES,
    EMAIL_FREQUENCIES,
    EMPLOYMENT_STATUSES,
    ROUTE_PREFERENCES,
)

POSTCODE = r"^[A-Za-z]{1,2}\d[A-Za-z\d]? ?\d[A-Za-z]{2}$"
CODE = validate.Length(min=1, max=64)


class QualificationSchema(Schema):
    type = fields.String(
        required=True,
        validate=validate.Length(min=1, max=80),
        metadata={"example": "GCSE", "description": "GCSE, A level, NVQ, BTEC, degree, ..."},
    )
    subject = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=120))
    rqf_level = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=8))
    year = fields.Integer(
        load_default=None, allow_none=True, strict=True, validate=validate.Range(1940, 2100)
    )


class SkillSchema(Schema):
    skill = fields.String(
        required=True,
        validate=validate.Length(min=1, max=255),
        metadata={"description": "skill URI from GET /skills on the catalogue"},
    )
    level = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=1, max=5),
        metadata={"description": "self-rated: 1 beginner ... 5 expert"},
    )


class GoalsSchema(Schema):
    occupations = fields.List(
        fields.String(validate=CODE),
        validate=validate.Length(max=10),
        metadata={"description": "target occupation codes (GET /occupations on the catalogue)"},
    )
    sectors = fields.List(
        fields.String(validate=validate.Length(min=1, max=80)),
        validate=validate.Length(max=5),
        metadata={"description": "technical routes, e.g. Digital"},
    )
    not_sure = fields.Boolean(metadata={"description": "not sure yet: suggest career changes"})


class ConstraintsSchema(Schema):
    max_travel_km = fields.Integer(strict=True, allow_none=True, validate=validate.Range(0, 500))
    delivery_modes = fields.List(
        fields.String(validate=validate.OneOf(DELIVERY_MODES)),
        validate=validate.Length(max=len(DELIVERY_MODES)),
    )
    hours_per_week = fields.Integer(strict=True, allow_none=True, validate=validate.Range(1, 60))
    earliest_start = fields.Date(allow_none=True)
    budget_pence = fields.Integer(
        strict=True,
        allow_none=True,
        validate=validate.Range(0, 10_000_000),
        metadata={"description": "most the learner can pay after funding, in pence"},
    )


class ConsentSchema(Schema):
    suggestion_emails = fields.Boolean(metadata={"description": "course-suggestion emails"})
    frequency = fields.String(validate=validate.OneOf(EMAIL_FREQUENCIES))
    share_with_adviser = fields.Boolean(
        metadata={"description": "advisers holding the learner in a caseload may see the profile"}
    )
    updated_at = fields.AwareDateTime(dump_only=True)


class LearnerSchema(Schema):
    """A learner's whole profile (registration; and what is read back)."""

    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    email = fields.Email(required=True, validate=validate.Length(max=320))
    postcode = fields.String(
        required=True,
        validate=validate.Regexp(POSTCODE, error="Not a UK postcode (e.g. PR1 2HE)."),
    )
    date_of_birth = fields.Date(
        allow_none=True, metadata={"description": "for funding eligibility; or give age_band"}
    )
    age_band = fields.String(allow_none=True, validate=validate.OneOf(AGE_BANDS))
    employment_status = fields.String(allow_none=True, validate=validate.OneOf(EMPLOYMENT_STATUSES))
    occupation_code = fields.String(
        allow_none=True,
        validate=CODE,
        metadata={"description": "current or last occupation (catalogue occupation code)"},
    )
    rqf_level = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=0, max=8),
        metadata={"description": "highest qualification level held (RQF; 0 entry level)"},
    )
    qualifications = fields.List(
        fields.Nested(QualificationSchema), validate=validate.Length(max=50)
    )
    skills = fields.List(fields.Nested(SkillSchema), validate=validate.Length(max=100))
    goals = fields.Nested(GoalsSchema)
    route_preference = fields.String(validate=validate.OneOf(ROUTE_PREFERENCES))
    wants_route_switch = fields.Boolean()
    constraints = fields.Nested(ConstraintsSchema)
    consent = fields.Nested(ConsentSchema)
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)

    @validates_schema
    def _one_age(self, data: dict, **_: object) -> None:
        if data.get("date_of_birth") and data.get("age_band"):
            raise ValidationError("give date_of_birth or age_band, not both", "age_band")


class LearnerRegistrationSchema(LearnerSchema):
    """Registration answers the profile and a signed link to manage it."""

    manage_token = fields.String(
        dump_only=True,
        metadata={"description": "send as Authorization: Bearer <token> to read and edit"},
    )


class LearnerChangesSchema(LearnerSchema):
    """Any subset of the profile (used with partial=True); nested objects change only the keys
    they carry."""


class LinkSchema(Schema):
    purpose = fields.String(dump_only=True)
    token = fields.String(dump_only=True)
    expires_in_days = fields.Integer(dump_only=True)


class LearnerExportSchema(Schema):
    """Everything held about a learner (subject access): the profile, interactions, caseloads,
    and the action plan advisers keep with them."""

    learner = fields.Dict()
    interactions = fields.List(fields.Dict())
    advisers = fields.List(fields.Dict())
    action_plan = fields.List(fields.Dict())
    exported_at = fields.AwareDateTime()
    note = fields.String()
