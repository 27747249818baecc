"""/learners/<id>/interactions: implicit feedback, idempotent on the client's reference."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import abort

from services.profile import interactions, learners
from services.profile.resources.access import caller_for_learner
from services.profile.resources.interactions.schemas import HistoryQuery, InteractionSchema
from services.profile.resources.learners.views import refuse
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
        """Record what a learner did with a course

        The learner (a manage link, or a feedback link for that course), an adviser they share
        with (recorded as source `adviser`), or admin.
        """
        caller = caller_for_learner(learner_id, purposes=("manage", "feedback"))
        if caller.purpose == "feedback" and caller.claims.get("c") not in (None, body["course_id"]):
            abort(404, message=f"no learner {learner_id}")
        if caller.kind == "adviser":
            body = {**body, "source": "adviser", "recorded_by_adviser_id": caller.id}
        session = db_session()
        try:
            interaction, created = interactions.record_interaction(
                session, learner_id, interactions.NewInteraction(**body)
            )
        except learners.ProfileError as error:
            refuse(error)
        session.commit()
        return interaction, 201 if created else 200

    @blp.arguments(HistoryQuery, location="query")
    @blp.response(200, InteractionSchema(many=True))
    def get(self, query: dict, learner_id: int) -> list:
        """A learner's interaction history, newest first"""
        caller_for_learner(learner_id)
        try:
            return interactions.history(db_session(), learner_id, query["limit"])
        except learners.ProfileError as error:
            refuse(error)
