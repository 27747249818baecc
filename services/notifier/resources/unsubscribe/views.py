"""/unsubscribe/<token>: RFC 8058 one-click unsubscribe, and the page an email's link opens.

POST unsubscribes at once and answers 200 with a short page (no redirect: a mail client's
one-click POST follows none); GET only shows a confirm button (mail scanners follow GETs, and a
GET must never unsubscribe). The profile service records it (consent to suggestion emails
turned off), checking the same token.
"""

from __future__ import annotations

from flask import Response, request
from flask.views import MethodView

from services.notifier.resources.learner_pages import (
    PageRefusal,
    ask_profile,
    page,
    read_link,
    refusal_response,
    wants_json,
)
from services.notifier.resources.unsubscribe.schemas import OneClickForm, UnsubscribedSchema
from shared.web.blueprint import Blueprint

blp = Blueprint("unsubscribe", __name__, url_prefix="/unsubscribe", description="Unsubscribe")
blp.register_error_handler(PageRefusal, refusal_response)


@blp.route("/<string:token>")
class UnsubscribeLink(MethodView):
    @blp.response(200, UnsubscribedSchema)
    def get(self, token: str) -> Response | dict:
        """Ask the learner to confirm (changes nothing)"""
        read_link("unsubscribe", token)
        if wants_json():
            return {"unsubscribed": False}
        return page(
            "pages/unsubscribe.html",
            title="Stop course-suggestion emails?",
            action=request.path,
        )

    @blp.arguments(OneClickForm, location="form")
    @blp.response(200, UnsubscribedSchema)
    def post(self, _form: dict, token: str) -> Response | dict:
        """Unsubscribe the link's learner from suggestion emails (RFC 8058 one-click)"""
        learner_id = read_link("unsubscribe", token).subject_id
        response = ask_profile("POST", f"/learners/{learner_id}/unsubscribe", token)
        # 404: no such learner any more (erased), so no email will go to them either.
        if response.status_code not in (200, 404):
            raise PageRefusal(400, "This link does not work", "the profile service refused it")
        if wants_json():
            return {"unsubscribed": True}
        return page("pages/unsubscribed.html", title="You are unsubscribed")
