"""Course bodies: what providers send (the shared CourseFields) and what everyone reads."""

from __future__ import annotations

from marshmallow import Schema, fields

from services.catalogue.course_rows import CourseFields, SkillTaught


class CampusSchema(Schema):
    name = fields.String()
    postcode = fields.String()
    latitude = fields.Float()
    longitude = fields.Float()


class CourseSchema(Schema):
    """A course as the catalogue holds it."""

    id = fields.Integer()
    provider_id = fields.Integer()
    external_ref = fields.String()
    title = fields.String()
    summary = fields.String()
    qualification_type = fields.String()
    rqf_level = fields.Integer()
    route_kind = fields.String()
    sector = fields.String()
    skills = fields.List(fields.Nested(SkillTaught))
    occupations = fields.Method("occupation_codes")
    entry_requirements = fields.Dict()
    delivery_mode = fields.String()
    study_mode = fields.String()
    attendance_pattern = fields.String()
    campus = fields.Nested(CampusSchema, allow_none=True)
    national = fields.Boolean()
    duration_weeks = fields.Integer(allow_none=True)
    hours_per_week = fields.Float(allow_none=True)
    start_dates = fields.List(fields.String())
    cost_pence = fields.Integer()
    funding = fields.String()
    employer_partners = fields.List(fields.String())
    status = fields.String()
    version = fields.Integer()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
    withdrawn_at = fields.AwareDateTime(allow_none=True)

    def occupation_codes(self, course: object) -> list[str]:
        return [link.occupation_code for link in course.occupations]


class CourseBody(CourseFields):
    """PUT body: every course field; the provider's reference comes from the URL."""


class RowResultSchema(Schema):
    line = fields.Integer(metadata={"description": "1-based line of the upload"})
    external_ref = fields.String(allow_none=True)
    outcome = fields.String(metadata={"description": "created, updated, unchanged or rejected"})
    course_id = fields.Integer(allow_none=True)
    version = fields.Integer(allow_none=True)
    changed_fields = fields.List(fields.String())
    errors = fields.List(fields.Dict(), metadata={"description": "{field, reason} per problem"})


class BulkResultSchema(Schema):
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    rows = fields.List(fields.Nested(RowResultSchema))
