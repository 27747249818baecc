"""Providers, their campuses, and the API keys they push their catalogue with.

An API key reads `rwk_` + 40 random base62 characters + a 6-character CRC32 checksum of those,
like GitHub's `ghp_` tokens: the fixed mark lets secret scanners find leaked keys, the checksum
lets them (and us, before any database lookup) tell a real key from a look-alike, and nothing in
it names the provider. A key is shown once, when issued; the catalogue keeps only its prefix
(`rwk_` + 8 characters, to recognise it in listings and to find it) and an HMAC-SHA256 of the
whole key under a server secret, so a copy of the database does not give working keys. A
provider may hold several active keys, so a new one can be rolled out before the old is revoked.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import string
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from services.catalogue import postcodes
from services.catalogue.models import Campus, Course, OutboxEvent, Provider, ProviderKey
from shared.events import utcnow

PROVIDER_KINDS = ("fe-college", "university", "itp", "employer-academy", "sixth-form")
PROVIDER_SLUG = re.compile(r"[a-z0-9-]{2,64}\Z")  # Provider.key: "prestons-college"
UKPRN = re.compile(r"[0-9]{8}\Z")  # UK Provider Reference Number

KEY_MARK = "rwk_"
BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
RANDOM_LENGTH = 40  # about 238 bits
CHECKSUM_LENGTH = 6  # CRC32 < 62**6
PREFIX_LENGTH = len(KEY_MARK) + 8
KEY_SHAPE = re.compile(rf"{KEY_MARK}[0-9A-Za-z]{{{RANDOM_LENGTH + CHECKSUM_LENGTH}}}")
SHOWN_ONCE = "This key is shown once and cannot be recovered: store it now, in a secret store."
#: last_used_at is refreshed at most this often, so a busy key is not a write per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ProviderError(Exception):
    """A provider request that cannot be met; `field` names the input, `reason` says why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class UnknownProvider(ProviderError):  # noqa: N818 - reads as what happened
    """No provider has this id."""


class UnknownKey(ProviderError):  # noqa: N818 - reads as what happened
    """The provider holds no key with this id."""


class DuplicateProvider(ProviderError):  # noqa: N818 - reads as what happened
    """Another provider already has this key (slug) or UKPRN."""


class BadCampus(ProviderError):  # noqa: N818 - reads as what happened
    """A campus whose postcode or coordinates cannot be used."""


@dataclass(frozen=True)
class CampusDetails:
    """Where a campus is. Without coordinates, the postcode district's centroid is used."""

    name: str
    postcode: str
    latitude: float | None = None
    longitude: float | None = None


# --- keys, pure ------------------------------------------------------------------------------


def new_key() -> str:
    """A fresh random API key: mark, random part, checksum of the random part."""
    body = "".join(secrets.choice(BASE62) for _ in range(RANDOM_LENGTH))
    return f"{KEY_MARK}{body}{_checksum(body)}"


def is_well_formed(text: str) -> bool:
    """Whether `text` has a key's shape and a matching checksum (no database needed)."""
    if not KEY_SHAPE.fullmatch(text):
        return False
    body, checksum = text[len(KEY_MARK) : -CHECKSUM_LENGTH], text[-CHECKSUM_LENGTH:]
    return hmac.compare_digest(_checksum(body), checksum)


def key_prefix(plaintext: str) -> str:
    """The part of a key that is kept and shown: enough to recognise it, useless to use it."""
    return plaintext[:PREFIX_LENGTH]


def key_digest(plaintext: str, secret: str) -> str:
    """HMAC-SHA256 of the whole key under the server secret, hex (what the catalogue stores)."""
    return hmac.new(secret.encode(), plaintext.encode(), hashlib.sha256).hexdigest()


def _checksum(body: str) -> str:
    value, digits = zlib.crc32(body.encode()), []
    for _ in range(CHECKSUM_LENGTH):
        value, digit = divmod(value, len(BASE62))
        digits.append(BASE62[digit])
    return "".join(reversed(digits))


# --- keys, stored ----------------------------------------------------------------------------


def issue_key(
    session: Session, provider_id: int, label: str, secret: str
) -> tuple[ProviderKey, str]:
    """Store a new active key for the provider; the plaintext is returned here and never again."""
    get_provider(session, provider_id)
    plaintext = new_key()
    key = ProviderKey(
        provider_id=provider_id,
        prefix=key_prefix(plaintext),
        digest=key_digest(plaintext, secret),
        label=label,
        created_at=utcnow(),
    )
    session.add(key)
    session.flush()
    return key, plaintext


def revoke_key(
    session: Session, provider_id: int, key_id: int, now: datetime | None = None
) -> ProviderKey:
    """Stop a key working from now on; revoking a revoked key changes nothing."""
    key = session.get(ProviderKey, key_id)
    if key is None or key.provider_id != provider_id:
        raise UnknownKey("key_id", f"provider {provider_id} has no key {key_id}")
    if key.revoked_at is None:
        key.revoked_at = now or utcnow()
    return key


def list_keys(session: Session, provider_id: int) -> list[ProviderKey]:
    """Every key the provider was issued, revoked ones included, oldest first."""
    get_provider(session, provider_id)
    query = select(ProviderKey).where(ProviderKey.provider_id == provider_id)
    return list(session.scalars(query.order_by(ProviderKey.id)))


def authenticate(
    session: Session, plaintext: str, secret: str, now: datetime | None = None
) -> int | None:
    """The provider an active key belongs to, or None for a malformed, unknown or revoked key.

    Candidates are found by the (public) prefix and the secret part is checked by comparing
    digests in constant time. Using a key refreshes its `last_used_at` at most once a minute.
    """
    if not is_well_formed(plaintext):
        return None
    digest = key_digest(plaintext, secret)
    candidates = session.scalars(
        select(ProviderKey).where(
            ProviderKey.prefix == key_prefix(plaintext), ProviderKey.revoked_at.is_(None)
        )
    )
    key = next((c for c in candidates if hmac.compare_digest(c.digest, digest)), None)
    if key is None:
        return None
    _note_use(key, now or utcnow())
    return key.provider_id


def _note_use(key: ProviderKey, now: datetime) -> None:
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        key.last_used_at = now


# --- providers and campuses ------------------------------------------------------------------


def create_provider(
    session: Session,
    key: str,
    name: str,
    kind: str,
    ukprn: str | None = None,
    contact_email: str | None = None,
    website: str | None = None,
    campuses: Iterable[CampusDetails] = (),
) -> Provider:
    """Register a provider with its campuses; its key (slug) and UKPRN must be new."""
    _refuse_duplicates(session, key, ukprn)
    provider = Provider(
        key=key,
        name=name,
        kind=kind,
        ukprn=ukprn,
        contact_email=contact_email,
        website=website,
        created_at=utcnow(),
    )
    seen: set[str] = set()
    for details in campuses:
        if details.name in seen:
            raise BadCampus("campuses", f"campus {details.name!r} is named twice")
        seen.add(details.name)
        provider.campuses.append(Campus(name=details.name, **_location(session, details)))
    session.add(provider)
    session.flush()
    return provider


def get_provider(session: Session, provider_id: int) -> Provider:
    provider = session.get(Provider, provider_id)
    if provider is None:
        raise UnknownProvider("provider_id", f"no provider {provider_id}")
    return provider


def list_providers(session: Session) -> list[Provider]:
    query = select(Provider).options(selectinload(Provider.campuses)).order_by(Provider.id)
    return list(session.scalars(query))


def put_campus(session: Session, provider_id: int, details: CampusDetails) -> tuple[Campus, bool]:
    """Add the provider's campus of this name, or move it; True when it was added.

    Courses keep a copy of their campus's coordinates (distance filters need no join), so a
    moved campus moves its courses too: each gets a new version, and each published one
    announces the change as `catalogue.course.updated` with `changed_fields` ["campus"].
    """
    get_provider(session, provider_id)
    location = _location(session, details)
    campus = session.scalars(
        select(Campus).where(Campus.provider_id == provider_id, Campus.name == details.name)
    ).one_or_none()
    if campus is None:
        campus = Campus(provider_id=provider_id, name=details.name, **location)
        session.add(campus)
        session.flush()
        return campus, True
    if any(getattr(campus, field) != value for field, value in location.items()):
        for field, value in location.items():
            setattr(campus, field, value)
        _move_courses(session, campus)
    return campus, False


def _move_courses(session: Session, campus: Campus) -> None:
    for course in session.scalars(select(Course).where(Course.campus_id == campus.id)):
        course.latitude, course.longitude = campus.latitude, campus.longitude
        course.version += 1
        course.updated_at = utcnow()
        if course.status == "published":
            facts = {"course_id": course.id, "provider_id": course.provider_id}
            OutboxEvent.publish(
                session, "catalogue.course.updated", 1, {**facts, "changed_fields": ["campus"]}
            )


def _location(session: Session, details: CampusDetails) -> dict[str, object]:
    """Postcode (tidied) and coordinates: the given ones, else the district's centroid."""
    try:
        postcode = _tidy_postcode(details.postcode)
        if details.latitude is not None and details.longitude is not None:
            latitude, longitude = details.latitude, details.longitude
        elif details.latitude is None and details.longitude is None:
            latitude, longitude = postcodes.resolve_postcode(session, postcode)
        else:
            raise BadCampus("latitude", "give both latitude and longitude, or neither")
    except postcodes.PostcodeError as error:
        raise BadCampus("postcode", error.reason) from error
    return {"postcode": postcode, "latitude": latitude, "longitude": longitude}


def _tidy_postcode(text: str) -> str:
    """Upper case with one space before the inward code ("pr12he" -> "PR1 2HE")."""
    compact = "".join(text.split()).upper()
    outward = postcodes.outward_code(compact)  # raises when it is not a postcode
    inward = compact[len(outward) :]
    return f"{outward} {inward}" if inward else outward


def _refuse_duplicates(session: Session, key: str, ukprn: str | None) -> None:
    if session.scalars(select(Provider.id).where(Provider.key == key)).first() is not None:
        raise DuplicateProvider("key", f"a provider with key {key!r} exists")
    if (
        ukprn is not None
        and session.scalars(select(Provider.id).where(Provider.ukprn == ukprn)).first() is not None
    ):
        raise DuplicateProvider("ukprn", f"a provider with UKPRN {ukprn} exists")
