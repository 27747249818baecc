"""/learners/<id>/deliveries: the emails sent to a learner (what, when, which courses, how it
went), for the learner's adviser, the learner (a manage link) or the admin token. The profile
service checks who may see the learner, then reads the notifier's log for them (503 with the
reason while the notifier cannot answer)."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import abort

from services.profile.notifier_client import NotifierClient, NotifierUnavailable
from services.profile.resources.access import caller_for_learner
from services.profile.resources.delivery_log.schemas import DeliveryLogQuery
from shared.web.blueprint import Blueprint

blp = Blueprint(
    "delivery_log", __name__, url_prefix="/learners", description="Emails sent to a learner"
)


@blp.route("/<int:learner_id>/deliveries")
class LearnerDeliveryLog(MethodView):
    @blp.doc(security=[{"AdviserSession": []}, {"AdviserToken": []}, {"AdminToken": []}])
    @blp.arguments(DeliveryLogQuery, location="query")
    @blp.response(200, description="The notifier's delivery log of the learner, newest first")
    @blp.alt_response(503, description="The notifier could not answer")
    def get(self, query: dict, learner_id: int) -> list[dict[str, Any]]:
        """The emails sent to a learner, newest first (the learner's adviser, the learner)"""
        caller_for_learner(learner_id)
        settings = current_app.extensions["routeways.settings"]
        notifier = NotifierClient(settings.notifier_url, settings.contact_token)
        try:
            return notifier.deliveries(learner_id, query["limit"])
        except NotifierUnavailable as error:
            abort(503, message=f"the delivery log is not available now: {error}")
        finally:
            notifier.close()
