"""Who is calling, and whether they may act on a learner.

Callers, by what the request carries:
- the admin token (`Authorization: Bearer <ROUTEWAYS_PROFILE_ADMIN_TOKEN>`): subject access,
  erasure, adviser administration;
- an adviser: a console session cookie, or a personal API token (`Bearer rwa_...`);
- a learner: a signed link token (`Bearer <token>`), whose purpose limits what it may do
  ("manage" the whole profile, "feedback" on a course, "unsubscribe").

Anything a caller may not see answers 404, exactly like a learner that does not exist, so
nobody learns who is registered by probing ids.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any, NoReturn

from flask import current_app, request, session
from flask_smorest import abort

from services.profile import advisers
from shared.links import LinkError, read_token
from shared.web import db_session
from shared.web.blueprint import bearer_token

LEARNER_PURPOSES = ("manage", "feedback", "unsubscribe")
#: Keys of the adviser's console session (Flask's signed cookie).
SESSION_ADVISER = "adviser_id"
SESSION_SEEN = "seen_at"
SESSION_PASSWORD = "password_fingerprint"  # noqa: S105 - a session key name


@dataclass(frozen=True)
class Caller:
    kind: str  # "learner", "adviser" or "admin"
    id: int | None = None
    purpose: str | None = None
    claims: dict[str, Any] = field(default_factory=dict)


def current_caller() -> Caller | None:
    """The caller the request authenticates, None without credentials; 401 for bad ones."""
    settings = current_app.extensions["routeways.settings"]
    token = bearer_token(request.headers)
    if token:
        return _token_caller(token, settings)
    adviser_id = session.get(SESSION_ADVISER)
    if adviser_id is None:
        return None
    if time.time() - float(session.get(SESSION_SEEN, 0)) > settings.session_idle_minutes * 60:
        session.clear()
        _unauthorised("your session timed out; sign in again")
    if not advisers.session_is_current(
        db_session(), int(adviser_id), session.get(SESSION_PASSWORD)
    ):
        session.clear()
        _unauthorised("your session has ended (password changed or account closed); sign in again")
    session[SESSION_SEEN] = time.time()
    return Caller("adviser", int(adviser_id))


def _token_caller(token: str, settings: Any) -> Caller:
    if settings.admin_token and hmac.compare_digest(token.encode(), settings.admin_token.encode()):
        return Caller("admin")
    if token.startswith(advisers.TOKEN_MARK):
        adviser_id = advisers.authenticate_token(db_session(), token, settings.secret_key)
        if adviser_id is None:
            _unauthorised("this adviser token is unknown or revoked")
        return Caller("adviser", adviser_id)
    reason = "send a learner link, an adviser token or the admin token as a Bearer token"
    for purpose in LEARNER_PURPOSES:
        try:
            claims = read_token(settings.secret_key, purpose, token)
        except LinkError as error:
            if "expired" in error.reason:
                reason = error.reason
            continue
        return Caller("learner", claims.subject_id, purpose, claims.extra)
    return _unauthorised(reason)


def caller_for_learner(
    learner_id: int,
    allow: Collection[str] = ("learner", "adviser", "admin"),
    purposes: Collection[str] = ("manage",),
) -> Caller:
    """The caller, if they may act on `learner_id`: 401 without credentials, else 404."""
    caller = current_caller()
    if caller is None:
        _unauthorised("sign in, or send a learner link or token as Authorization: Bearer")
    if caller.kind not in allow:
        abort(404, message=f"no learner {learner_id}")
    if caller.kind == "learner" and (caller.id != learner_id or caller.purpose not in purposes):
        abort(404, message=f"no learner {learner_id}")
    if caller.kind == "adviser" and not advisers.may_see(db_session(), caller.id, learner_id):
        abort(404, message=f"no learner {learner_id}")
    return caller


def _unauthorised(message: str) -> NoReturn:
    abort(401, message=message, headers={"WWW-Authenticate": 'Bearer realm="profile"'})
