"""Notifier: course-suggestion digests and alerts by email, sent once, never without consent."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from services.notifier.resources import register_blueprints
from services.notifier.settings import NotifierSettings
from shared.web import build_app
from shared.web.blueprint import ADMIN_TOKEN

SECURITY_SCHEMES = {
    "AdminToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "ROUTEWAYS_NOTIFIER_ADMIN_TOKEN (or the X-Admin-Token header)",
    },
    "ProfileToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "ROUTEWAYS_NOTIFIER_CONTACT_TOKEN: the profile service reading a "
        "delivery log for a learner's adviser",
    },
}


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The notifier app: defaults, then ROUTEWAYS_* variables, then `config` (by field name)."""
    settings = NotifierSettings.from_env(overrides=config)
    app = build_app(
        "notifier",
        settings,
        register_blueprints,
        title="Routeways notifier",
        security_schemes=SECURITY_SCHEMES,
        description="Digests and alerts by email.",
    )
    # The digest preview and the delivery log are admin endpoints; an empty token turns them off.
    app.extensions[ADMIN_TOKEN] = settings.admin_token
    return app
