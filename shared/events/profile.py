"""Events the profile service publishes. Ids and coarse facts only:
no names, emails or full postcodes."""

from marshmallow import fields, validate

from shared.events.contract import EventSchema, contract

LEARNER_FIELDS = (
    "occupation_code",
    "rqf_level",
    "postcode_district",
    "age_band",
    "employment_status",
    "qualifications",
    "skills",
    "goals",
    "route_preference",
    "wants_route_switch",
    "constraints",
    "consent",
)
INTERACTION_KINDS = (
    "viewed",
    "saved",
    "applied",
    "enrolled",
    "completed",
    "dismissed",
    "email-click",
    "not-interested",
)
INTERACTION_SOURCES = ("web", "email", "adviser", "provider-import", "demo")
ROUTE_PREFERENCES = ("academic", "technical", "either")
EMPLOYMENT_STATUSES = (
    "employed",
    "self-employed",
    "unemployed",
    "economically-inactive",
    "in-education",
    "retired",
)
AGE_BANDS = ("16-18", "19-23", "24+")
EMAIL_FREQUENCIES = ("instant", "weekly", "monthly")
#: How a course is delivered (the catalogue's `delivery_mode`): learners' constraints name them.
DELIVERY_MODES = ("classroom", "online", "blended", "workplace")


class SkillHeld(EventSchema):
    skill = fields.String(required=True, validate=validate.Length(min=1, max=255))
    level = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=5))


class QualificationHeld(EventSchema):
    type = fields.String(required=True, validate=validate.Length(min=1, max=80))
    rqf_level = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=8))


class Goals(EventSchema):
    occupations = fields.List(fields.String(validate=validate.Length(max=64)), required=True)
    sectors = fields.List(fields.String(validate=validate.Length(max=80)), required=True)
    not_sure = fields.Boolean(required=True)


class Consent(EventSchema):
    suggestion_emails = fields.Boolean(required=True)
    frequency = fields.String(required=True, validate=validate.OneOf(EMAIL_FREQUENCIES))
    share_with_adviser = fields.Boolean(required=True)


class LearnerAttributes(EventSchema):
    """The non-identifying attributes other services keep in their read models."""

    occupation_code = fields.String(allow_none=True, validate=validate.Length(max=64))
    rqf_level = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=8))
    postcode_district = fields.String(
        allow_none=True, validate=validate.Regexp(r"^[A-Z]{1,2}\d[A-Z\d]?$")
    )
    age_band = fields.String(allow_none=True, validate=validate.OneOf(AGE_BANDS))
    employment_status = fields.String(allow_none=True, validate=validate.OneOf(EMPLOYMENT_STATUSES))
    qualifications = fields.List(fields.Nested(QualificationHeld))
    skills = fields.List(fields.Nested(SkillHeld))
    goals = fields.Nested(Goals)
    route_preference = fields.String(validate=validate.OneOf(ROUTE_PREFERENCES))
    wants_route_switch = fields.Boolean()
    constraints = fields.Dict(keys=fields.String())
    consent = fields.Nested(Consent)


class _LearnerChange(EventSchema):
    learner_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    changed_fields = fields.List(
        fields.String(validate=validate.OneOf(LEARNER_FIELDS)), required=True
    )
    attributes = fields.Nested(LearnerAttributes, required=True)


@contract(
    "profile.learner.registered", 1, producer="profile", consumers=("recommender", "notifier")
)
class LearnerRegisteredV1(_LearnerChange):
    """A learner registered; `attributes` holds their starting point."""


@contract("profile.learner.updated", 1, producer="profile", consumers=("recommender", "notifier"))
class LearnerUpdatedV1(_LearnerChange):
    """A learner's goals, constraints, consent or starting point changed."""


@contract(
    "profile.learner.erased",
    1,
    producer="profile",
    consumers=("catalogue", "recommender", "notifier"),
)
class LearnerErasedV1(EventSchema):
    """A learner asked to be forgotten: every service deletes what it holds of them."""

    learner_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))


@contract("profile.interaction.recorded", 1, producer="profile", consumers=("recommender",))
class InteractionRecordedV1(EventSchema):
    """A learner did something with a course (the implicit feedback that trains the recommender)."""

    interaction_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    learner_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    course_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    kind = fields.String(required=True, validate=validate.OneOf(INTERACTION_KINDS))
    source = fields.String(required=True, validate=validate.OneOf(INTERACTION_SOURCES))
    occurred_at = fields.AwareDateTime(required=True)
