"""/shortlists: the profile service hands over an adviser's shortlist for a learner; a task
sends it (once, under its shortlist id). Only the profile service may post: it sends the contact
token both services share (or the admin token)."""

from __future__ import annotations

import hmac

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import abort

from services.notifier import shortlists
from services.notifier.resources.shortlists.schemas import ShortlistQueuedSchema, ShortlistSchema
from shared.web.blueprint import Blueprint, bearer_token

blp = Blueprint("shortlists", __name__, url_prefix="/shortlists", description="Adviser shortlists")


def _profile_service_only() -> None:
    settings = current_app.extensions["routeways.settings"]
    given = bearer_token(request.headers) or ""
    accepted = [t for t in (settings.contact_token, settings.admin_token) if t]
    if not given:
        abort(
            401,
            message="send the contact token as Authorization: Bearer <token>",
            errors={"headers": {"Authorization": ["no token"]}},
            headers={"WWW-Authenticate": 'Bearer realm="notifier"'},
        )
    if not any(hmac.compare_digest(given.encode(), t.encode()) for t in accepted):
        abort(
            403,
            message="only the profile service may send shortlists",
            errors={"headers": {"Authorization": ["not the contact token"]}},
        )


@blp.route("")
class Shortlists(MethodView):
    @blp.arguments(ShortlistSchema)
    @blp.response(202, ShortlistQueuedSchema)
    def post(self, body: dict) -> dict:
        """Send an adviser's shortlist to a learner (profile service only)"""
        _profile_service_only()
        # Imported here: the app must not configure Celery (from the environment) when built.
        from services.notifier.tasks import send_shortlist

        body = {**body, "shortlist_id": str(body["shortlist_id"])}
        send_shortlist.delay(body)
        return {"delivery_id": shortlists.Shortlist.from_body(body).delivery_id, "status": "queued"}
