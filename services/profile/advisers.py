"""Advisers: who may see which learner, and how an adviser's personal API token is checked.

An adviser sees a learner only while both hold: the learner is in the adviser's caseload, and
the learner consents to sharing with an adviser. Anything else reads as "no such learner".
"""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.profile.models import Adviser, AdviserToken, CaseloadEntry, Learner
from shared.events import utcnow

TOKEN_MARK = "rwa_"  # noqa: S105 - the public mark of a token, not a token


def token_digest(plaintext: str, secret: str) -> str:
    """HMAC-SHA256 of the token under the server secret (what is stored)."""
    return hmac.new(secret.encode(), plaintext.encode(), hashlib.sha256).hexdigest()


def authenticate_token(session: Session, plaintext: str, secret: str) -> int | None:
    """The active adviser an unrevoked personal token belongs to, or None."""
    if not plaintext.startswith(TOKEN_MARK):
        return None
    token = session.scalar(
        select(AdviserToken)
        .join(Adviser)
        .where(
            AdviserToken.digest == token_digest(plaintext, secret),
            AdviserToken.revoked_at.is_(None),
            Adviser.active.is_(True),
        )
    )
    if token is None:
        return None
    token.last_used_at = utcnow()
    return token.adviser_id


def may_see(session: Session, adviser_id: int, learner_id: int) -> bool:
    """Whether the learner is in the adviser's caseload and shares their profile with advisers."""
    found = session.scalar(
        select(CaseloadEntry.id)
        .join(Learner, Learner.id == CaseloadEntry.learner_id)
        .where(
            CaseloadEntry.adviser_id == adviser_id,
            CaseloadEntry.learner_id == learner_id,
            Learner.share_with_adviser.is_(True),
        )
    )
    return found is not None
