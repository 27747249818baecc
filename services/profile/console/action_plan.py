"""A learner's action plan in the console: add a dated entry, tick an action off. Both are
form POSTs that come back to the learner page (its action-plan section), or show it again with
the form's errors."""

from __future__ import annotations

from flask import abort, redirect, url_for
from werkzeug.wrappers import Response

from services.profile import action_plans
from services.profile.console.forms import ActionForm, PostOnlyForm
from services.profile.console.learner import render_learner, visible_learner
from services.profile.console.pages import adviser_page, console_blueprint, give_notice, signed_in
from services.profile.learners import ProfileError
from shared.web import db_session

blp = console_blueprint("action_plan", __name__)


@blp.route("/learners/<int:learner_id>/actions", methods=["POST"])
@adviser_page
def add_action(learner_id: int) -> Response | tuple[str, int]:
    """Add an entry to the learner's action plan."""
    visible_learner(learner_id)
    form = ActionForm()
    if not form.validate():
        errors = {name: messages[0] for name, messages in form.errors.items()}
        return render_learner(learner_id, form, errors, 400)
    session = db_session()
    try:
        action_plans.add_entry(
            session, learner_id, signed_in(), form.text.data or "", due_on=form.due_on.data
        )
    except ProfileError as error:
        return render_learner(learner_id, form, {error.field: error.reason}, 400)
    session.commit()
    give_notice("Added to the action plan.")
    return redirect(url_for("console_learner.learner_page", learner_id=learner_id) + "#plan")


@blp.route("/learners/<int:learner_id>/actions/<int:entry_id>/done", methods=["POST"])
@adviser_page
def action_done(learner_id: int, entry_id: int) -> Response:
    """Tick an action off."""
    visible_learner(learner_id)
    PostOnlyForm()
    session = db_session()
    try:
        action_plans.mark_done(session, learner_id, entry_id)
    except action_plans.EntryNotFound as error:
        abort(404, description=error.reason)
    session.commit()
    give_notice("Action marked as done.")
    return redirect(url_for("console_learner.learner_page", learner_id=learner_id) + "#plan")
