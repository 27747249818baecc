"""/learners/<id>/routes: up to a few routes to a target occupation, with their reasons."""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import abort
from sqlalchemy.orm import Session

from services.recommender import route_planning
from services.recommender.models import LearnerView
from services.recommender.resources.recommendations.views import process_recommender
from services.recommender.resources.routes.schemas import (
    WHAT_IF_CONSTRAINTS,
    RouteQuery,
    RoutesSchema,
)
from services.recommender.route_answers import routes_body
from services.recommender.route_search import SearchLimits
from services.recommender.routes import route_weights
from services.recommender.serving import UnknownLearner
from shared.events import utcnow
from shared.web import db_read_session
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

        What-if: `max_travel_km`, `hours_per_week`, `budget_pence` and `route_preference`
        replace the learner's own values for this answer only (nothing is saved); the answer's
        `what_if` says which were used.
        """
        settings = current_app.extensions["routeways.settings"]
        session = db_read_session()
        snapshot = process_recommender().snapshot(session)
        weights = route_weights(settings.route_weights)
        limits = replace(
            SearchLimits(),
            routes=query["max"],
            min_share=settings.route_min_skill_share,
            max_steps=settings.route_max_steps,
        )
        what_if = {name: query[name] for name in WHAT_IF if name in query}
        # A what-if changes the learner's read-model row in this session only: autoflush is
        # off, so no UPDATE is ever sent, and the rollback below forgets the change.
        with session.no_autoflush:
            try:
                try_what_if(session, learner_id, what_if)
                plan = route_planning.plan_routes(
                    session, snapshot, learner_id, query.get("target"), utcnow().date(),
                    settings.start_horizon_days, weights, limits,
                )  # fmt: skip
                body = routes_body(session, plan)
            except UnknownLearner as error:
                abort(404, errors={"path": {"learner_id": [str(error)]}}, message=str(error))
            except route_planning.UnknownOccupation as error:
                abort(404, errors={"query": {"target": [str(error)]}}, message=str(error))
            except route_planning.NoTarget as error:
                abort(422, errors={"query": {"target": [str(error)]}}, message=str(error))
            finally:
                session.rollback()
        return {**body, "weights": asdict(weights), "what_if": what_if}


#: Query parameters that replace the learner's own values for one answer.
WHAT_IF = (*WHAT_IF_CONSTRAINTS, "route_preference")


def try_what_if(session: Session, learner_id: int, what_if: dict[str, Any]) -> None:
    """Put the what-if values on the learner's read-model row as the route planner will read
    it (the session's identity map hands the planner this same object). The caller keeps
    autoflush off and rolls back: nothing here is ever written."""
    if not what_if:
        return
    view = session.get(LearnerView, learner_id)
    if view is None:
        return  # the planner answers the unknown learner
    attributes = dict(view.attributes or {})
    constraints = dict(attributes.get("constraints") or {})
    constraints.update({k: v for k, v in what_if.items() if k in WHAT_IF_CONSTRAINTS})
    attributes["constraints"] = constraints
    if "route_preference" in what_if:
        attributes["route_preference"] = what_if["route_preference"]
    view.attributes = attributes
