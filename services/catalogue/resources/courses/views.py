"""/providers/<id>/courses: a provider's own courses, upserted by its reference, in bulk or one
by one with optimistic concurrency (ETag / If-Match), and withdrawn with DELETE."""

from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import abort

from services.catalogue import course_files, courses
from services.catalogue.resources.courses.schemas import BulkResultSchema, CourseBody, CourseSchema
from shared.web import db_session
from shared.web.blueprint import Blueprint
from shared.web.problems import field_errors

blp = Blueprint(
    "provider_courses",
    __name__,
    url_prefix="/providers",
    description="A provider's own courses (API key required)",
)

BULK_TYPES = ("application/x-ndjson", "application/jsonl", "application/json-lines", "text/csv")


@blp.route("/<int:provider_id>/courses/<string:external_ref>")
class ProviderCourse(MethodView):
    @blp.provider_required
    @blp.response(200, CourseSchema)
    def get(self, provider_id: int, external_ref: str) -> tuple:
        """Read one of the provider's courses (drafts included), with its ETag"""
        course = _find(provider_id, external_ref)
        return _with_etag(course, 200)

    @blp.provider_required
    @blp.arguments(CourseBody)
    @blp.response(200, CourseSchema)
    @blp.alt_response(201, schema=CourseSchema, description="Created")
    @blp.alt_response(412, description="If-Match names a version that is not the current one")
    def put(self, body: dict, provider_id: int, external_ref: str) -> tuple:
        """Create or replace a course by the provider's reference (idempotent)"""
        session = db_session()
        try:
            result = courses.upsert_course(session, provider_id, external_ref, body, _if_match())
        except courses.VersionConflict as conflict:
            abort(412, message=f"If-Match is stale: the course is at version {conflict.current}")
        if result.outcome == "rejected":
            abort(422, errors={"json": result.errors})
        session.commit()
        course = courses.get_course(session, result.course_id)
        return _with_etag(course, 201 if result.outcome == "created" else 200)

    @blp.provider_required
    @blp.response(200, CourseSchema)
    @blp.alt_response(412, description="If-Match names a version that is not the current one")
    def delete(self, provider_id: int, external_ref: str) -> tuple:
        """Withdraw a course: kept for history, never recommended again"""
        session = db_session()
        try:
            course = courses.withdraw_course(session, provider_id, external_ref, _if_match())
        except courses.CatalogueError as error:
            abort(404, message=str(error))
        except courses.VersionConflict as conflict:
            abort(412, message=f"If-Match is stale: the course is at version {conflict.current}")
        session.commit()
        return _with_etag(course, 200)


@blp.route("/<int:provider_id>/courses:bulk")
class ProviderCourseBulk(MethodView):
    @blp.provider_required
    @blp.response(200, BulkResultSchema)
    @blp.doc(requestBody={"required": True, "content": {
        "application/x-ndjson": {"schema": {"type": "string"}},
        "text/csv": {"schema": {"type": "string"}}}})  # fmt: skip
    def post(self, provider_id: int) -> dict:
        """Upsert up to 10,000 courses (JSON lines or CSV); one result per row"""
        content_type = (request.mimetype or "").lower()
        if content_type not in BULK_TYPES:
            abort(415, message=f"send one of: {', '.join(BULK_TYPES)}")
        try:
            lines = course_files.read_upload(request.get_data(cache=False), content_type)
        except course_files.TooManyRows as error:
            abort(413, errors={"body": {"rows": [str(error)]}})
        session = db_session()
        readable = [line for line in lines if line.row is not None]
        result = courses.upsert_courses(session, provider_id, [line.row for line in readable])
        session.commit()
        return _bulk_body(lines, readable, result)


def _find(provider_id: int, external_ref: str) -> object:
    try:
        return courses.get_provider_course(db_session(), provider_id, external_ref)
    except courses.CatalogueError as error:
        abort(404, message=str(error))


def _if_match() -> int | None:
    """The version an If-Match header names (our ETags are "v<version>"); 412 if unreadable."""
    header = request.headers.get("If-Match")
    if header is None:
        return None
    tag = header.strip().removeprefix("W/").strip('"')
    if not tag.startswith("v") or not tag[1:].isdigit():
        abort(412, message='If-Match must be an ETag this API gave, like "v3"')
    return int(tag[1:])


def _with_etag(course: object, status: int) -> tuple:
    """The course, its status, and its version as a strong ETag (If-Match takes it back)."""
    return course, status, {"ETag": f'"v{course.version}"'}


def _bulk_body(lines: list, readable: list, result: courses.UpsertResult) -> dict:
    rows = []
    for line in lines:
        if line.row is None:
            rows.append(
                {
                    "line": line.line,
                    "outcome": "rejected",
                    "external_ref": None,
                    "errors": list(_errors(line.errors)),
                }
            )
    for line, row in zip(readable, result.rows, strict=True):
        rows.append(
            {
                "line": line.line,
                "external_ref": row.external_ref,
                "outcome": row.outcome,
                "course_id": row.course_id,
                "version": row.version,
                "changed_fields": row.changed_fields,
                "errors": list(_errors(row.errors)),
            }
        )
    rows.sort(key=lambda row: row["line"])
    counts = result.counts
    counts["rejected"] += len(lines) - len(readable)
    return {"counts": counts, "rows": rows}


def _errors(messages: dict) -> list[dict]:
    return [{"field": e["field"], "reason": e["reason"]} for e in field_errors(messages, "row")]
