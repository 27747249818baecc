"""Web plumbing every service shares: the Api with problem+json errors, health, a request session.

`build_app(name, settings, database, register)` is what each service's `create_app` calls.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import flask_swagger_ui
import redis
from flask import Flask, Response, g, request, send_from_directory
from flask_smorest import Api as SmorestApi
from marshmallow import Schema, fields
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from shared.bus.outbox import correlation_id
from shared.db import MAX_ID, Database
from shared.settings import ServiceSettings
from shared.web import health
from shared.web.problems import PROBLEM_JSON, field_errors, problem

log = logging.getLogger(__name__)

SWAGGER_UI_DIR = Path(flask_swagger_ui.__file__).parent / "dist"


class ProblemSchema(Schema):
    """RFC 7807 problem details, with one row per invalid field."""

    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    errors = fields.List(fields.Dict())


class Api(SmorestApi):
    """flask-smorest Api answering every 4xx/5xx as application/problem+json."""

    ERROR_SCHEMA = ProblemSchema
    DEFAULT_ERROR_RESPONSE_NAME = "DEFAULT_ERROR"

    def handle_http_exception(self, error: HTTPException) -> Response:
        if error.code is not None and error.code < 400:
            return error.get_response()
        if error.code == 500:
            log.exception("unhandled error", exc_info=getattr(error, "original_exception", error))
            return problem(500, "Internal Server Error", "the error was logged; please retry later")
        data = getattr(error, "data", None) or {}
        extra: dict[str, Any] = {}
        messages = data.get("errors", data.get("messages"))
        if messages:
            extra["errors"] = list(field_errors(messages))
        response = problem(
            error.code or 500, error.name, data.get("message") or error.description, **extra
        )
        for header, value in (data.get("headers") or {}).items():
            response.headers[header] = value
        if error.code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response


def db_session() -> Session:
    """The request's session; views commit it once, teardown closes (and rolls back) it."""
    return _request_session("db_session", lambda database: database.sessions())


def db_read_session() -> Session:
    """The request's session for reading only (`Database.readers`), for views that write
    nothing: on SQLite its transaction takes no write lock, so such a request never waits
    behind a consumer's or a task's write transaction; teardown closes (rolls back) it."""
    return _request_session("db_read_session", lambda database: database.readers())


def _request_session(name: str, make: Callable[[Database], Session]) -> Session:
    """The request's session kept in `g` under `name`, made on first use from the app's
    database (teardown closes it)."""
    if name not in g:
        from flask import current_app

        setattr(g, name, make(current_app.extensions["routeways.db"]))
    return getattr(g, name)


class DatabaseIdConverter(IntegerConverter):
    """`<int:...>` in URLs, capped at the largest database id: /learners/99999999999 is a 404
    route miss, not an out-of-range error from PostgreSQL."""

    def __init__(self, url_map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def build_app(
    name: str,
    settings: ServiceSettings,
    register: Callable[[Api], None],
    *,
    title: str,
    description: str,
    security_schemes: Mapping[str, dict[str, Any]] | None = None,
) -> Flask:
    """A service app: settings, database, Redis, Api with OpenAPI + docs, health, resources.
    `security_schemes` name the OpenAPI security schemes its endpoints refer to."""
    # The import name is the service's package, so Flask finds its folder even when a test
    # directory of the same short name ("catalogue") is importable.
    app = Flask(f"services.{name}")
    app.url_map.converters["int"] = DatabaseIdConverter
    if settings.proxy_hops:
        # Behind a load balancer every request comes from its address: take the client's from
        # the X-Forwarded-For entries the trusted proxies appended (never more than that).
        hops = settings.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    app.extensions["routeways.service"] = name
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        API_TITLE=title,
        API_VERSION="1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="/docs",
        OPENAPI_SWAGGER_UI_URL="/docs-assets/",
        API_SPEC_OPTIONS={"info": {"description": description}},
    )
    app.extensions["routeways.settings"] = settings
    app.extensions["routeways.db"] = Database(settings.database_url)
    app.extensions["routeways.redis"] = redis.Redis.from_url(
        settings.redis_url, socket_timeout=2, socket_connect_timeout=2
    )
    api = Api(app)
    api.register_blueprint(health.blp)
    for name, scheme in (security_schemes or {}).items():
        api.spec.components.security_scheme(name, scheme)
    register(api)
    _add_request_hooks(app)

    @app.get("/docs-assets/<path:filename>")
    def docs_assets(filename: str) -> Response:
        return send_from_directory(SWAGGER_UI_DIR, filename)

    return app


def _add_request_hooks(app: Flask) -> None:
    @app.before_request
    def take_correlation_id() -> None:
        incoming = request.headers.get("X-Correlation-ID", "")[:128]
        g.correlation_token = correlation_id.set(incoming or str(uuid.uuid4()))

    @app.after_request
    def give_correlation_id(response: Response) -> Response:
        response.headers["X-Correlation-ID"] = correlation_id.get() or ""
        return response

    @app.teardown_request
    def close_session(_error: BaseException | None) -> None:
        for name in ("db_session", "db_read_session"):
            session = g.pop(name, None)
            if session is not None:
                session.close()
        token = g.pop("correlation_token", None)
        if token is not None:
            correlation_id.reset(token)


__all__ = ["PROBLEM_JSON", "Api", "build_app", "db_read_session", "db_session", "problem"]
