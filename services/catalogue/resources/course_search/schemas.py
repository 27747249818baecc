"""Course search: the query parameters (every one bounded; unknown ones rejected) and the page
of results with its facet counts."""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, post_load, validate

from services.catalogue.course_rows import (
    ATTENDANCE_PATTERNS,
    DELIVERY_MODES,
    FUNDING,
    QUALIFICATION_TYPES,
    ROUTE_KINDS,
    STUDY_MODES,
)
from services.catalogue.postcodes import MalformedPostcode, outward_code
from services.catalogue.resources.courses.schemas import CourseSchema
from services.catalogue.search import CourseQuery
from services.catalogue.search_cursors import MAX_CURSOR, MAX_ID
from services.catalogue.search_query import MAX_LIMIT, SORTS, UNITS

_PRINTABLE = validate.Regexp(r"^[^\x00-\x1f\x7f]*$", error="Must not contain control characters.")


def _text(max_length: int, min_length: int = 0, **metadata: Any) -> fields.String:
    return fields.String(
        validate=[validate.Length(min=min_length, max=max_length), _PRINTABLE], metadata=metadata
    )


def _any_of(item: fields.Field, description: str, most: int = 10) -> fields.List:
    return fields.List(
        item,
        validate=validate.Length(max=most),
        metadata={"description": f"{description} (repeat the parameter for any of several)"},
    )


def _choice(values: tuple[str, ...], description: str) -> fields.List:
    return _any_of(fields.String(validate=validate.OneOf(values)), description)


def _postcode(value: str) -> None:
    try:
        outward_code(value)
    except MalformedPostcode as error:
        raise ValidationError(error.reason) from error


class CourseSearchArgs(Schema):
    """Query parameters of GET /courses; repeated parameters match any of their values."""

    class Meta:
        unknown = RAISE

    q = _text(200, description="Words to find in title, summary, sector and skills")
    level_min = fields.Integer(validate=validate.Range(0, 8), metadata={"description": "RQF"})
    level_max = fields.Integer(validate=validate.Range(0, 8), metadata={"description": "RQF"})
    route_kind = _choice(ROUTE_KINDS, "Academic, technical or both")
    qualification_type = _choice(QUALIFICATION_TYPES, "Qualification type")
    sector = _any_of(fields.String(validate=[validate.Length(1, 80), _PRINTABLE]), "Sector")
    skill = _any_of(fields.String(validate=[validate.Length(1, 200), _PRINTABLE]), "Skill taught")
    occupation = _any_of(
        fields.String(validate=[validate.Length(1, 64), _PRINTABLE]), "Occupation code led to"
    )
    study_mode = _choice(STUDY_MODES, "Study mode")
    attendance_pattern = _choice(ATTENDANCE_PATTERNS, "Attendance pattern")
    delivery_mode = _choice(DELIVERY_MODES, "Delivery mode")
    funding = _choice(FUNDING, "Funding")
    provider_id = _any_of(fields.Integer(validate=validate.Range(1, MAX_ID)), "Provider id")
    start_from = fields.Date(metadata={"description": "A start date on or after this day"})
    start_to = fields.Date(metadata={"description": "A start date on or before this day"})
    hide_out_of_date = fields.Boolean(
        load_default=True,
        metadata={"description": "Leave out courses whose last start date has passed"},
    )
    postcode = fields.String(
        validate=[validate.Length(2, 10), _postcode],
        metadata={"description": "Full postcode or outward code to measure distances from"},
    )
    lat = fields.Float(validate=validate.Range(-90, 90), metadata={"description": "Latitude"})
    lon = fields.Float(validate=validate.Range(-180, 180), metadata={"description": "Longitude"})
    within = fields.Float(
        validate=validate.Range(0, 1000, min_inclusive=False),
        metadata={"description": "Only courses this far away, or national/online ones"},
    )
    unit = fields.String(load_default="miles", validate=validate.OneOf(tuple(UNITS)))
    sort = fields.String(
        validate=validate.OneOf(SORTS),
        metadata={"description": "Default: relevance with q, distance with a place, start date"},
    )
    cursor = _text(MAX_CURSOR, 1, description="next_cursor of the previous page")
    limit = fields.Integer(load_default=20, validate=validate.Range(1, MAX_LIMIT))

    @post_load
    def to_query(self, data: dict[str, Any], **_: Any) -> CourseQuery:
        lists = {k: tuple(v) for k, v in data.items() if isinstance(v, list)}
        return CourseQuery(**{**data, **lists})


class CourseHitSchema(CourseSchema):
    """A course in the results, with its distance from the place searched from."""

    distance_km = fields.Float(
        allow_none=True,
        metadata={"description": "None for national and online courses, or without a place"},
    )

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        return super().get_attribute(obj if attr == "distance_km" else obj.course, attr, default)

    def occupation_codes(self, hit: Any) -> list[str]:
        return super().occupation_codes(hit.course)


class FacetCountSchema(Schema):
    value = fields.Raw(metadata={"description": "A value of the dimension (an int for levels)"})
    count = fields.Integer()


class CourseSearchPageSchema(Schema):
    items = fields.List(fields.Nested(CourseHitSchema))
    facets = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.Nested(FacetCountSchema)),
        metadata={"description": "Per dimension, counts under every filter but its own"},
    )
    next_cursor = fields.String(
        allow_none=True, metadata={"description": "Pass as cursor for the next page"}
    )
    total = fields.Integer(metadata={"description": "Courses matching every filter"})
