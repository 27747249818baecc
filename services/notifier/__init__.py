"""Notifier: course-suggestion digests and alerts by email, sent once, never without consent."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from services.notifier.resources import register_blueprints
from services.notifier.settings import NotifierSettings
from shared.web import build_app


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The notifier app: defaults, then ROUTEWAYS_* variables, then `config` (by field name)."""
    settings = NotifierSettings.from_env(overrides=config)
    return build_app(
        "notifier",
        settings,
        register_blueprints,
        title="Routeways notifier",
        description="Digests and alerts by email.",
    )
