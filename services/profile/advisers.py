"""Advisers: their accounts, how they sign in, their personal API tokens, and their caseloads.

An adviser sees a learner only while both hold: the learner is in the adviser's caseload, and
the learner consents to sharing with an adviser. Anything else reads as "no such learner".

Passwords are Argon2id (argon2-cffi's `PasswordHasher`, RFC 9106's low-memory profile) and are
never chosen by anyone but the adviser: an account starts without one, and the adviser sets it
through a one-time link (`shared.links`, purpose "adviser-password") that carries a fingerprint
of the password hash it was made for, so it stops working as soon as any password is set.

Sign-in gives nothing away about who has an account: an unknown email, an account without a
password and a wrong password get the same refusal after the same Argon2 work. After
`max_failures` wrong passwords in a row the account is locked for a while, and while it is
locked even the right password is refused.

Personal API tokens read `rwa_` + 43 URL-safe random characters; only an HMAC-SHA256 digest under
the server secret and a short prefix (to recognise a token in lists) are kept.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NoReturn, Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from services.profile.learners import LearnerNotFound, ProfileError
from services.profile.models import Adviser, AdviserToken, CaseloadEntry, Learner
from shared.events import utcnow
from shared.links import LinkError, make_token, read_token

TOKEN_MARK = "rwa_"  # noqa: S105 - the public mark of a token, not a token
TOKEN_PREFIX_LENGTH = len(TOKEN_MARK) + 8
#: An adviser's unrevoked tokens at most: enough for every script, few enough to audit.
MAX_ACTIVE_TOKENS = 20
#: Token last-use times are refreshed at most this often (not a write per request).
TOKEN_USE_RESOLUTION = timedelta(minutes=1)
SHOWN_ONCE = "This token is shown once and cannot be recovered: store it now, in a secret store."

PASSWORD_PURPOSE = "adviser-password"  # noqa: S105 - a link purpose, not a password
PASSWORD_MIN_LENGTH = 12
#: Long enough for any passphrase; the bound keeps one request from hashing megabytes.
PASSWORD_MAX_LENGTH = 256

#: Caseload orderings: the field, or "-field" for descending.
CASELOAD_SORTS = ("name", "-name", "updated_at", "-updated_at", "created_at", "-created_at")
#: Flags a caseload row may carry.
FLAG_NO_GOAL = "no-goal"
FLAG_EMAILS_OFF = "emails-off"

#: Argon2id with argon2-cffi's defaults (RFC 9106 low-memory: t=3, m=64 MiB, p=4). Hashes made
#: with other parameters are replaced at the adviser's next sign-in.
HASHER = PasswordHasher()


# --- errors ----------------------------------------------------------------------------------


class AdviserError(ProfileError):
    """An adviser request that cannot be met; `field` and `reason` say why (for 4xx bodies)."""


class AdviserNotFound(AdviserError):  # noqa: N818 - reads as what happened
    status = 404


class AdviserEmailTaken(AdviserError):  # noqa: N818 - reads as what happened
    status = 409


class PasswordRefused(AdviserError):  # noqa: N818 - reads as what happened
    """A new password that breaks the policy (too short, too long, the email itself)."""


class PasswordLinkRefused(AdviserError):  # noqa: N818 - reads as what happened
    """A set-password link that is altered, expired, or already used."""


class SignInRefused(AdviserError):  # noqa: N818 - reads as what happened
    """Wrong email or password: deliberately the same for both, so it names no account."""

    status = 401

    def __init__(self) -> None:
        super().__init__("password", "the email address or the password is not right")


class AccountLocked(AdviserError):  # noqa: N818 - reads as what happened
    """Too many wrong passwords in a row; `retry_after` is whole seconds until the lock ends."""

    status = 429

    def __init__(self, until: datetime, now: datetime) -> None:
        self.until = until
        self.retry_after = max(1, math.ceil((until - now).total_seconds()))
        minutes = math.ceil(self.retry_after / 60)
        super().__init__(
            "password",
            f"too many wrong passwords: this account is locked; try again in {minutes} minute"
            + ("s" if minutes != 1 else ""),
        )


class TokenRefused(AdviserError):  # noqa: N818 - reads as what happened
    """A token that cannot be issued or found."""


class TokenNotFound(TokenRefused):
    status = 404


class NotInCaseload(AdviserError):  # noqa: N818 - reads as what happened
    status = 404


# --- accounts and passwords ------------------------------------------------------------------


def normalise_email(email: str) -> str:
    return email.strip().lower()


def session_is_current(session: Session, adviser_id: int, fingerprint: str | None) -> bool:
    """Whether a console session signed in with `fingerprint` still stands: the adviser is
    active and has not set a new password since (which ends every older session, even a copied
    cookie, since Flask's sessions live in the browser)."""
    adviser = session.get(Adviser, adviser_id)
    return (
        adviser is not None
        and adviser.active
        and fingerprint is not None
        and hmac.compare_digest(password_fingerprint(adviser.password_hash), fingerprint)
    )


def password_fingerprint(password_hash: str | None) -> str:
    """A short digest of the current hash: a set-password link is good only while it matches.

    It changes whenever a password is set (a fresh salt each time), which is what makes each
    link single-use, and says nothing useful about the password itself.
    """
    return hashlib.sha256((password_hash or "").encode()).hexdigest()[:16]


def password_link(adviser: Adviser, secret: str) -> str:
    """A one-time set-password token for the adviser (2 days; void once a password is set)."""
    return make_token(
        secret, PASSWORD_PURPOSE, adviser.id, f=password_fingerprint(adviser.password_hash)
    )


def create_adviser(
    session: Session, name: str, email: str, organisation: str, secret: str
) -> tuple[Adviser, str]:
    """Store a new adviser without a password; return it and its one-time set-password token."""
    email = normalise_email(email)
    if session.scalar(select(Adviser.id).where(Adviser.email == email)) is not None:
        raise AdviserEmailTaken("email", "an adviser with this email exists")
    adviser = Adviser(
        name=name.strip(),
        email=email,
        organisation=organisation.strip(),
        password_hash=None,
        failed_logins=0,
        active=True,
        created_at=utcnow(),
    )
    session.add(adviser)
    session.flush()
    return adviser, password_link(adviser, secret)


def get_adviser(session: Session, adviser_id: int) -> Adviser:
    adviser = session.get(Adviser, adviser_id)
    if adviser is None:
        raise AdviserNotFound("adviser_id", f"no adviser {adviser_id}")
    return adviser


def find_adviser(session: Session, email: str) -> Adviser | None:
    return session.scalar(select(Adviser).where(Adviser.email == normalise_email(email)))


def list_advisers(session: Session) -> list[tuple[Adviser, int]]:
    """Every adviser with the number of learners in their caseload, by name."""
    sizes = (
        select(CaseloadEntry.adviser_id, func.count().label("size"))
        .group_by(CaseloadEntry.adviser_id)
        .subquery()
    )
    rows = session.execute(
        select(Adviser, func.coalesce(sizes.c.size, 0))
        .outerjoin(sizes, sizes.c.adviser_id == Adviser.id)
        .order_by(func.lower(Adviser.name), Adviser.id)
    )
    return [(adviser, int(size)) for adviser, size in rows]


def check_password_policy(password: str, email: str = "") -> None:
    """Raise PasswordRefused naming the field "password" when `password` breaks the policy."""
    if len(password) < PASSWORD_MIN_LENGTH:
        raise PasswordRefused("password", f"use at least {PASSWORD_MIN_LENGTH} characters")
    if len(password) > PASSWORD_MAX_LENGTH:
        raise PasswordRefused("password", f"use at most {PASSWORD_MAX_LENGTH} characters")
    if not password.strip():
        raise PasswordRefused("password", "a password cannot be only spaces")
    if email and password.strip().lower() == normalise_email(email):
        raise PasswordRefused("password", "a password cannot be your email address")


def set_password(
    session: Session,
    token: str,
    password: str,
    secret: str,
    max_age: timedelta | None = None,
) -> Adviser:
    """Set the adviser's password from a one-time link; the link (and every older one) is then
    void. A set password also lifts any lock-out: the adviser proved they hold a fresh link."""
    try:
        claims = read_token(secret, PASSWORD_PURPOSE, token, max_age=max_age)
    except LinkError as error:
        raise PasswordLinkRefused("token", error.reason) from error
    adviser = session.get(Adviser, claims.subject_id, with_for_update=True)
    used = "this link was used already (or a newer password was set); ask for a new one"
    if adviser is None or not adviser.active:
        raise PasswordLinkRefused("token", "this link is not valid; ask for a new one")
    if not hmac.compare_digest(
        str(claims.extra.get("f", "")), password_fingerprint(adviser.password_hash)
    ):
        raise PasswordLinkRefused("token", used)
    check_password_policy(password, adviser.email)
    give_password(adviser, password)
    return adviser


def give_password(adviser: Adviser, password: str) -> None:
    """Store an Argon2id hash of `password` and lift any lock-out (the policy is the caller's)."""
    adviser.password_hash = HASHER.hash(password)
    adviser.failed_logins = 0
    adviser.locked_until = None


# --- signing in ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignInPolicy:
    """How many wrong passwords in a row lock an account, and for how long."""

    max_failures: int = 5
    lockout: timedelta = timedelta(minutes=15)


class UnknownAccountLedger(Protocol):
    """Failed sign-ins for emails that have no usable account, so they lock exactly as a real
    account does: otherwise only real accounts could ever answer "locked", and the lock-out
    itself would tell an attacker which emails are advisers'. Kept outside the database (no row
    for an attacker-chosen email); `services/profile/resources/advisers/ledger.py` keeps it in
    Redis."""

    def locked_until(self, email: str, now: datetime) -> datetime | None: ...

    def record_failure(self, email: str, policy: SignInPolicy, now: datetime) -> datetime | None:
        """Count a failure; the end of the lock it starts, or None."""
        ...


@functools.cache
def _dummy_hash() -> str:
    """A hash of a random password with the live parameters, verified for unknown accounts so
    they cost the same Argon2 work as a real one."""
    return HASHER.hash(secrets.token_urlsafe(16))


def _verifies(password_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def sign_in(
    session: Session,
    email: str,
    password: str,
    policy: SignInPolicy | None = None,
    now: datetime | None = None,
    unknown: UnknownAccountLedger | None = None,
) -> Adviser:
    """The adviser these credentials belong to; SignInRefused or AccountLocked otherwise.

    An email with no usable account fails and locks like a real one when `unknown` is given.

    The adviser's row is locked while it is checked (SELECT ... FOR UPDATE on PostgreSQL; SQLite
    serialises writers anyway), so parallel guesses cannot slip past the failure count. Failures
    change the row too: the caller commits the session before answering either way.
    """
    policy = policy or SignInPolicy()
    now = now or utcnow()
    adviser = session.scalar(
        select(Adviser).where(Adviser.email == normalise_email(email)).with_for_update()
    )
    if adviser is None or not adviser.active or adviser.password_hash is None:
        _refuse_unknown(normalise_email(email), password, policy, now, unknown)
    if adviser.locked_until is not None and adviser.locked_until > now:
        raise AccountLocked(adviser.locked_until, now)
    if not _verifies(adviser.password_hash, password):
        adviser.failed_logins = (adviser.failed_logins or 0) + 1
        if adviser.failed_logins >= policy.max_failures:
            adviser.failed_logins = 0
            adviser.locked_until = now + policy.lockout
            raise AccountLocked(adviser.locked_until, now)
        raise SignInRefused()
    if HASHER.check_needs_rehash(adviser.password_hash):
        adviser.password_hash = HASHER.hash(password)
    adviser.failed_logins = 0
    adviser.locked_until = None
    adviser.last_login_at = now
    return adviser


def _refuse_unknown(
    email: str,
    password: str,
    policy: SignInPolicy,
    now: datetime,
    unknown: UnknownAccountLedger | None,
) -> NoReturn:
    """Answer an email without a usable account as a real account would be answered."""
    locked = unknown.locked_until(email, now) if unknown is not None else None
    if locked is not None:
        raise AccountLocked(locked, now)
    _verifies(_dummy_hash(), password)
    locked = unknown.record_failure(email, policy, now) if unknown is not None else None
    if locked is not None:
        raise AccountLocked(locked, now)
    raise SignInRefused()


def password_matches(adviser: Adviser, password: str) -> bool:
    """Whether `password` is the adviser's, without counting a failure or signing in (for
    tooling that must not print a stale password, like `routeways up`'s demo sign-in)."""
    return adviser.password_hash is not None and _verifies(adviser.password_hash, password)


def active_adviser(session: Session, adviser_id: int) -> Adviser | None:
    """The adviser a session names, while the account exists and is active."""
    adviser = session.get(Adviser, adviser_id)
    return adviser if adviser is not None and adviser.active else None


# --- personal API tokens ---------------------------------------------------------------------


def token_digest(plaintext: str, secret: str) -> str:
    """HMAC-SHA256 of the token under the server secret (what is stored)."""
    return hmac.new(secret.encode(), plaintext.encode(), hashlib.sha256).hexdigest()


def issue_token(
    session: Session, adviser_id: int, name: str, secret: str
) -> tuple[AdviserToken, str]:
    """Store a new token for the adviser; the plaintext is returned here and never again."""
    get_adviser(session, adviser_id)
    name = name.strip()
    if not name:
        raise TokenRefused("name", "name the token after what will use it")
    active = session.scalar(
        select(func.count())
        .select_from(AdviserToken)
        .where(AdviserToken.adviser_id == adviser_id, AdviserToken.revoked_at.is_(None))
    )
    if (active or 0) >= MAX_ACTIVE_TOKENS:
        raise TokenRefused(
            "name", f"you hold {MAX_ACTIVE_TOKENS} active tokens; revoke one you no longer use"
        )
    plaintext = TOKEN_MARK + secrets.token_urlsafe(32)
    token = AdviserToken(
        adviser_id=adviser_id,
        name=name,
        prefix=plaintext[:TOKEN_PREFIX_LENGTH],
        digest=token_digest(plaintext, secret),
        created_at=utcnow(),
    )
    session.add(token)
    session.flush()
    return token, plaintext


def list_tokens(session: Session, adviser_id: int) -> list[AdviserToken]:
    """Every token the adviser was issued, revoked ones included, oldest first."""
    return list(
        session.scalars(
            select(AdviserToken)
            .where(AdviserToken.adviser_id == adviser_id)
            .order_by(AdviserToken.id)
        )
    )


def revoke_token(
    session: Session, adviser_id: int, token_id: int, now: datetime | None = None
) -> AdviserToken:
    """Stop one of the adviser's tokens working from now on (revoking twice changes nothing)."""
    token = session.get(AdviserToken, token_id)
    if token is None or token.adviser_id != adviser_id:
        raise TokenNotFound("token_id", f"you hold no token {token_id}")
    if token.revoked_at is None:
        token.revoked_at = now or utcnow()
    return token


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
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_USE_RESOLUTION:
        token.last_used_at = now
    return token.adviser_id


# --- caseloads -------------------------------------------------------------------------------


def may_see(session: Session, adviser_id: int, learner_id: int) -> bool:
    """Whether the learner is in the adviser's caseload and shares their profile with advisers,
    and the adviser's account is still open (a closed account's live session sees nobody)."""
    found = session.scalar(
        select(CaseloadEntry.id)
        .join(Learner, Learner.id == CaseloadEntry.learner_id)
        .join(Adviser, Adviser.id == CaseloadEntry.adviser_id)
        .where(
            CaseloadEntry.adviser_id == adviser_id,
            CaseloadEntry.learner_id == learner_id,
            Learner.share_with_adviser.is_(True),
            Adviser.active.is_(True),
        )
    )
    return found is not None


def assign(session: Session, adviser_id: int, learner_id: int) -> tuple[CaseloadEntry, bool]:
    """Put the learner in the adviser's caseload; (entry, whether it is new). The adviser sees
    the learner only while the learner also shares their profile."""
    get_adviser(session, adviser_id)
    if session.get(Learner, learner_id) is None:
        raise LearnerNotFound("learner_id", f"no learner {learner_id}")
    entry = _entry(session, adviser_id, learner_id)
    if entry is not None:
        return entry, False
    entry = CaseloadEntry(adviser_id=adviser_id, learner_id=learner_id, assigned_at=utcnow())
    session.add(entry)
    session.flush()
    return entry, True


def unassign(session: Session, adviser_id: int, learner_id: int) -> None:
    """Take the learner out of the adviser's caseload."""
    get_adviser(session, adviser_id)
    entry = _entry(session, adviser_id, learner_id)
    if entry is None:
        raise NotInCaseload(
            "learner_id", f"learner {learner_id} is not in adviser {adviser_id}'s caseload"
        )
    session.delete(entry)


def _entry(session: Session, adviser_id: int, learner_id: int) -> CaseloadEntry | None:
    return session.scalar(
        select(CaseloadEntry).where(
            CaseloadEntry.adviser_id == adviser_id, CaseloadEntry.learner_id == learner_id
        )
    )


@dataclass(frozen=True)
class CaseloadLearner:
    """A caseload row: enough to pick the learner out, and what needs the adviser's attention."""

    learner: Learner
    assigned_at: datetime
    flags: tuple[str, ...]


@dataclass(frozen=True)
class Caseload:
    """One page of the learners an adviser may see, how many match in all, and how many of the
    caseload are hidden because they withdrew sharing (a count only: never who)."""

    learners: list[CaseloadLearner]
    total: int
    withdrawn: int


def flags_of(learner: Learner) -> tuple[str, ...]:
    """What an adviser should notice: no goal yet (and not "not sure" either), emails off."""
    flags = []
    if not learner.goal_occupations and not learner.goal_sectors and not learner.goal_not_sure:
        flags.append(FLAG_NO_GOAL)
    if not learner.email_consent:
        flags.append(FLAG_EMAILS_OFF)
    return tuple(flags)


def caseload(
    session: Session,
    adviser_id: int,
    q: str = "",
    sort: str = "name",
    limit: int = 25,
    offset: int = 0,
) -> Caseload:
    """The adviser's learners who share their profile, matching every word of `q` in the name,
    email or postcode, in `sort` order (see CASELOAD_SORTS), one page of them.

    The withdrawn count ignores `q`: were it filtered, searching a name would tell the adviser
    whether a learner who withdrew is called that.
    """
    if sort not in CASELOAD_SORTS:
        raise AdviserError("sort", f"sort by one of {', '.join(CASELOAD_SORTS)}")
    mine = CaseloadEntry.adviser_id == adviser_id
    visible = [mine, Learner.share_with_adviser.is_(True), *_matching(q)]
    base = select(Learner, CaseloadEntry.assigned_at).join(
        CaseloadEntry, CaseloadEntry.learner_id == Learner.id
    )
    rows = session.execute(
        base.where(*visible)
        .order_by(*_ordering(sort), Learner.id)
        .limit(max(limit, 0))
        .offset(max(offset, 0))
    )
    counted = select(func.count()).select_from(CaseloadEntry).join(Learner)
    total = session.scalar(counted.where(*visible)) or 0
    withdrawn = session.scalar(counted.where(mine, Learner.share_with_adviser.is_(False))) or 0
    return Caseload(
        learners=[
            CaseloadLearner(learner, assigned, flags_of(learner)) for learner, assigned in rows
        ],
        total=int(total),
        withdrawn=int(withdrawn),
    )


def _matching(q: str) -> Sequence[ColumnElement[bool]]:
    """One condition per word: the word is in the name, the email or the postcode (spaces in a
    postcode ignored, so "pr12he" finds "PR1 2HE")."""
    conditions = []
    for word in q.split()[:8]:
        pattern = f"%{_escape_like(word.lower())}%"
        conditions.append(
            or_(
                func.lower(Learner.name).like(pattern, escape="\\"),
                func.lower(Learner.email).like(pattern, escape="\\"),
                func.lower(func.replace(Learner.postcode, " ", "")).like(pattern, escape="\\"),
            )
        )
    return [and_(*conditions)] if conditions else []


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _ordering(sort: str) -> list[ColumnElement]:
    column = {
        "name": func.lower(Learner.name),
        "updated_at": Learner.updated_at,
        "created_at": Learner.created_at,
    }[sort.lstrip("-")]
    return [column.desc() if sort.startswith("-") else column.asc()]
