"""/learners/<id>/interactions: implicit feedback, idempotent on the client's reference."""

from flask.views import MethodView
from flask_smorest import abort

from services.profile import interactions, learners
from services.profile.resources.interactions.schemas import InteractionSchema
from shared.web import db_session
from shared.web.blueprint import Blueprint

blp = Blueprint("interactions", __name__, url_prefix="/learners", description="Interactions")


@blp.route("/<int:learner_id>/interactions")
class LearnerInteractions(MethodView):
    @blp.arguments(InteractionSchema)
    @blp.response(201, InteractionSchema)
    @blp.alt_response(
        200, schema=InteractionSchema, description="Already recorded under this client_ref"
    )
    def post(self, body: dict, learner_id: int) -> object:
        """Record what a learner did with a course"""
        session = db_session()
        try:
            interaction, created = interactions.record_interaction(
                session, learner_id, interactions.NewInteraction(**body)
            )
        except learners.ProfileError as error:
            abort(404, message=str(error))
        session.commit()
        return interaction, 201 if created else 200
