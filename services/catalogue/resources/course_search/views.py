"""/courses: the public, read-only course search and course pages (no key needed)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import abort
from marshmallow import RAISE

from services.catalogue import search
from services.catalogue.courses import CatalogueError
from services.catalogue.resources.course_search.schemas import (
    CourseSearchArgs,
    CourseSearchPageSchema,
)
from services.catalogue.resources.courses.schemas import CourseSchema
from shared.web import db_session
from shared.web.blueprint import Blueprint

blp = Blueprint(
    "course_search",
    __name__,
    url_prefix="/courses",
    description="Published courses: search with filters and facets, and read one",
)


@blp.route("")
class Courses(MethodView):
    @blp.arguments(CourseSearchArgs, location="query", unknown=RAISE)
    @blp.response(200, CourseSearchPageSchema)
    def get(self, query: search.CourseQuery) -> search.SearchPage:
        """Search published courses: filters, facet counts, distance and cursor pages"""
        try:
            return search.search(db_session(), query)
        except search.QueryError as error:
            abort(422, errors={"query": {error.field: [error.reason]}})


@blp.route("/<int:course_id>")
class CourseById(MethodView):
    @blp.response(200, CourseSchema)
    def get(self, course_id: int) -> object:
        """Read a published or withdrawn course (its status says which)"""
        try:
            return search.get_public_course(db_session(), course_id)
        except CatalogueError as error:
            abort(404, message=str(error))
