"""Recommender: a read model built from events, implicit models, and reskilling routes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from services.recommender.resources import register_blueprints
from services.recommender.serving import recommender_for
from services.recommender.settings import RecommenderSettings
from shared.web import build_app
from shared.web.blueprint import ADMIN_TOKEN

SECURITY_SCHEMES = {
    "AdminToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "ROUTEWAYS_RECOMMENDER_ADMIN_TOKEN (or the X-Admin-Token header)",
    },
}


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The recommender app: defaults, then ROUTEWAYS_* variables, then `config` (by field name)."""
    settings = RecommenderSettings.from_env(overrides=config)
    app = build_app(
        "recommender",
        settings,
        register_blueprints,
        title="Routeways recommender",
        security_schemes=SECURITY_SCHEMES,
        description="Course recommendations and reskilling routes.",
    )
    app.extensions["routeways.recommender"] = recommender_for(settings.models_dir)
    app.extensions[ADMIN_TOKEN] = settings.admin_token
    return app
