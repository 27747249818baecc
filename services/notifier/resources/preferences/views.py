"""/preferences/<token>: how often a learner gets course suggestions, from an email's "manage
your email preferences" link (a manage token).

GET reads the learner's current choice from the profile service and shows it; POST saves a new
one there (`PATCH /learners/<id>` with the consent part only).
"""

from __future__ import annotations

from flask import Response, request
from flask.views import MethodView

from services.notifier.resources.learner_pages import (
    PageRefusal,
    ask_profile,
    learner_gone,
    page,
    read_link,
    refusal_response,
    wants_json,
)
from services.notifier.resources.preferences.schemas import (
    CHOICES,
    PreferencesForm,
    PreferencesSchema,
)
from shared.web.blueprint import Blueprint

blp = Blueprint("preferences", __name__, url_prefix="/preferences", description="Email preferences")
blp.register_error_handler(PageRefusal, refusal_response)


@blp.route("/<string:token>")
class EmailPreferences(MethodView):
    @blp.response(200, PreferencesSchema)
    def get(self, token: str) -> Response | dict:
        """Show the learner's email choice (changes nothing)"""
        consent = _consent("GET", token)
        if wants_json():
            return consent
        return _form(consent)

    @blp.arguments(PreferencesForm, location="form")
    @blp.response(200, PreferencesSchema)
    def post(self, form: dict, token: str) -> Response | dict:
        """Save how often the learner wants suggestions, or stop them"""
        choice = form["choice"]
        change = {"suggestion_emails": choice != "none"}
        if choice != "none":
            change["frequency"] = choice
        consent = _consent("PATCH", token, json={"consent": change})
        if wants_json():
            return consent
        message = (
            "We will not send you course-suggestion emails."
            if choice == "none"
            else f"Saved: we will email you course suggestions {CHOICES[choice].lower()}."
        )
        return page(
            "pages/preferences-saved.html",
            title="Your choice is saved",
            message=message,
            back=request.path,
        )


def _consent(method: str, token: str, **kwargs: object) -> dict:
    learner_id = read_link("manage", token).subject_id
    response = ask_profile(method, f"/learners/{learner_id}", token, **kwargs)
    if response.status_code == 404:
        raise learner_gone()
    if response.status_code != 200:
        raise PageRefusal(400, "This link does not work", "the profile service refused it")
    consent = response.json().get("consent") or {}
    return {
        "suggestion_emails": bool(consent.get("suggestion_emails")),
        "frequency": consent.get("frequency"),
    }


def _form(consent: dict) -> Response:
    current = consent["frequency"] if consent["suggestion_emails"] else "none"
    return page(
        "pages/preferences.html",
        title="Your email preferences",
        action=request.path,
        choices=list(CHOICES.items()),
        current=current,
    )
