"""/courses/<id>/similar: published courses like a given one, with what they share."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import abort

from services.recommender.resources.courses.schemas import SimilarCoursesSchema, SimilarQuery
from services.recommender.resources.recommendations.views import process_recommender
from services.recommender.similar_courses import UnknownCourse, similar_courses
from shared.web import db_read_session
from shared.web.blueprint import Blueprint

blp = Blueprint("courses", __name__, url_prefix="/courses", description="Similar courses")


@blp.route("/<int:course_id>/similar")
class SimilarCourses(MethodView):
    @blp.arguments(SimilarQuery, location="query")
    @blp.response(200, SimilarCoursesSchema)
    def get(self, query: dict, course_id: int) -> dict[str, Any]:
        """Courses like this one, best first

        Learners who took this course also took them (the serving model), or they share its
        skills, occupations, sector or level; only published courses, never the course itself.
        A course that is not published answers 404.
        """
        snapshot = process_recommender().snapshot(db_read_session())
        try:
            items = similar_courses(snapshot, course_id, query["n"])
        except UnknownCourse as error:
            abort(404, message=str(error))
        return {
            "course_id": course_id,
            "model_version": snapshot.model.name if snapshot.model else None,
            "items": [vars(item) for item in items],
        }
