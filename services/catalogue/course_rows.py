"""The fields a provider sends for one course: one schema for the PUT body, every bulk row
(JSON lines or CSV) and every importer of official sources, so all are checked alike.

Plain marshmallow (no Flask): the domain validates bulk rows with it, row by row, so one bad row
is rejected with its field errors while the good rows are kept.
"""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate, validates_schema
from marshmallow.exceptions import ValidationError

QUALIFICATION_TYPES = (
    "GCSE",  # adults resit English and maths; many routes require them
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
DELIVERY_MODES = ("classroom", "online", "blended", "workplace")
STUDY_MODES = ("full-time", "part-time", "flexible")
ATTENDANCE_PATTERNS = ("daytime", "evening", "weekend", "flexible")
FUNDING = ("fully-funded", "loan-eligible", "fee", "employer-funded", "free-16-19")
STATUSES = ("draft", "published", "withdrawn")
MAX_ROWS = 10_000

_label = validate.Length(min=1, max=200)


class SkillTaught(Schema):
    class Meta:
        unknown = RAISE

    skill = fields.String(
        required=True, validate=_label, metadata={"description": "Label or ESCO URI"}
    )
    level = fields.Integer(
        load_default=None, allow_none=True, strict=True, validate=validate.Range(1, 8)
    )


class EntryRequirements(Schema):
    class Meta:
        unknown = RAISE

    min_level = fields.Integer(
        load_default=None,
        allow_none=True,
        strict=True,
        validate=validate.Range(0, 8),
        metadata={"description": "Lowest RQF level a learner must already hold"},
    )
    skills = fields.List(
        fields.String(validate=_label), load_default=list, validate=validate.Length(max=20)
    )
    qualifications = fields.List(
        fields.String(validate=_label), load_default=list, validate=validate.Length(max=20)
    )


class CourseFields(Schema):
    """What a provider says about one course (`external_ref` comes from the URL on PUT)."""

    class Meta:
        unknown = RAISE

    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    summary = fields.String(load_default="", validate=validate.Length(max=5000))
    qualification_type = fields.String(required=True, validate=validate.OneOf(QUALIFICATION_TYPES))
    rqf_level = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(0, 8),
        metadata={"description": "RQF level: 0 entry level, 3 A level, 6 bachelor's, 8 doctoral"},
    )
    route_kind = fields.String(required=True, validate=validate.OneOf(ROUTE_KINDS))
    sector = fields.String(
        required=True,
        validate=validate.Length(min=1, max=80),
        metadata={"description": "Sector subject area, e.g. Digital"},
    )
    skills = fields.List(
        fields.Nested(SkillTaught), load_default=list, validate=validate.Length(max=50)
    )
    occupations = fields.List(
        fields.String(validate=validate.Length(min=1, max=64)),
        load_default=list,
        validate=validate.Length(max=20),
        metadata={"description": "Occupation codes the course leads to"},
    )
    entry_requirements = fields.Nested(EntryRequirements, load_default=dict)
    delivery_mode = fields.String(load_default="classroom", validate=validate.OneOf(DELIVERY_MODES))
    study_mode = fields.String(load_default="full-time", validate=validate.OneOf(STUDY_MODES))
    attendance_pattern = fields.String(
        load_default="daytime", validate=validate.OneOf(ATTENDANCE_PATTERNS)
    )
    campus = fields.String(
        load_default=None,
        allow_none=True,
        validate=_label,
        metadata={"description": "Name of one of the provider's campuses"},
    )
    national = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Open to learners anywhere (online or "
            "at their workplace): passes every distance filter"
        },
    )
    duration_weeks = fields.Integer(
        load_default=None, allow_none=True, strict=True, validate=validate.Range(1, 520)
    )
    hours_per_week = fields.Float(
        load_default=None, allow_none=True, validate=validate.Range(0.5, 60)
    )
    start_dates = fields.List(fields.Date(), load_default=list, validate=validate.Length(max=24))
    cost_pence = fields.Integer(
        load_default=0,
        strict=True,
        validate=validate.Range(0, 100_000_000),
        metadata={"description": "Full cost before funding, in pence"},
    )
    funding = fields.String(load_default="fee", validate=validate.OneOf(FUNDING))
    employer_partners = fields.List(
        fields.String(validate=validate.Length(min=1, max=120)),
        load_default=list,
        validate=validate.Length(max=20),
    )
    status = fields.String(
        load_default="published",
        validate=validate.OneOf(("draft", "published")),
        metadata={"description": "Withdraw with DELETE, not with a status"},
    )

    @validates_schema
    def campus_unless_national(self, data: dict, **_: object) -> None:
        in_person = data.get("delivery_mode") in ("classroom", "blended")
        if in_person and not data.get("national") and not data.get("campus"):
            raise ValidationError("required for classroom or blended delivery", "campus")


class CourseRow(CourseFields):
    """One bulk row: the course fields plus the provider's own reference."""

    external_ref = fields.String(
        required=True,
        validate=validate.Regexp(
            r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$", error="1-64 letters, digits, . _ / - "
        ),
    )
