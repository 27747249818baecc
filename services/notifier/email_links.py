"""The links one email carries, each a signed token the notifier's own pages act on.

- per course, "I'm interested" and "not for me": a *feedback* token for that course
  (`c` = course id) on the notifier's `/feedback/<token>?kind=...` page, which records the
  interaction through the profile service when the learner presses its button (a GET never
  records: link scanners follow GETs);
- the course's own page: `course_page_url` with `{course_id}` when a deployment has a public
  course page, else what the catalogue knows (the provider's website);
- manage preferences: a *manage* token on the notifier's `/preferences/<token>` page;
- unsubscribe: an *unsubscribe* token, both as the RFC 8058 one-click HTTPS URL
  (`/unsubscribe/<token>`: POST acts, GET asks) and as a mailto: address whose subject carries
  the same token.

Tokens are `shared.links` tokens signed with the shared secret key, so the profile service
accepts them as they are. Plain Python: no Flask or Celery.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import quote

from services.notifier.digests import Digest
from shared.links import make_token

#: The feedback kinds a link can carry, and the profile interaction each records.
FEEDBACK_KINDS: dict[str, str] = {"interested": "saved", "not-interested": "not-interested"}


class LinkSettings(Protocol):
    """What links are made from (NotifierSettings has these fields)."""

    secret_key: str
    public_url: str
    unsubscribe_mailto: str
    course_page_url: str


@dataclass(frozen=True)
class CourseLinks:
    interested: str
    not_interested: str
    page: str | None


@dataclass(frozen=True)
class DigestLinks:
    courses: Mapping[int, CourseLinks]
    manage: str
    unsubscribe: str  # the one-click HTTPS URL (RFC 8058)
    unsubscribe_mailto: str  # mailto:address?subject=unsubscribe%20<token>

    def for_course(self, course_id: int) -> CourseLinks:
        return self.courses[course_id]

    @property
    def list_unsubscribe(self) -> str:
        """The List-Unsubscribe header value: both forms, mailto first (RFC 2369)."""
        return f"<{self.unsubscribe_mailto}>, <{self.unsubscribe}>"


def digest_links(digest: Digest, settings: LinkSettings) -> DigestLinks:
    """Fresh signed links for every course in `digest` and for the learner's list choices."""
    base = settings.public_url.rstrip("/")
    learner = digest.learner_id
    courses = {}
    for line in digest.courses:
        token = make_token(settings.secret_key, "feedback", learner, c=line.course_id)
        page = (
            settings.course_page_url.format(course_id=line.course_id)
            if settings.course_page_url
            else line.url
        )
        courses[line.course_id] = CourseLinks(
            interested=f"{base}/feedback/{token}?kind=interested",
            not_interested=f"{base}/feedback/{token}?kind=not-interested",
            page=page,
        )
    mailbox = settings.unsubscribe_mailto
    if not mailbox or mailbox.count("@") != 1 or any(ch in mailbox for ch in '<>,;"?& \t\r\n'):
        raise ValueError(f"not a plain unsubscribe address: {mailbox!r}")
    unsubscribe = make_token(settings.secret_key, "unsubscribe", learner)
    manage = make_token(settings.secret_key, "manage", learner)
    return DigestLinks(
        courses=courses,
        manage=f"{base}/preferences/{manage}",
        unsubscribe=f"{base}/unsubscribe/{unsubscribe}",
        unsubscribe_mailto=(f"mailto:{mailbox}?subject={quote(f'unsubscribe {unsubscribe}')}"),
    )
