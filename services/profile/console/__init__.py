"""The adviser console: server-rendered pages careers advisers use with a learner in front of
them (sign-in, caseload, learner, what-if, action plan), served by the profile service, which
owns advisers and caseloads. Routes and career changes come from the recommender over HTTP.

Every page works without JavaScript (there is none: forms and links only) and loads nothing
from elsewhere: one stylesheet served here, the route timelines drawn as inline SVG on the
server. Sign-in shares the API's domain calls, lock-out and rate limit; the session is Flask's
signed cookie (HttpOnly, SameSite=Lax, Secure in production), ended after the idle timeout.
"""

from __future__ import annotations

from flask import Flask

from services.profile.console import action_plan, caseload, learner, sign_in, what_if
from services.profile.console.learner import SOURCES
from services.profile.console.pages import assets, csrf, register_words
from services.profile.console.service_answers import ConsoleSources

PAGES = (sign_in, caseload, learner, action_plan, what_if)


def register_console(app: Flask) -> None:
    """Add the console's pages, CSRF protection for their forms, and the HTTP sources."""
    settings = app.extensions["routeways.settings"]
    # Only console forms carry CSRF tokens (their blueprints call csrf.protect()); the JSON
    # API's clients send none.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    # A token lives as long as the session it is in (which ends after the idle timeout).
    app.config["WTF_CSRF_TIME_LIMIT"] = None
    csrf.init_app(app)
    app.register_blueprint(assets)
    for page in PAGES:
        app.register_blueprint(page.blp)
    register_words(app)
    app.extensions[SOURCES] = ConsoleSources(
        settings.recommender_url,
        settings.catalogue_url,
        settings.notifier_url,
        settings.contact_token,
    )
