"""/learners/<id>/recommendations: ranked courses the learner can take, with reasons."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import abort

from services.recommender import serving
from services.recommender.model_store import ModelStore
from services.recommender.resources.recommendations.schemas import (
    RecommendationQuery,
    RecommendationsSchema,
)
from shared.events import utcnow
from shared.web import db_session
from shared.web.blueprint import Blueprint

blp = Blueprint("recommendations", __name__, url_prefix="/learners", description="Recommendations")
_LOADING = threading.Lock()


def serving_model() -> serving.ServingModel | None:
    """The process's loaded model, reloaded when the store's CURRENT pointer moves."""
    settings = current_app.extensions["routeways.settings"]
    store = ModelStore(Path(settings.models_dir))
    current = store.current()
    loaded = current_app.extensions.get("routeways.serving_model")
    if current is None:
        return None
    if loaded is None or loaded.name != current.name:
        with _LOADING:
            loaded = serving.ServingModel.load(store)
            current_app.extensions["routeways.serving_model"] = loaded
    return loaded


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
        model = serving_model()
        now = utcnow()
        try:
            items = serving.recommend(
                db_session(),
                model,
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
            "model_version": model.name if model else None,
            "items": [
                {
                    **vars(item),
                    "components": {
                        "collaborative": item.collaborative,
                        "popularity": item.popularity,
                        "feasibility": 1.0,
                    },
                }
                for item in items
            ],
        }
