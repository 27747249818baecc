"""Profile service: learners, their goals and history, advisers' caseloads, consent and erasure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from services.profile.resources import register_blueprints
from services.profile.settings import ProfileSettings
from shared.web import build_app


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The profile app: defaults, then ROUTEWAYS_* variables, then `config` (by field name)."""
    settings = ProfileSettings.from_env(overrides=config)
    return build_app(
        "profile",
        settings,
        register_blueprints,
        title="Routeways profile",
        description="Learners, interactions, advisers and consent.",
    )
