"""The project's Blueprint: flask-smorest's, plus the decorators every service shares.

A service plugs its own parts in through `app.extensions`:
- `PROVIDER_AUTH` (required by `provider_required`): `(request) -> provider id | None`;
- `LIMITER` (optional): a callable of no arguments that counts the request against its caller's
  rate limit and raises werkzeug's `TooManyRequests` when it is over (it may read
  `g.provider_id`, which is set, possibly to None, before it is called);
- `ADMIN_TOKEN` (optional): the token `admin_required` takes; absent or empty turns the admin
  endpoints off (404).
"""

from __future__ import annotations

import functools
import hmac
from collections.abc import Callable
from typing import Any

from flask import current_app, g, request
from flask_smorest import Blueprint as SmorestBlueprint
from flask_smorest import abort

#: app.extensions key of the callable `(request) -> provider id | None` a service registers.
PROVIDER_AUTH = "routeways.provider_auth"
#: app.extensions key of the optional rate-limit check `() -> None` (raises TooManyRequests).
LIMITER = "routeways.limiter"
#: app.extensions key of the admin token; empty or absent means no admin endpoints.
ADMIN_TOKEN = "routeways.admin_token"  # noqa: S105 - a key name, not a token


class Blueprint(SmorestBlueprint):
    """flask-smorest Blueprint with `provider_required` and `admin_required`."""

    def provider_required(self, view: Callable[..., Any]) -> Callable[..., Any]:
        """Only a request carrying a valid key of the provider named by `provider_id` in the URL.

        No or an unknown/revoked key is 401; a valid key of another provider is 403 and nothing
        is read or changed; over the rate limit is 429. The authenticated provider id is left in
        `g.provider_id`.
        """

        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            provider_id = current_app.extensions[PROVIDER_AUTH](request)
            g.provider_id = provider_id
            _count_request()
            if provider_id is None:
                abort(
                    401,
                    message="send a valid provider API key in the X-API-Key header",
                    headers={"WWW-Authenticate": 'ApiKey header="X-API-Key"'},
                )
            if "provider_id" in kwargs and kwargs["provider_id"] != provider_id:
                abort(403, message="this key belongs to another provider")
            return view(*args, **kwargs)

        documented = self.doc(security=[{"ProviderKey": []}])(guarded)
        return _with_error_responses(self, documented, (401, 403, 429))

    def admin_required(self, view: Callable[..., Any]) -> Callable[..., Any]:
        """Only a request carrying the admin token, as `Authorization: Bearer <token>` or
        `X-Admin-Token`. Without a configured token the endpoint does not exist (404); no token
        sent is 401, a wrong one 403 (production insists on a long token, so there is nothing to
        gain by guessing and no rate limit here).
        """

        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            expected = current_app.extensions.get(ADMIN_TOKEN) or ""
            if not expected:
                abort(404)
            given = bearer_token(request.headers) or request.headers.get("X-Admin-Token", "")
            if not given:
                abort(
                    401,
                    message="send the admin token as Authorization: Bearer <token>",
                    headers={"WWW-Authenticate": 'Bearer realm="admin"'},
                )
            if not hmac.compare_digest(given.encode(), expected.encode()):
                abort(403, message="this is not the admin token")
            return view(*args, **kwargs)

        documented = self.doc(security=[{"AdminToken": []}])(guarded)
        return _with_error_responses(self, documented, (401, 403, 404))


def bearer_token(headers: Any) -> str:
    """The token of an `Authorization: Bearer <token>` header, or "" without one."""
    scheme, _, token = headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _count_request() -> None:
    """Count the request against the service's rate limit, if it has one (429 when over)."""
    check = current_app.extensions.get(LIMITER)
    if check is not None:
        check()


def _with_error_responses(
    blueprint: SmorestBlueprint, view: Callable[..., Any], codes: tuple[int, ...]
) -> Callable[..., Any]:
    """Document the problem responses a guard can answer (flask-smorest's components by name)."""
    names = {401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND", 429: "TOO_MANY_REQUESTS"}
    for code in codes:
        view = blueprint.alt_response(code, response=names[code])(view)
    return view
