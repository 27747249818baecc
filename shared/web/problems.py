"""RFC 7807 problem+json bodies for every error a service answers.

Validation errors name each field and its reason:
`{"type": "about:blank", "title": "Unprocessable Content", "status": 422, "detail": "...",
  "errors": [{"location": "json", "field": "rqf_level", "reason": "Must be between 0 and 8."}]}`
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import Response, json

PROBLEM_JSON = "application/problem+json"


def problem(status: int, title: str, detail: str | None = None, **extra: Any) -> Response:
    """A problem+json response."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)


def field_errors(messages: Any, location: str | None = None, prefix: str = "") -> Iterator[dict]:
    """Flatten marshmallow/webargs messages ({"json": {"skills": {"0": ["..."]}}}) into rows."""
    if isinstance(messages, dict):
        for key, value in messages.items():
            if location is None:
                yield from field_errors(value, str(key), "")
            else:
                name = str(key) if key != "_schema" else ""
                path = f"{prefix}.{name}" if prefix and name else (name or prefix)
                yield from field_errors(value, location, path)
    elif isinstance(messages, list | tuple):
        for item in messages:
            if isinstance(item, dict | list):
                yield from field_errors(item, location, prefix)
            else:
                yield {"location": location, "field": prefix or "(body)", "reason": str(item)}
    else:
        yield {"location": location, "field": prefix or "(body)", "reason": str(messages)}
