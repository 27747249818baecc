"""/advisers: sign-in for the console, personal API tokens, caseloads, and their administration.

An adviser signs in with `POST /advisers/session` (a signed, HttpOnly, SameSite=Lax session
cookie that ends after `session_idle_minutes` idle) or sends a personal token as
`Authorization: Bearer rwa_...`. The admin token creates advisers and manages caseloads.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any, NoReturn

from flask import current_app, request
from flask import session as cookie_session
from flask.views import MethodView
from flask_smorest import abort

from services.profile import advisers, learners
from services.profile.models import Adviser, AdviserToken
from services.profile.resources.access import (
    SESSION_ADVISER,
    SESSION_PASSWORD,
    SESSION_SEEN,
    current_caller,
)
from services.profile.resources.advisers.ledger import RedisUnknownAccountLedger
from services.profile.resources.advisers.schemas import (
    AdviserAdminSchema,
    AdviserSchema,
    CaseloadEntrySchema,
    CaseloadQuery,
    CaseloadSchema,
    IssuedTokenSchema,
    NewAdviserSchema,
    PasswordLinkSchema,
    SetPasswordSchema,
    SignInSchema,
    TokenSchema,
)
from shared.links import PURPOSES
from shared.web import db_session
from shared.web.blueprint import Blueprint, bearer_token

blp = Blueprint("advisers", __name__, url_prefix="/advisers", description="Advisers")

#: app.extensions key of `() -> int | None`, which counts a sign-in attempt against the client
#: address's budget: None within it, else the seconds until it resets (set in create_app).
SIGN_IN_LIMIT = "routeways.profile.sign_in_limit"
LINK_DAYS = PURPOSES[advisers.PASSWORD_PURPOSE].days
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="profile"'}


def _settings() -> Any:
    return current_app.extensions["routeways.settings"]


def refuse(error: learners.ProfileError, location: str = "json") -> NoReturn:
    """A domain refusal as problem+json naming the field (in `location`) and the reason."""
    headers: dict[str, str] = {}
    if isinstance(error, advisers.AccountLocked):
        headers["Retry-After"] = str(error.retry_after)
    if error.status == 401:
        headers.update(CHALLENGE)
    abort(
        error.status,
        message=error.reason,
        errors={location: {error.field: [error.reason]}},
        headers=headers or None,
    )


def signed_in_adviser(allow_token: bool = True) -> Adviser:
    """The adviser the request's session cookie (or, with `allow_token`, personal token) names:
    401 without one, 403 for another kind of caller."""
    caller = current_caller()
    if caller is None:
        abort(
            401,
            message="sign in (POST /advisers/session) or send a personal token",
            errors={"headers": {"Authorization": ["no adviser session or personal token"]}},
            headers=CHALLENGE,
        )
    if caller.kind != "adviser":
        abort(
            403,
            message="only an adviser may do this",
            errors={"headers": {"Authorization": ["this is not an adviser's credential"]}},
        )
    adviser = advisers.active_adviser(db_session(), caller.id)
    if adviser is None:
        cookie_session.clear()
        abort(
            401,
            message="this adviser account is closed",
            errors={"headers": {"Authorization": ["the adviser account is closed"]}},
            headers=CHALLENGE,
        )
    if not allow_token and bearer_token(request.headers):
        abort(
            403,
            message="sign in to the console to do this; a personal token may not",
            errors={"headers": {"Authorization": ["a personal token may not issue tokens"]}},
        )
    return adviser


def sign_in_wait() -> int | None:
    """Count a sign-in attempt against the client address (Flask-Limiter on Redis): None
    within the budget, else the seconds until it resets. The console's sign-in form counts
    against the same budget."""
    check: Callable[[], int | None] | None = current_app.extensions.get(SIGN_IN_LIMIT)
    return check() if check is not None else None


def sign_in_adviser(email: str, password: str) -> Adviser:
    """`advisers.sign_in` with the settings' lock-out policy and the Redis ledger of unknown
    accounts, committed either way (failure counts and locks must stick); on success the
    session cookie names the adviser. AdviserError when refused. The API's and the console's
    sign-in both come here."""
    session = db_session()
    try:
        adviser = advisers.sign_in(
            session,
            email,
            password,
            _policy(),
            unknown=RedisUnknownAccountLedger(current_app.extensions["routeways.redis"]),
        )
    except advisers.AdviserError:
        session.commit()
        raise
    session.commit()
    cookie_session.clear()  # a fresh session: nothing from before sign-in carries over
    cookie_session[SESSION_ADVISER] = adviser.id
    cookie_session[SESSION_SEEN] = time.time()
    cookie_session[SESSION_PASSWORD] = advisers.password_fingerprint(adviser.password_hash)
    return adviser


def _count_sign_in() -> None:
    """Count the attempt against the client address: 429 when over."""
    wait = sign_in_wait()
    if wait is not None:
        abort(
            429,
            message=f"too many sign-in attempts from your address (limit "
            f"{_settings().login_rate_limit}); wait, then try again",
            errors={"client": {"address": ["too many sign-in attempts from this address"]}},
            headers={"Retry-After": str(wait)},
        )


def _policy() -> advisers.SignInPolicy:
    settings = _settings()
    return advisers.SignInPolicy(
        max_failures=settings.login_max_failures,
        lockout=timedelta(minutes=settings.login_lockout_minutes),
    )


def admin_view(adviser: Adviser, caseload_size: int) -> dict[str, Any]:
    return {
        "id": adviser.id,
        "name": adviser.name,
        "email": adviser.email,
        "organisation": adviser.organisation,
        "last_login_at": adviser.last_login_at,
        "created_at": adviser.created_at,
        "active": adviser.active,
        "has_password": adviser.password_hash is not None,
        "locked_until": adviser.locked_until,
        "caseload_size": caseload_size,
    }


def token_view(token: AdviserToken) -> dict[str, Any]:
    return {
        "id": token.id,
        "name": token.name,
        "prefix": token.prefix,
        "active": token.revoked_at is None,
        "created_at": token.created_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
    }


def caseload_row(row: advisers.CaseloadLearner) -> dict[str, Any]:
    learner = row.learner
    return {
        "id": learner.id,
        "name": learner.name,
        "email": learner.email,
        "postcode": learner.postcode,
        "occupation_code": learner.occupation_code,
        "rqf_level": learner.rqf_level,
        "goals": learners.goals_of(learner),
        "route_preference": learner.route_preference,
        "constraints": learners.constraints_of(learner),
        "flags": list(row.flags),
        "assigned_at": row.assigned_at,
        "created_at": learner.created_at,
        "updated_at": learner.updated_at,
    }


# --- signing in and out ----------------------------------------------------------------------


@blp.route("/session")
class AdviserSession(MethodView):
    @blp.arguments(SignInSchema)
    @blp.response(200, AdviserSchema)
    @blp.alt_response(401, response="UNAUTHORIZED")
    @blp.alt_response(429, response="TOO_MANY_REQUESTS")
    def post(self, body: dict) -> Adviser:
        """Sign in to the console

        Sets the session cookie. A wrong email or password is 401 (the same for both); after
        `ROUTEWAYS_PROFILE_LOGIN_MAX_FAILURES` wrong passwords in a row the account is locked
        (429 with Retry-After, even for the right password); one address may try only
        `ROUTEWAYS_PROFILE_LOGIN_RATE_LIMIT` times (429).
        """
        _count_sign_in()
        try:
            return sign_in_adviser(body["email"], body["password"])
        except advisers.AdviserError as error:
            refuse(error)

    @blp.response(204)
    def delete(self) -> None:
        """Sign out (ends the console session; personal tokens keep working)"""
        cookie_session.clear()


@blp.route("/password")
class AdviserPassword(MethodView):
    @blp.arguments(SetPasswordSchema)
    @blp.response(200, AdviserSchema)
    def post(self, body: dict) -> Adviser:
        """Set a password with a one-time link

        The token comes from `routeways profile create-adviser` or `POST /advisers`; it lasts
        two days and works once. Passwords have at least 12 characters.
        """
        session = db_session()
        try:
            adviser = advisers.set_password(
                session, body["token"], body["password"], _settings().secret_key
            )
        except advisers.AdviserError as error:
            refuse(error)
        session.commit()
        return adviser


# --- the signed-in adviser -------------------------------------------------------------------


@blp.route("/me")
class AdviserMe(MethodView):
    @blp.response(200, AdviserSchema)
    def get(self) -> Adviser:
        """The signed-in adviser (session or personal token)"""
        adviser = signed_in_adviser()
        db_session().commit()  # a token's last use
        return adviser


@blp.route("/me/tokens")
class AdviserTokens(MethodView):
    @blp.arguments(TokenSchema)
    @blp.response(201, IssuedTokenSchema)
    def post(self, body: dict) -> dict:
        """Issue a personal API token (signed-in session only; the token is shown once)

        A token cannot issue tokens: one that leaked could otherwise mint a successor that
        outlives its revocation.
        """
        adviser = signed_in_adviser(allow_token=False)
        session = db_session()
        try:
            token, plaintext = advisers.issue_token(
                session, adviser.id, body["name"], _settings().secret_key
            )
        except advisers.AdviserError as error:
            refuse(error)
        session.commit()
        return {**token_view(token), "token": plaintext, "warning": advisers.SHOWN_ONCE}

    @blp.response(200, TokenSchema(many=True))
    def get(self) -> list[dict]:
        """List your personal tokens (prefixes and dates, never the tokens)"""
        adviser = signed_in_adviser()
        session = db_session()
        tokens = [token_view(token) for token in advisers.list_tokens(session, adviser.id)]
        session.commit()
        return tokens


@blp.route("/me/tokens/<int:token_id>")
class AdviserTokenById(MethodView):
    @blp.response(204)
    def delete(self, token_id: int) -> None:
        """Revoke one of your personal tokens at once"""
        adviser = signed_in_adviser()
        session = db_session()
        try:
            advisers.revoke_token(session, adviser.id, token_id)
        except advisers.AdviserError as error:
            refuse(error, "path")
        session.commit()


@blp.route("/me/learners")
class AdviserCaseload(MethodView):
    @blp.arguments(CaseloadQuery, location="query")
    @blp.response(200, CaseloadSchema)
    def get(self, query: dict) -> dict:
        """Your caseload: the learners assigned to you who share their profile

        Search with `q` (name, email or postcode), sort by name, updated_at or created_at
        (`-` for descending). `withdrawn` counts the learners hidden because they stopped
        sharing, without saying who.
        """
        adviser = signed_in_adviser()
        session = db_session()
        page = advisers.caseload(session, adviser.id, **query)
        session.commit()
        return {
            "learners": [caseload_row(row) for row in page.learners],
            "total": page.total,
            "withdrawn": page.withdrawn,
            "limit": query["limit"],
            "offset": query["offset"],
        }


# --- administration (admin token) ------------------------------------------------------------


@blp.route("")
class Advisers(MethodView):
    @blp.admin_required
    @blp.arguments(AdviserSchema)
    @blp.response(201, NewAdviserSchema)
    def post(self, body: dict) -> dict:
        """Create an adviser (admin)

        There is no default password: the answer carries a one-time set-password token (two
        days) for the adviser, shown once.
        """
        session = db_session()
        try:
            adviser, token = advisers.create_adviser(
                session,
                body["name"],
                body["email"],
                body["organisation"],
                _settings().secret_key,
            )
        except advisers.AdviserError as error:
            refuse(error)
        session.commit()
        return {**admin_view(adviser, 0), "password_token": token, "expires_in_days": LINK_DAYS}

    @blp.admin_required
    @blp.response(200, AdviserAdminSchema(many=True))
    def get(self) -> list[dict]:
        """List advisers with the size of their caseloads (admin)"""
        return [admin_view(a, size) for a, size in advisers.list_advisers(db_session())]


@blp.route("/<int:adviser_id>/password-link")
class AdviserPasswordLink(MethodView):
    @blp.admin_required
    @blp.response(201, PasswordLinkSchema)
    def post(self, adviser_id: int) -> dict:
        """A new one-time set-password token for an adviser who forgot theirs (admin)"""
        try:
            adviser = advisers.get_adviser(db_session(), adviser_id)
        except advisers.AdviserError as error:
            refuse(error, "path")
        return {
            "adviser_id": adviser.id,
            "password_token": advisers.password_link(adviser, _settings().secret_key),
            "expires_in_days": LINK_DAYS,
        }


@blp.route("/<int:adviser_id>/caseload/<int:learner_id>")
class CaseloadEntryById(MethodView):
    @blp.admin_required
    @blp.response(200, CaseloadEntrySchema)
    @blp.alt_response(201, schema=CaseloadEntrySchema, description="Newly assigned")
    def put(self, adviser_id: int, learner_id: int) -> tuple[dict, int]:
        """Assign a learner to an adviser's caseload (admin)

        The adviser sees the learner only while the learner shares their profile.
        """
        session = db_session()
        try:
            entry, created = advisers.assign(session, adviser_id, learner_id)
        except learners.ProfileError as error:
            refuse(error, "path")
        session.commit()
        shares = learners.get_learner(session, learner_id).share_with_adviser
        body = {
            "adviser_id": adviser_id,
            "learner_id": learner_id,
            "assigned_at": entry.assigned_at,
            "shares_profile": bool(shares),
        }
        return body, 201 if created else 200

    @blp.admin_required
    @blp.response(204)
    def delete(self, adviser_id: int, learner_id: int) -> None:
        """Take a learner out of an adviser's caseload (admin)"""
        session = db_session()
        try:
            advisers.unassign(session, adviser_id, learner_id)
        except learners.ProfileError as error:
            refuse(error, "path")
        session.commit()
