"""/learners: registration and reading (self-service links and advisers come later)."""

from flask.views import MethodView
from flask_smorest import abort

from services.profile import learners
from services.profile.resources.learners.schemas import LearnerSchema
from shared.web import db_session
from shared.web.blueprint import Blueprint

blp = Blueprint("learners", __name__, url_prefix="/learners", description="Learners")


@blp.route("")
class Learners(MethodView):
    @blp.arguments(LearnerSchema)
    @blp.response(201, LearnerSchema)
    def post(self, body: dict) -> object:
        """Register a learner"""
        session = db_session()
        try:
            learner = learners.register_learner(session, learners.NewLearner(**body))
        except learners.ProfileError as error:
            abort(409, errors={"json": {error.field: [error.reason]}})
        session.commit()
        return learner


@blp.route("/<int:learner_id>")
class LearnerById(MethodView):
    @blp.response(200, LearnerSchema)
    def get(self, learner_id: int) -> object:
        """Read a learner"""
        try:
            return learners.get_learner(db_session(), learner_id)
        except learners.ProfileError as error:
            abort(404, message=str(error))
