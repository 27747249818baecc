"""/learners/<id>/deliveries: the delivery log, for the admin token, or for the profile service
(with the token it shares with the notifier) asking on behalf of the learner's adviser or the
learner, after its own check of who may see them."""

from __future__ import annotations

import hmac

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import abort

from services.notifier import delivery_records
from services.notifier.resources.deliveries.schemas import DeliveryQuery, DeliverySchema
from shared.web import db_session
from shared.web.blueprint import Blueprint, bearer_token

blp = Blueprint("deliveries", __name__, url_prefix="/learners", description="Delivery log")


def require_reader() -> None:
    """401 without a token; 403 unless it is the admin token or the profile service's."""
    settings = current_app.extensions["routeways.settings"]
    accepted = [t.encode() for t in (settings.admin_token, settings.contact_token) if t]
    given = (bearer_token(request.headers) or request.headers.get("X-Admin-Token", "")).encode()
    if not given:
        abort(
            401,
            message="send the admin token or the profile service's token as a Bearer token",
            headers={"WWW-Authenticate": 'Bearer realm="notifier"'},
        )
    if not any(hmac.compare_digest(given, token) for token in accepted):
        abort(403, message="this token may not read delivery logs")


@blp.route("/<int:learner_id>/deliveries")
class LearnerDeliveries(MethodView):
    @blp.doc(security=[{"AdminToken": []}, {"ProfileToken": []}])
    @blp.arguments(DeliveryQuery, location="query")
    @blp.response(200, DeliverySchema(many=True))
    @blp.alt_response(401, description="No token sent")
    @blp.alt_response(403, description="Neither the admin token nor the profile service's")
    def get(self, query: dict, learner_id: int) -> list:
        """A learner's emails, newest first: what, when, which courses, and how it went"""
        require_reader()
        return delivery_records.deliveries_of(db_session(), learner_id, query["limit"])
