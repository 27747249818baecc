"""What every console page shares: its blueprint (HTML error pages, CSRF on every POST,
no caching, a strict Content-Security-Policy), the signed-in adviser, and the words money,
dates and distances are shown in.

CSRF: Flask-WTF's `CSRFProtect` is on the app with `WTF_CSRF_CHECK_DEFAULT = False`, because
the JSON API's clients send no form tokens; each console blueprint calls `csrf.protect()`
before every POST instead, so no console form can be posted without its token.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from services.profile import advisers
from services.profile.models import Adviser
from services.profile.resources.access import current_caller
from shared.web import db_session

csrf = CSRFProtect()

#: Where a signed-out adviser is sent back to after signing in (only console paths).
NEXT = "next"
#: The session key of a one-time notice shown on the next page ("Signed out.").
NOTICE = "console_notice"

#: Nothing but the console's own stylesheet, images and forms; no inline script at all.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


def console_blueprint(name: str, import_name: str) -> Blueprint:
    """A console page's blueprint, under /console, with the shared hooks."""
    blueprint = Blueprint(f"console_{name}", import_name, url_prefix="/console")
    blueprint.before_request(_protect_forms)
    blueprint.after_request(_page_headers)
    blueprint.register_error_handler(CSRFError, _expired_form)
    blueprint.register_error_handler(HTTPException, _problem_page)
    return blueprint


#: The console's stylesheet and templates.
assets = Blueprint(
    "console",
    __name__,
    url_prefix="/console",
    static_folder="static",
    template_folder="templates",
)


def _protect_forms() -> None:
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()


def _page_headers(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"  # a learner's data never stays in a cache
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def _expired_form(error: CSRFError) -> tuple[str, int]:
    return render_template(
        "console/problem.html",
        status=400,
        title="This form has expired",
        message="The page was open too long or was opened in another session. Go back, "
        "reload the page and send the form again.",
        errors={"csrf_token": error.description},
    ), 400


def _problem_page(error: HTTPException) -> tuple[str, int]:
    data = getattr(error, "data", None) or {}
    return render_template(
        "console/problem.html",
        status=error.code or 500,
        title=error.name,
        message=data.get("message") or error.description,
        errors=data.get("errors") or {},
    ), error.code or 500


# --- the signed-in adviser -------------------------------------------------------------------


def adviser_page(view: Callable[..., Any]) -> Callable[..., Any]:
    """Run `view` for a signed-in adviser (as `g.adviser`); anyone else goes to the sign-in
    page with the reason (session timed out, password changed) and a way back here."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        reason = None
        try:
            caller = current_caller()
        except HTTPException as error:  # a timed-out or superseded session: said once
            caller = None
            reason = (getattr(error, "data", None) or {}).get("message")
        adviser = None
        if caller is not None and caller.kind == "adviser" and caller.id is not None:
            adviser = advisers.active_adviser(db_session(), caller.id)
        if adviser is None:
            session.clear()  # a closed account's cookie must not bounce between pages
            if reason:
                session[NOTICE] = reason[:1].upper() + reason[1:] + "."
            return redirect(url_for("console_sign_in.sign_in", next=come_back_to()))
        g.adviser = adviser
        return view(*args, **kwargs)

    return wrapper


def come_back_to() -> str:
    """Where to return after signing in: this page; for a form post (which cannot be repeated
    by a redirect), the page the form was on."""
    if request.method == "GET":
        return request.full_path
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path.startswith("/console/"):
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return url_for("console_caseload.caseload")


def signed_in() -> Adviser:
    return g.adviser


def safe_next(target: str | None) -> str:
    """`target` when it is a console path on this site, else the caseload (no open redirect)."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and parts.path.startswith("/console/"):
            return target.rstrip("?")
    return url_for("console_caseload.caseload")


def take_notice() -> str | None:
    return session.pop(NOTICE, None)


def give_notice(text: str) -> None:
    session[NOTICE] = text


# --- words -----------------------------------------------------------------------------------


def money(pence: int | None) -> str:
    """ "£0", "£450", "£2,400", "£99.50"."""
    if pence is None:
        return "not set"
    pounds, rest = divmod(int(pence), 100)
    return f"£{pounds:,}" if rest == 0 else f"£{pence / 100:,.2f}"


def day(value: date | str | None) -> str:
    """ "4 Jan 2027"."""
    if value is None:
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    return f"{value.day} {value:%b %Y}"


def km(value: float | None) -> str:
    if value is None:
        return "online or open anywhere"
    return f"{value:.1f} km" if value < 10 else f"{value:.0f} km"


def register_words(app: Any) -> None:
    app.jinja_env.filters.update(money=money, day=day, km=km)

    @app.context_processor
    def console_globals() -> dict[str, Any]:
        settings = current_app.extensions["routeways.settings"]
        return {"idle_minutes": settings.session_idle_minutes}
