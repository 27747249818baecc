"""The console's sign-in and sign-out pages.

Signing in goes through the same domain call and lock-out as `POST /advisers/session`
(`resources.advisers.views.sign_in_adviser`) and counts against the same per-address budget;
the form shows the refusal in words (wrong details, account locked for N minutes, too many
attempts from this address) with the status the API would answer.
"""

from __future__ import annotations

from flask import redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from services.profile import advisers
from services.profile.console.forms import PostOnlyForm, SignInForm
from services.profile.console.pages import (
    NEXT,
    console_blueprint,
    give_notice,
    safe_next,
    take_notice,
)
from services.profile.resources.access import SESSION_ADVISER
from services.profile.resources.advisers.views import sign_in_adviser, sign_in_wait

blp = console_blueprint("sign_in", __name__)


@blp.route("/")
def home() -> Response:
    """The console's front door: the caseload (or the sign-in page)."""
    return redirect(url_for("console_caseload.caseload"))


@blp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> Response | tuple[str, int]:
    """Sign in to the console."""
    form = SignInForm()
    target = request.values.get(NEXT)
    if request.method == "GET" and session.get(SESSION_ADVISER) is not None:
        return redirect(safe_next(target))
    status = 200
    errors: dict[str, str] = {}
    if form.is_submitted():
        if not form.validate():
            status, errors = 400, {name: messages[0] for name, messages in form.errors.items()}
        elif (wait := sign_in_wait()) is not None:
            status = 429
            errors = {"email": f"too many sign-in attempts from your address; wait "
                      f"{wait} seconds and try again"}  # fmt: skip
        else:
            try:
                sign_in_adviser(form.email.data or "", form.password.data or "")
            except advisers.AdviserError as error:
                status, errors = error.status, {error.field: error.reason}
            else:
                return redirect(safe_next(target))
    return render_template(
        "console/sign_in.html",
        form=form,
        errors=errors,
        next=target or "",
        notice=take_notice(),
    ), status


@blp.route("/sign-out", methods=["POST"])
def sign_out() -> Response:
    """End the console session (the form's CSRF token is checked before this runs)."""
    PostOnlyForm()
    session.clear()
    give_notice("You have signed out.")
    return redirect(url_for("console_sign_in.sign_in"))
