"""Profile service: learners, their goals and history, advisers' caseloads, consent and erasure.

Advisers sign in to the console with a session cookie (Flask's signed cookie: HttpOnly,
SameSite=Lax, Secure in production); sign-in attempts are rate-limited per client address with
Flask-Limiter counting in Redis, so the limit holds across gunicorn workers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, request
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded
from limits import parse_many

from services.profile.console import register_console
from services.profile.resources import register_blueprints
from services.profile.resources.advisers.views import SIGN_IN_LIMIT
from services.profile.settings import ProfileSettings
from shared.settings import SettingsError
from shared.web import build_app
from shared.web.blueprint import ADMIN_TOKEN

SESSION_COOKIE = "routeways_profile_session"
SECURITY_SCHEMES = {
    "AdminToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "ROUTEWAYS_PROFILE_ADMIN_TOKEN (or sent as the X-Admin-Token header)",
    },
    "AdviserToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "An adviser's personal token, rwa_... (POST /advisers/me/tokens)",
    },
    "AdviserSession": {"type": "apiKey", "in": "cookie", "name": SESSION_COOKIE},
    "NotifierToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "ROUTEWAYS_NOTIFIER_CONTACT_TOKEN: the notifier reading contacts",
    },
}


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The profile app: defaults, then ROUTEWAYS_* variables, then `config` (by field name)."""
    settings = ProfileSettings.from_env(overrides=config)
    app = build_app(
        "profile",
        settings,
        register_blueprints,
        title="Routeways profile",
        security_schemes=SECURITY_SCHEMES,
        description="Learners, interactions, advisers and consent.",
    )
    app.config.update(
        SESSION_COOKIE_NAME=SESSION_COOKIE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Local `make run` is plain http, where a Secure cookie would never come back.
        SESSION_COOKIE_SECURE=settings.environment == "production"
        or settings.session_cookie_secure,
    )
    app.extensions[ADMIN_TOKEN] = settings.admin_token
    app.extensions[SIGN_IN_LIMIT] = _sign_in_limit(app, settings)
    register_console(app)
    return app


def _sign_in_limit(app: Flask, settings: ProfileSettings) -> Callable[[], int | None]:
    """Flask-Limiter on the service's Redis: one budget of sign-in attempts per client address.

    The callable counts an attempt and answers None within the budget, else the seconds until
    the window resets (the view's Retry-After). Rate-limit headers are left off: they would
    tell every answer, the successful ones too, to retry later. If Redis cannot be reached,
    each worker limits in memory until it can.
    """
    try:
        parse_many(settings.login_rate_limit)
    except ValueError as error:
        raise SettingsError(f"ROUTEWAYS_PROFILE_LOGIN_RATE_LIMIT: {error}") from error
    limiter = Limiter(
        key_func=lambda: f"address:{request.remote_addr or 'unknown'}",
        app=app,
        storage_uri=settings.redis_url,
        storage_options={"socket_timeout": 2, "socket_connect_timeout": 2},
        headers_enabled=False,
        key_prefix="routeways:profile",
        in_memory_fallback_enabled=True,
    )
    attempts = limiter.shared_limit(settings.login_rate_limit, scope="adviser-sign-in")

    def count_attempt() -> int | None:
        try:
            with attempts:
                return None
        except RateLimitExceeded:
            return _seconds_until_reset(limiter)

    return count_attempt


def _seconds_until_reset(limiter: Limiter) -> int:
    try:
        reset_at = limiter.current_limit.reset_at if limiter.current_limit else 0
    except Exception:  # storage gone mid-request: a minute is a fair guess
        return 60
    return max(1, int(reset_at - time.time()))
