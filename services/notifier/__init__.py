"""Notifier: course-suggestion digests and alerts by email, sent once, never without consent."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from services.notifier.resources import register_blueprints
from services.notifier.settings import NotifierSettings
from shared.web import Api, build_app
from shared.web.blueprint import ADMIN_TOKEN


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The notifier app: defaults, then ROUTEWAYS_* variables, then `config` (by field name)."""
    settings = NotifierSettings.from_env(overrides=config)
    app = build_app(
        "notifier",
        settings,
        _register,
        title="Routeways notifier",
        description="Digests and alerts by email.",
    )
    # The digest preview and the delivery log are admin endpoints; an empty token turns them off.
    app.extensions[ADMIN_TOKEN] = settings.admin_token
    return app


def _register(api: Api) -> None:
    api.spec.components.security_scheme(
        "AdminToken",
        {
            "type": "http",
            "scheme": "bearer",
            "description": "ROUTEWAYS_NOTIFIER_ADMIN_TOKEN (or the X-Admin-Token header)",
        },
    )
    api.spec.components.security_scheme(
        "ProfileToken",
        {
            "type": "http",
            "scheme": "bearer",
            "description": "ROUTEWAYS_NOTIFIER_CONTACT_TOKEN: the profile service reading a "
            "delivery log for a learner's adviser",
        },
    )
    register_blueprints(api)
