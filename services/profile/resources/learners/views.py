"""/learners: registration, the profile (learner, adviser or admin), links, export, erasure."""

from __future__ import annotations

from typing import Any, NoReturn

from flask import current_app
from flask.views import MethodView
from flask_smorest import abort

from services.profile import learners
from services.profile.resources.access import caller_for_learner
from services.profile.resources.learners.schemas import (
    LearnerChangesSchema,
    LearnerExportSchema,
    LearnerRegistrationSchema,
    LearnerSchema,
    LinkSchema,
)
from shared.links import PURPOSES, make_token
from shared.web import db_session
from shared.web.blueprint import Blueprint

blp = Blueprint("learners", __name__, url_prefix="/learners", description="Learners")

#: What an adviser may change for a learner who shares their profile.
ADVISER_EDITABLE = frozenset({"goals", "constraints", "route_preference", "wants_route_switch"})


def _settings() -> Any:
    return current_app.extensions["routeways.settings"]


def _rules() -> learners.ProfileRules:
    return learners.ProfileRules(minimum_age=_settings().minimum_age)


def refuse(error: learners.ProfileError) -> NoReturn:
    """A domain refusal as problem+json naming the field and the reason."""
    if isinstance(error, learners.InvalidProfile):
        abort(422, errors={"json": error.errors})
    if isinstance(error, learners.LearnerNotFound):
        abort(404, message=error.reason)
    headers = {"Retry-After": "60"} if error.status == 503 else None
    abort(error.status, errors={"json": {error.field: [error.reason]}}, headers=headers)


def manage_token(learner_id: int) -> str:
    return make_token(_settings().secret_key, "manage", learner_id)


@blp.route("")
class Learners(MethodView):
    @blp.arguments(LearnerSchema)
    @blp.response(201, LearnerRegistrationSchema)
    def post(self, body: dict) -> dict:
        """Register a learner

        Answers the profile and a `manage_token`: a signed link token (30 days) the learner
        sends as `Authorization: Bearer` to read, edit, export or erase their profile.
        """
        session = db_session()
        try:
            learner = learners.register_learner(session, body, _rules())
        except learners.ProfileError as error:
            refuse(error)
        session.commit()
        return {**learners.document(learner), "manage_token": manage_token(learner.id)}


@blp.route("/<int:learner_id>")
class LearnerById(MethodView):
    @blp.response(200, LearnerSchema)
    def get(self, learner_id: int) -> dict:
        """Read a learner's profile (the learner, an adviser they share with, or admin)"""
        caller_for_learner(learner_id)
        try:
            return learners.document(learners.get_learner(db_session(), learner_id))
        except learners.ProfileError as error:
            refuse(error)

    @blp.arguments(LearnerChangesSchema(partial=True))
    @blp.response(200, LearnerSchema)
    def patch(self, changes: dict, learner_id: int) -> dict:
        """Change part of a profile

        The learner may change anything; an adviser only goals, constraints and route
        preference, and only while the learner shares their profile; a change to a shared
        fact publishes `profile.learner.updated` naming what changed.
        """
        caller = caller_for_learner(learner_id)
        if caller.kind == "adviser":
            refused = sorted(set(changes) - ADVISER_EDITABLE)
            if refused:
                abort(403, errors={"json": {f: ["advisers may not change this"] for f in refused}})
        session = db_session()
        try:
            learner = learners.get_learner(session, learner_id)
            learners.update_learner(session, learner, changes, _rules())
        except learners.ProfileError as error:
            refuse(error)
        session.commit()
        return learners.document(learner)

    @blp.response(204)
    def delete(self, learner_id: int) -> None:
        """Erase a learner (the learner or admin)

        Deletes the profile, interactions and caseload entries at once and publishes
        `profile.learner.erased`, on which every service deletes what it holds.
        """
        caller_for_learner(learner_id, allow=("learner", "admin"))
        session = db_session()
        try:
            learners.erase_learner(session, learner_id)
        except learners.ProfileError as error:
            refuse(error)
        session.commit()


@blp.route("/<int:learner_id>/export")
class LearnerExport(MethodView):
    @blp.response(200, LearnerExportSchema)
    def get(self, learner_id: int) -> dict:
        """Everything held about a learner, as JSON (subject access: the learner or admin)"""
        caller_for_learner(learner_id, allow=("learner", "admin"))
        session = db_session()
        try:
            return learners.export(session, learners.get_learner(session, learner_id))
        except learners.ProfileError as error:
            refuse(error)


@blp.route("/<int:learner_id>/links")
class LearnerLinks(MethodView):
    @blp.response(201, LinkSchema)
    def post(self, learner_id: int) -> dict:
        """A fresh manage link for the learner (their adviser, or admin, hands it over)"""
        caller_for_learner(learner_id, allow=("adviser", "admin"))
        try:
            learners.get_learner(db_session(), learner_id)
        except learners.ProfileError as error:
            refuse(error)
        return {
            "purpose": "manage",
            "token": manage_token(learner_id),
            "expires_in_days": PURPOSES["manage"].days,
        }


@blp.route("/<int:learner_id>/unsubscribe")
class LearnerUnsubscribe(MethodView):
    @blp.response(200, LearnerSchema)
    def post(self, learner_id: int) -> dict:
        """Stop course-suggestion emails (an email's unsubscribe link, or the learner)

        Acts on POST only: link scanners follow GETs, and a GET must never unsubscribe.
        """
        caller_for_learner(
            learner_id, allow=("learner", "admin"), purposes=("manage", "unsubscribe")
        )
        session = db_session()
        try:
            learner = learners.get_learner(session, learner_id)
            learners.update_learner(session, learner, {"consent": {"suggestion_emails": False}})
        except learners.ProfileError as error:
            refuse(error)
        session.commit()
        return learners.document(learner)
