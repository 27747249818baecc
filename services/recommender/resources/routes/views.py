"""/learners/<id>/routes: up to a few routes to a target occupation, with their reasons."""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import abort

from services.recommender import route_planning
from services.recommender.resources.recommendations.views import process_recommender
from services.recommender.resources.routes.schemas import RouteQuery, RoutesSchema
from services.recommender.route_answers import routes_body
from services.recommender.route_search import SearchLimits
from services.recommender.routes import route_weights
from services.recommender.serving import UnknownLearner
from shared.events import utcnow
from shared.web import db_session
from shared.web.blueprint import Blueprint

blp = Blueprint("routes", __name__, url_prefix="/learners", description="Reskilling routes")


@blp.route("/<int:learner_id>/routes")
class LearnerRoutes(MethodView):
    @blp.arguments(RouteQuery, location="query")
    @blp.response(200, RoutesSchema)
    def get(self, query: dict, learner_id: int) -> dict[str, Any]:
        """Routes to a target occupation, best first

        Each route is an ordered list of courses the learner can take one after another (each
        step's entry requirements met by their starting point and the earlier steps, never
        more hours at once than they have, every hard filter passed), with its totals, score
        components and reasons. No route: an empty list and the reason (the missing skill, the
        unmet entry requirement).
        """
        settings = current_app.extensions["routeways.settings"]
        session = db_session()
        snapshot = process_recommender().snapshot(session)
        weights = route_weights(settings.route_weights)
        limits = replace(
            SearchLimits(),
            routes=query["max"],
            min_share=settings.route_min_skill_share,
            max_steps=settings.route_max_steps,
        )
        try:
            plan = route_planning.plan_routes(
                session, snapshot, learner_id, query.get("target"), utcnow().date(),
                settings.start_horizon_days, weights, limits,
            )  # fmt: skip
        except UnknownLearner as error:
            abort(404, errors={"path": {"learner_id": [str(error)]}}, message=str(error))
        except route_planning.UnknownOccupation as error:
            abort(404, errors={"query": {"target": [str(error)]}}, message=str(error))
        except route_planning.NoTarget as error:
            abort(422, errors={"query": {"target": [str(error)]}}, message=str(error))
        return {**routes_body(session, plan), "weights": asdict(weights)}
