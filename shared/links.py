"""Signed, expiring links: how learners reach their own profile without a password, and how an
email's buttons act for the learner they were sent to.

A link token is `itsdangerous`' URL-safe timed signature over `{"l": learner id, ...}`, signed
with the shared secret key and salted with the link's purpose, so a token made for one purpose
(say, "feedback" on one course) is refused for another (say, "manage" the whole profile). The
profile service makes and checks them; the notifier makes them for its emails.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

#: Purpose -> how long its links live. Manage links are what registration and "email me my
#: link" hand out; feedback and unsubscribe links sit in emails people open weeks later.
PURPOSES: dict[str, timedelta] = {
    "manage": timedelta(days=30),
    "feedback": timedelta(days=90),
    "unsubscribe": timedelta(days=365),
    "adviser-password": timedelta(days=2),
}


class LinkError(ValueError):
    """A token that is not ours, was altered, is for another purpose, or has expired."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class LinkClaims:
    """What a verified token says: whose link it is, what it is for, and any extra claims."""

    subject_id: int
    purpose: str
    extra: dict[str, Any]


def _serializer(secret_key: str, purpose: str) -> URLSafeTimedSerializer:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown link purpose {purpose!r}")
    return URLSafeTimedSerializer(secret_key, salt=f"routeways.link.{purpose}")


def make_token(secret_key: str, purpose: str, subject_id: int, **extra: Any) -> str:
    """A token for `subject_id` (a learner, or an adviser for "adviser-password")."""
    return str(_serializer(secret_key, purpose).dumps({"s": subject_id, **extra}))


def read_token(
    secret_key: str, purpose: str, token: str, max_age: timedelta | None = None
) -> LinkClaims:
    """Verify `token` for `purpose`; raise LinkError saying why it is refused."""
    age = max_age or PURPOSES[purpose]
    try:
        data = _serializer(secret_key, purpose).loads(token, max_age=age.total_seconds())
    except SignatureExpired as error:
        raise LinkError("this link has expired; ask for a new one") from error
    except BadSignature as error:
        raise LinkError("this link is not valid (altered, or made for something else)") from error
    if not isinstance(data, dict) or not isinstance(data.get("s"), int):
        raise LinkError("this link is not valid (no subject)")
    subject = data.pop("s")
    return LinkClaims(subject_id=subject, purpose=purpose, extra=data)
