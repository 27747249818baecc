"""What the learner-facing pages share: reading a link's token, asking the profile service with
it, and answering a person (an HTML page) or a program (JSON, problem+json on refusal).

The pages hold no state of their own: the token is the learner's credential, verified here
first (so an expired or altered link is refused without a call) and then forwarded as
`Authorization: Bearer` to the profile service, which checks it again and acts.
"""

from __future__ import annotations

import threading
from typing import Any

import requests
from flask import Response, current_app, render_template, request

from shared.links import LinkClaims, LinkError, read_token
from shared.service_client import ServiceClient
from shared.web.problems import problem

_local = threading.local()


class PageRefusal(Exception):  # noqa: N818 - reads as what it is
    """A refusal to show as a page (or problem+json): status, what went wrong, what to do."""

    def __init__(
        self,
        status: int,
        title: str,
        reason: str,
        advice: str = "",
        field: str = "token",
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(reason)
        self.status = status
        self.title = title
        self.reason = reason
        self.advice = advice
        self.field = field
        self.headers = headers or {}


def settings() -> Any:
    return current_app.extensions["routeways.settings"]


def read_link(purpose: str, token: str) -> LinkClaims:
    """The token's claims, or a refusal: 410 for an expired link, 400 for anything else."""
    try:
        return read_token(settings().secret_key, purpose, token)
    except LinkError as error:
        expired = "expired" in error.reason
        raise PageRefusal(
            410 if expired else 400,
            "This link has expired" if expired else "This link does not work",
            error.reason,
            "Links in our emails work for a limited time. The links in our latest email will work."
            if expired
            else "Check that the whole link was copied, or use the links in our latest email.",
        ) from error


def profile() -> ServiceClient:
    """This thread's client of the profile service."""
    client = getattr(_local, "profile", None)
    url = settings().profile_url
    if client is None or client.base_url != url.rstrip("/"):
        client = ServiceClient(url, caller="notifier")
        _local.profile = client
    return client


def ask_profile(method: str, path: str, token: str, **kwargs: Any) -> requests.Response:
    """Call the profile service as the link's learner; a refusal page if it cannot answer."""
    try:
        response = profile().request(
            method, path, headers={"Authorization": f"Bearer {token}"}, **kwargs
        )
    except requests.RequestException as error:
        current_app.logger.warning("profile service unreachable: %s", error)
        raise unavailable() from error
    if response.status_code == 401:
        raise PageRefusal(
            400,
            "This link does not work",
            "the profile service did not accept this link",
            "Use the links in our latest email.",
        )
    if response.status_code >= 500:
        current_app.logger.warning("profile service answered %s", response.status_code)
        raise unavailable()
    return response


def unavailable() -> PageRefusal:
    return PageRefusal(
        503,
        "Please try again in a few minutes",
        "we could not reach your profile just now, so nothing was changed",
        "Try the same link again in a few minutes.",
        field="",
        headers={"Retry-After": "120"},
    )


def learner_gone() -> PageRefusal:
    return PageRefusal(
        404,
        "We could not find your profile",
        "there is no profile for this link any more (it may have been deleted)",
        "If you think this is wrong, ask your adviser.",
    )


def wants_json() -> bool:
    """True when the client prefers JSON to HTML (a program, not a browser)."""
    best = request.accept_mimetypes.best_match(
        ["text/html", "application/json", "application/problem+json"], default="text/html"
    )
    return best != "text/html"


def page(template: str, status: int = 200, **context: Any) -> Response:
    """An HTML page; never cached, never indexed (its URL holds a credential)."""
    response = Response(render_template(template, **context), status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def refusal_response(refusal: PageRefusal) -> Response:
    """The refusal as problem+json naming the field (programs) or an HTML page (people)."""
    if wants_json():
        errors = (
            [{"location": "path", "field": refusal.field, "reason": refusal.reason}]
            if refusal.field
            else []
        )
        response = problem(refusal.status, refusal.title, refusal.reason, errors=errors)
    else:
        response = page(
            "pages/link-problem.html",
            refusal.status,
            title=refusal.title,
            reason=refusal.reason[:1].upper() + refusal.reason[1:] + ".",
            advice=refusal.advice,
        )
    response.headers.update(refusal.headers)
    return response
