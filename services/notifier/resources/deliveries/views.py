"""/learners/<id>/deliveries: the delivery log, for the admin token (advisers: not yet)."""

from __future__ import annotations

from flask.views import MethodView

from services.notifier import delivery_records
from services.notifier.resources.deliveries.schemas import DeliveryQuery, DeliverySchema
from shared.web import db_session
from shared.web.blueprint import Blueprint

blp = Blueprint("deliveries", __name__, url_prefix="/learners", description="Delivery log")


@blp.route("/<int:learner_id>/deliveries")
class LearnerDeliveries(MethodView):
    @blp.admin_required
    @blp.arguments(DeliveryQuery, location="query")
    @blp.response(200, DeliverySchema(many=True))
    def get(self, query: dict, learner_id: int) -> list:
        """A learner's emails, newest first: what, when, which courses, and how it went"""
        return delivery_records.deliveries_of(db_session(), learner_id, query["limit"])
