"""Events the catalogue service publishes: facts about courses and the taxonomy."""

from marshmallow import fields, validate

from shared.events.contract import EventSchema, contract

COURSE_FIELDS = (
    "title", "summary", "qualification_type", "rqf_level", "route_kind", "sector", "skills",
    "occupations", "entry_requirements", "delivery_mode", "study_mode", "attendance_pattern",
    "campus", "national", "duration_weeks", "hours_per_week", "start_dates", "cost", "funding",
    "employer_partners", "status",
)  # fmt: skip


class _CourseFacts(EventSchema):
    course_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    provider_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))


@contract("catalogue.course.published", 1, producer="catalogue", consumers=("recommender",))
class CoursePublishedV1(_CourseFacts):
    """A provider's course became visible to learners."""

    changed_fields = fields.List(
        fields.String(validate=validate.OneOf(COURSE_FIELDS)), required=True
    )


@contract("catalogue.course.updated", 1, producer="catalogue", consumers=("recommender",))
class CourseUpdatedV1(_CourseFacts):
    """A published course changed; `changed_fields` names what changed."""

    changed_fields = fields.List(
        fields.String(validate=validate.OneOf(COURSE_FIELDS)),
        required=True,
        validate=validate.Length(min=1),
    )


@contract("catalogue.course.withdrawn", 1, producer="catalogue", consumers=("recommender",))
class CourseWithdrawnV1(_CourseFacts):
    """A course was withdrawn: it must leave every recommendation at once."""


@contract(
    "catalogue.taxonomy.updated", 1, producer="catalogue", consumers=("profile", "recommender")
)
class TaxonomyUpdatedV1(EventSchema):
    """A new taxonomy version (occupations, skills, transitions) was imported."""

    version = fields.String(required=True, validate=validate.Length(min=1, max=64))
    counts = fields.Dict(
        keys=fields.String(), values=fields.Integer(validate=validate.Range(min=0)), required=True
    )
