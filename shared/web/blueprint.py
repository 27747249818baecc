"""The project's Blueprint: flask-smorest's, plus the decorators every service shares."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import current_app, g, request
from flask_smorest import Blueprint as SmorestBlueprint
from flask_smorest import abort

#: app.extensions key of the callable `(request) -> provider id | None` a service registers.
PROVIDER_AUTH = "routeways.provider_auth"


class Blueprint(SmorestBlueprint):
    """flask-smorest Blueprint with `provider_required`."""

    def provider_required(self, view: Callable[..., Any]) -> Callable[..., Any]:
        """Only a request carrying a valid key of the provider named by `provider_id` in the URL.

        No or an unknown/revoked key is 401; a valid key of another provider is 403 and nothing
        is read or changed. The authenticated provider id is left in `g.provider_id`.
        """

        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            provider_id = current_app.extensions[PROVIDER_AUTH](request)
            if provider_id is None:
                abort(401, message="send a valid provider API key in the X-API-Key header",
                      headers={"WWW-Authenticate": 'ApiKey header="X-API-Key"'})
            if "provider_id" in kwargs and kwargs["provider_id"] != provider_id:
                abort(403, message="this key belongs to another provider")
            g.provider_id = provider_id
            return view(*args, **kwargs)

        return self.doc(security=[{"ProviderKey": []}])(guarded)
