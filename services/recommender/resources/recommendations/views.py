"""/learners/<id>/recommendations: ranked courses the learner can take, with reasons."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import abort

from services.recommender import serving
from services.recommender.resources.recommendations.schemas import (
    RecommendationQuery,
    RecommendationsSchema,
)
from shared.events import utcnow
from shared.web import db_read_session
from shared.web.blueprint import Blueprint

blp = Blueprint("recommendations", __name__, url_prefix="/learners", description="Recommendations")


def process_recommender() -> serving.Recommender:
    """This process's serving state (model and course index, kept between requests)."""
    return current_app.extensions["routeways.recommender"]


@blp.route("/<int:learner_id>/recommendations")
class LearnerRecommendations(MethodView):
    @blp.arguments(RecommendationQuery, location="query")
    @blp.response(200, RecommendationsSchema)
    def get(self, query: dict, learner_id: int) -> dict[str, Any]:
        """Courses for a learner, best first

        Only published courses starting in the learner's window, within their travel (or
        online), at a level they can enter, within budget after funding and their hours, never
        one they completed or turned down; at most two per provider. `max_km` and `mode` can
        only narrow the learner's own limits.
        """
        settings = current_app.extensions["routeways.settings"]
        session = db_read_session()
        snapshot = process_recommender().snapshot(session)
        now = utcnow()
        try:
            items = serving.recommend(
                session,
                snapshot,
                learner_id,
                serving.Request(**query),
                now.date(),
                settings.start_horizon_days,
                now,
            )
        except serving.UnknownLearner as error:
            abort(404, message=str(error))
        return {
            "learner_id": learner_id,
            "model_version": snapshot.model.name if snapshot.model else None,
            "items": [
                # vars, not dataclasses.asdict: its deep copy took ~0.3 ms for ten items
                {**vars(item), "components": {**vars(item.components), "feasibility": 1.0}}
                for item in items
            ],
        }
