"""/learners/<id>/pending: what the next digest or alert would tell a learner."""

from flask.views import MethodView

from services.notifier.pending import pending_for
from services.notifier.resources.pending.schemas import PendingSchema
from shared.web import db_session
from shared.web.blueprint import Blueprint

blp = Blueprint("pending", __name__, url_prefix="/learners", description="Pending notices")


@blp.route("/<int:learner_id>/pending")
class PendingNotices(MethodView):
    @blp.response(200, PendingSchema)
    def get(self, learner_id: int) -> dict:
        """List what is waiting to be sent to a learner"""
        return pending_for(db_session(), learner_id)
