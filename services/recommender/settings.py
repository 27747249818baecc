"""Recommender settings: its own database and port, the admin token, where model versions
live, the start window of suggestions and how routes are weighed."""

from dataclasses import dataclass, replace

from services.recommender.route_search import SearchLimits
from services.recommender.routes import RouteWeights, route_weights
from shared.settings import ServiceSettings, SettingsError, setting


@dataclass(frozen=True)
class RecommenderSettings(ServiceSettings):
    service = "recommender"

    database_url: str = setting(
        "ROUTEWAYS_RECOMMENDER_DATABASE_URL",
        "sqlite:///var/recommender.sqlite3",
        "Recommender database",
    )
    port: int = setting("ROUTEWAYS_RECOMMENDER_PORT", 8003, "Recommender HTTP port")
    admin_token: str = setting(
        "ROUTEWAYS_RECOMMENDER_ADMIN_TOKEN",
        "",
        "Bearer token of the admin endpoints (training, tasks); empty turns them off (404)",
    )
    models_dir: str = setting(
        "ROUTEWAYS_RECOMMENDER_MODELS_DIR",
        "var/models",
        "Folder of trained model versions and the pointer to the serving one",
    )
    start_horizon_days: int = setting(
        "ROUTEWAYS_RECOMMENDER_START_HORIZON_DAYS",
        365,
        "Courses are suggested only if they start within this many days of the learner's "
        "earliest start (or today)",
    )
    route_weights: str = setting(
        "ROUTEWAYS_ROUTE_WEIGHTS",
        "skills=0.35,time=0.2,cost=0.15,travel=0.1,collaborative=0.1,demand=0.1",
        "Weights of a route's score components (skills, time, cost, travel, collaborative, "
        "demand), as name=weight pairs; components not named keep their default",
    )
    route_min_skill_share: float = setting(
        "ROUTEWAYS_ROUTE_MIN_SKILL_SHARE",
        0.6,
        "A route is complete when the learner then holds at least this share of the target "
        "occupation's essential skills (and its entry level)",
    )
    route_max_steps: int = setting("ROUTEWAYS_ROUTE_MAX_STEPS", 4, "Most courses in one route")

    def route_rules(self) -> tuple[RouteWeights, SearchLimits]:
        """The route weights and search limits these settings choose."""
        limits = replace(
            SearchLimits(), min_share=self.route_min_skill_share, max_steps=self.route_max_steps
        )
        return route_weights(self.route_weights), limits

    def check(self) -> None:
        """Also refuse route weights that do not parse and shares outside 0..1."""
        super().check()
        try:
            route_weights(self.route_weights)
        except ValueError as error:
            raise SettingsError(f"ROUTEWAYS_ROUTE_WEIGHTS: {error}") from None
        if not 0.0 <= self.route_min_skill_share <= 1.0:
            raise SettingsError("ROUTEWAYS_ROUTE_MIN_SKILL_SHARE must be between 0 and 1")
        if not 1 <= self.route_max_steps <= 6:
            raise SettingsError("ROUTEWAYS_ROUTE_MAX_STEPS must be between 1 and 6")
