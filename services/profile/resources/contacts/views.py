"""/learners/<id>/contact: the notifier asks where to send a learner's email, at send time.

Only the notifier's token (ROUTEWAYS_NOTIFIER_CONTACT_TOKEN) or the admin token may ask; the
answer holds what a send needs (consent, frequency and, only with consent, address and name),
and an erased or unknown learner is a 404, so the notifier never keeps addresses of its own.
"""

from __future__ import annotations

import hmac
from typing import Any

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import abort

from services.profile import learners
from services.profile.resources.contacts.schemas import ContactSchema
from services.profile.resources.learners.views import refuse
from shared.web import db_session
from shared.web.blueprint import Blueprint, bearer_token

blp = Blueprint("contacts", __name__, url_prefix="/learners", description="Contacts")


def require_notifier() -> None:
    """401 unless the request carries the notifier's contact token or the admin token."""
    settings = current_app.extensions["routeways.settings"]
    given = bearer_token(request.headers).encode()
    accepted = [t.encode() for t in (settings.contact_token, settings.admin_token) if t]
    if not given or not any(hmac.compare_digest(given, token) for token in accepted):
        abort(
            401,
            message="send the notifier's contact token as Authorization: Bearer <token>",
            headers={"WWW-Authenticate": 'Bearer realm="profile-contacts"'},
        )


def contact_of(learner: Any) -> dict[str, Any]:
    consents = bool(learner.email_consent)
    return {
        "learner_id": learner.id,
        "suggestion_emails": consents,
        "frequency": learner.email_frequency,
        "email": learner.email if consents else None,
        "name": learner.name if consents else None,
    }


@blp.route("/<int:learner_id>/contact")
class LearnerContact(MethodView):
    @blp.doc(security=[{"NotifierToken": []}, {"AdminToken": []}])
    @blp.response(200, ContactSchema)
    def get(self, learner_id: int) -> dict:
        """A learner's email consent, frequency and (with consent) address (the notifier)"""
        require_notifier()
        try:
            return contact_of(learners.get_learner(db_session(), learner_id))
        except learners.ProfileError as error:
            refuse(error)
