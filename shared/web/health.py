"""Liveness and readiness: /healthz says the process answers, /readyz that its dependencies do."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from marshmallow import Schema, fields

from shared.web.blueprint import Blueprint
from shared.web.problems import problem

blp = Blueprint("health", __name__, description="Liveness and readiness probes")


class HealthSchema(Schema):
    status = fields.String(required=True)
    service = fields.String(required=True)
    checks = fields.Dict(keys=fields.String(), values=fields.String())


@blp.route("/healthz")
class Liveness(MethodView):
    @blp.response(200, HealthSchema)
    def get(self) -> dict:
        """Answer while the process is alive"""
        return {"status": "ok", "service": current_app.extensions["routeways.service"]}


@blp.route("/readyz")
class Readiness(MethodView):
    @blp.response(200, HealthSchema)
    @blp.alt_response(503, description="A dependency (database or Redis) does not answer")
    def get(self) -> object:
        """Answer 200 when the database and Redis both answer"""
        checks = {}
        for name, check in (("database", _database), ("redis", _redis)):
            try:
                check()
                checks[name] = "ok"
            except Exception as error:
                checks[name] = f"failed: {error.__class__.__name__}: {error}"[:300]
        if all(value == "ok" for value in checks.values()):
            return {
                "status": "ok",
                "service": current_app.extensions["routeways.service"],
                "checks": checks,
            }
        return problem(503, "Service Unavailable", "a dependency does not answer", checks=checks)


def _database() -> None:
    current_app.extensions["routeways.db"].ping()


def _redis() -> None:
    current_app.extensions["routeways.redis"].ping()
