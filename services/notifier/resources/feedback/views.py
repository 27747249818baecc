"""/feedback/<token>: an email's "I'm interested" and "not for me" links.

A GET shows a page with a button and records nothing (mail scanners follow every link in an
email); the button POSTs, which records the interaction through the profile service with the
link's own token, once however often it is pressed (`client_ref` is derived from the token).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from flask import Response, request
from flask.views import MethodView

from services.notifier.email_links import FEEDBACK_KINDS
from services.notifier.resources.feedback.schemas import FeedbackQuery, FeedbackSchema
from services.notifier.resources.learner_pages import (
    PageRefusal,
    ask_profile,
    learner_gone,
    page,
    read_link,
    refusal_response,
    wants_json,
)
from shared.web.blueprint import Blueprint

blp = Blueprint("feedback", __name__, url_prefix="/feedback", description="Feedback links")
blp.register_error_handler(PageRefusal, refusal_response)

BUTTONS = {"interested": "Yes, I'm interested", "not-interested": "This course is not for me"}
THANKS = {
    "interested": "Thank you. We have noted your interest and will suggest more courses like it.",
    "not-interested": "Thank you. We will not suggest this course again.",
}


@blp.route("/<string:token>")
class FeedbackLink(MethodView):
    @blp.arguments(FeedbackQuery, location="query")
    @blp.response(200, FeedbackSchema)
    def get(self, query: dict, token: str) -> Response | dict:
        """Show the feedback button for the link's course (records nothing)"""
        _learner_id, course_id = _link(token)
        kind = query["kind"]
        if wants_json():
            return _body(course_id, kind, recorded=False)
        other = "not-interested" if kind == "interested" else "interested"
        return page(
            "pages/feedback.html",
            title="Tell us what you think of this course",
            kind=kind,
            action=f"{request.path}?kind={kind}",
            button=BUTTONS[kind],
            other_url=f"{request.path}?kind={other}",
            other_text=(
                "This course is not for me"
                if other == "not-interested"
                else "I am interested in this course"
            ),
        )

    @blp.arguments(FeedbackQuery, location="query")
    @blp.response(200, FeedbackSchema)
    def post(self, query: dict, token: str) -> Response | dict:
        """Record the learner's interest, or lack of it, in the link's course"""
        learner_id, course_id = _link(token)
        kind = query["kind"]
        response = ask_profile(
            "POST",
            f"/learners/{learner_id}/interactions",
            token,
            json={
                "course_id": course_id,
                "kind": FEEDBACK_KINDS[kind],
                "source": "email",
                "occurred_at": datetime.now(UTC).isoformat(),
                "client_ref": client_ref(token, kind),
            },
        )
        if response.status_code == 404:
            raise learner_gone()
        if response.status_code not in (200, 201):
            raise PageRefusal(400, "This link does not work", "the profile service refused it")
        if wants_json():
            return _body(course_id, kind, recorded=True)
        return page("pages/feedback-recorded.html", title="Thank you", message=THANKS[kind])


def client_ref(token: str, kind: str) -> str:
    """The interaction's idempotency key: one per (link, answer), so a second press of the
    same button, or a retried POST, records nothing more."""
    return "email-" + hashlib.sha256(f"{token}\n{kind}".encode()).hexdigest()[:40]


def _link(token: str) -> tuple[int, int]:
    """The learner and the course a feedback token names (a refusal if it names none)."""
    claims = read_link("feedback", token)
    course_id = claims.extra.get("c")
    if not isinstance(course_id, int):
        raise PageRefusal(400, "This link does not work", "this link names no course")
    return claims.subject_id, course_id


def _body(course_id: int, kind: str, recorded: bool) -> dict:
    return {
        "course_id": course_id,
        "kind": kind,
        "interaction_kind": FEEDBACK_KINDS[kind],
        "recorded": recorded,
    }
