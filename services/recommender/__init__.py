"""Recommender: a read model built from events, implicit models, and reskilling routes."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from services.recommender.model_store import ModelStore
from services.recommender.resources import register_blueprints
from services.recommender.serving import Recommender
from services.recommender.settings import RecommenderSettings
from shared.web import build_app


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The recommender app: defaults, then ROUTEWAYS_* variables, then `config` (by field name)."""
    settings = RecommenderSettings.from_env(overrides=config)
    app = build_app(
        "recommender",
        settings,
        register_blueprints,
        title="Routeways recommender",
        description="Course recommendations and reskilling routes.",
    )
    app.extensions["routeways.recommender"] = Recommender(ModelStore(Path(settings.models_dir)))
    return app
