"""Catalogue service: providers push their courses; the recommender and advisers read them.

Providers authenticate with an API key (`X-API-Key: rwk_...`, or `Authorization: Bearer rwk_...`),
checked in a short transaction of its own; requests with a key are rate-limited per key in Redis
(so the limit holds across gunicorn workers), requests without a valid one per client address.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, Request, g, request
from flask_limiter import Limiter
from limits import parse_many

from services.catalogue import providers
from services.catalogue.resources import register_blueprints
from services.catalogue.settings import CatalogueSettings
from shared.db import Database
from shared.settings import SettingsError
from shared.web import build_app
from shared.web.blueprint import ADMIN_TOKEN, LIMITER, PROVIDER_AUTH, bearer_token

SECURITY_SCHEMES = {
    "ProviderKey": {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "The provider's API key, rwk_... (also accepted as a Bearer token)",
    },
    "AdminToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "ROUTEWAYS_CATALOGUE_ADMIN_TOKEN (or sent as the X-Admin-Token header)",
    },
}


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The catalogue app: defaults, then ROUTEWAYS_* variables, then `config` (by field name)."""
    settings = CatalogueSettings.from_env(overrides=config)
    app = build_app(
        "catalogue",
        settings,
        register_blueprints,
        title="Routeways catalogue",
        security_schemes=SECURITY_SCHEMES,
        description="Providers' courses and the region's taxonomy.",
    )
    database = app.extensions["routeways.db"]
    app.extensions[PROVIDER_AUTH] = _provider_auth(database, settings.key_secret)
    app.extensions[LIMITER] = _rate_limit(app, settings)
    app.extensions[ADMIN_TOKEN] = settings.admin_token
    return app


def presented_key(incoming: Request) -> str:
    """The API key a request carries (X-API-Key, else a Bearer token), or "" without one."""
    return incoming.headers.get("X-API-Key", "").strip() or bearer_token(incoming.headers)


def _provider_auth(database: Database, secret: str) -> Callable[[Request], int | None]:
    """`(request) -> provider id | None`; its transaction commits before the view starts, so
    refreshing a key's last use never holds a lock through the view's own transaction."""

    def provider_of(incoming: Request) -> int | None:
        plaintext = presented_key(incoming)
        if not providers.is_well_formed(plaintext):
            return None  # no database round trip for junk
        with database.session_scope() as session:
            return providers.authenticate(session, plaintext, secret)

    return provider_of


def _rate_limit(app: Flask, settings: CatalogueSettings) -> Callable[[], None]:
    """Flask-Limiter on the service's Redis: one budget per key over every guarded endpoint.

    Over the limit it raises RateLimitExceeded (werkzeug's TooManyRequests), which the Api
    answers as problem+json; `headers_enabled` adds X-RateLimit-* and Retry-After. If Redis
    cannot be reached, each worker limits in memory until it can.
    """
    try:
        parse_many(settings.rate_limit)
    except ValueError as error:
        raise SettingsError(f"ROUTEWAYS_CATALOGUE_RATE_LIMIT: {error}") from error
    limiter = Limiter(
        key_func=_rate_limit_identity,
        app=app,
        storage_uri=settings.redis_url,
        storage_options={"socket_timeout": 2, "socket_connect_timeout": 2},
        headers_enabled=True,
        key_prefix="routeways:catalogue",
        in_memory_fallback_enabled=True,
    )
    provider_calls = limiter.shared_limit(
        settings.rate_limit,
        scope="provider-api",
        error_message=f"over the limit of {settings.rate_limit}; retry after Retry-After seconds",
    )

    def count_request() -> None:
        with provider_calls:
            pass

    return count_request


def _rate_limit_identity() -> str:
    """Whose budget a request spends: its key's (by prefix) once the key is known to be valid,
    else its client address, so guessing keys cannot drain a provider's budget."""
    if g.get("provider_id") is not None:
        return f"key:{providers.key_prefix(presented_key(request))}"
    return f"address:{request.remote_addr or 'unknown'}"
