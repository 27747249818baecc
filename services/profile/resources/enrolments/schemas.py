"""Enrolment import bodies: the per-row results (the request body is CSV or JSON, read by
`services/profile/enrolments.py`)."""

from marshmallow import Schema, fields

from services.profile.enrolments import OUTCOMES, PROVIDER_KINDS

ROW_FIELDS_DESCRIPTION = (
    "One record per row (CSV columns, or keys of a JSON object): `learner_email`; `course_ref` "
    "(your reference for the course) or `course_id`; `kind` "
    f"({', '.join(PROVIDER_KINDS)}); `occurred_at` (ISO 8601 with a UTC offset); `client_ref` "
    "(your id of the record: sending it again records nothing new)."
)


class FieldErrorSchema(Schema):
    field = fields.String()
    reason = fields.String()


class RowResultSchema(Schema):
    row = fields.Integer(metadata={"description": "1-based number of the record in the body"})
    line = fields.Integer(
        allow_none=True,
        metadata={"description": "line the record starts on (none in a JSON array)"},
    )
    outcome = fields.String(metadata={"description": " or ".join(OUTCOMES)})
    client_ref = fields.String(allow_none=True)
    course_id = fields.Integer(allow_none=True)
    interaction_id = fields.Integer(allow_none=True)
    errors = fields.List(fields.Nested(FieldErrorSchema))


class ImportResultSchema(Schema):
    counts = fields.Dict(
        keys=fields.String(), values=fields.Integer(), metadata={"description": "rows by outcome"}
    )
    rows = fields.List(fields.Nested(RowResultSchema))
