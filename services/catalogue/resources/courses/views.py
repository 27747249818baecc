"""/courses: providers add and withdraw courses; anyone reads them."""

from flask.views import MethodView
from flask_smorest import abort

from services.catalogue import courses
from services.catalogue.resources.courses.schemas import (
    CourseQueryArgs,
    CourseResponseSchema,
    CourseSchema,
)
from shared.web import db_session
from shared.web.blueprint import Blueprint

blp = Blueprint("courses", __name__, url_prefix="/courses", description="Providers' courses")


@blp.route("")
class Courses(MethodView):
    @blp.arguments(CourseQueryArgs, location="query")
    @blp.response(200, CourseResponseSchema(many=True))
    def get(self, args: dict) -> list:
        """List courses, optionally one provider's or one status'"""
        return courses.list_courses(
            db_session(), args.get("provider_id"), args.get("status"), args["limit"], args["offset"]
        )

    @blp.arguments(CourseSchema)
    @blp.response(201, CourseResponseSchema)
    def post(self, body: dict) -> object:
        """Add a course (published ones are announced on the bus)"""
        session = db_session()
        try:
            course = courses.create_course(session, courses.NewCourse(**body))
        except courses.CatalogueError as error:
            abort(
                409 if error.field == "external_ref" else 422,
                errors={"json": {error.field: [error.reason]}},
            )
        session.commit()
        return course


@blp.route("/<int:course_id>")
class CourseById(MethodView):
    @blp.response(200, CourseResponseSchema)
    def get(self, course_id: int) -> object:
        """Read one course"""
        try:
            return courses.get_course(db_session(), course_id)
        except courses.CatalogueError as error:
            abort(404, message=str(error))


@blp.route("/<int:course_id>/withdrawal")
class CourseWithdrawal(MethodView):
    @blp.response(200, CourseResponseSchema)
    def put(self, course_id: int) -> object:
        """Withdraw a course: it leaves every recommendation (idempotent)"""
        session = db_session()
        try:
            course = courses.withdraw_course(session, course_id)
        except courses.CatalogueError as error:
            abort(404, message=str(error))
        session.commit()
        return course
