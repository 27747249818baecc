"""Where a learner or campus is: a UK postcode, or just its district, resolved to a centroid.

Only the district (outward code, "PR1") is looked up: the catalogue keeps district centroids,
not addresses, and that is precise enough for travel-to-learn distances. Accepted forms are a
full postcode ("PR1 2HE", "pr12he") or an outward code ("PR1"), in any case and spacing.
"""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from services.catalogue.models import PostcodeDistrict

FIELD = "postcode"
OUTWARD = r"[A-Z]{1,2}[0-9][A-Z0-9]?"
INWARD = r"[0-9][A-Z]{2}"
FULL_POSTCODE = re.compile(rf"({OUTWARD})({INWARD})")
OUTWARD_CODE = re.compile(OUTWARD)


class PostcodeError(ValueError):
    """A postcode that cannot be resolved; `field` names the input, `reason` says why."""

    def __init__(self, reason: str, field: str = FIELD) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class MalformedPostcode(PostcodeError):  # noqa: N818 - reads as what happened
    """The text is not shaped like a UK postcode or postcode district."""


class UnknownPostcodeDistrict(PostcodeError):  # noqa: N818 - reads as what happened
    """The postcode is well formed, but its district is not in the catalogue."""


def outward_code(text: str) -> str:
    """The district of a full postcode or outward code, upper-cased ("pr1 2he" -> "PR1")."""
    compact = "".join(str(text).split()).upper()
    full = FULL_POSTCODE.fullmatch(compact)
    if full is not None:
        return full.group(1)
    if OUTWARD_CODE.fullmatch(compact):
        return compact
    raise MalformedPostcode(
        f"{text!r} is not a UK postcode (like 'PR1 2HE') or postcode district (like 'PR1')"
    )


def resolve_postcode(session: Session, text: str) -> tuple[float, float]:
    """The (latitude, longitude) centroid of the postcode's district."""
    outcode = outward_code(text)
    district = session.get(PostcodeDistrict, outcode)
    if district is None:
        raise UnknownPostcodeDistrict(f"no postcode district {outcode} is known")
    return district.latitude, district.longitude
