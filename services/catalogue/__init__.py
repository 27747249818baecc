"""Catalogue service: providers push their courses; the recommender and advisers read them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from services.catalogue.resources import register_blueprints
from services.catalogue.settings import CatalogueSettings
from shared.web import build_app


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The catalogue app: defaults, then ROUTEWAYS_* variables, then `config` (by field name)."""
    settings = CatalogueSettings.from_env(overrides=config)
    return build_app(
        "catalogue",
        settings,
        register_blueprints,
        title="Routeways catalogue",
        description="Providers' courses and the region's taxonomy.",
    )
