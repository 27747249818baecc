"""A digest as an email: named template folders, one small context function each, and the
standard library's `EmailMessage` for every header.

Templates live in `templates/email/<name>/{subject.txt, body.txt, body.html}` (Jinja2, HTML
autoescaped); `@email(name)` registers the function that gives a template its context. Headers
are never written by hand: names go through `email.headerregistry.Address` after control
characters are removed, so a name or subject holding a line break cannot add a header.

The Message-ID comes from the digest id, so a resend of the same digest (a task that ran twice,
a worker killed after the server took the message) carries the same Message-ID.
"""

from __future__ import annotations

import functools
import re
import textwrap
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.headerregistry import Address, HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.policy import SMTP, Policy
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from services.notifier.digests import Contact, Digest
from services.notifier.email_links import DigestLinks

TEMPLATES = Path(__file__).parent / "templates"
#: Which template folder each digest kind is written with.
TEMPLATE_OF_KIND = {
    "weekly": "recommendations-digest",
    "monthly": "recommendations-digest",
    "alert": "course-alert",
}
ONE_CLICK = "List-Unsubscribe=One-Click"
#: RFC 5321 and 5322: a line of a message is at most 998 octets, its CRLF apart.
MAX_LINE_OCTETS = 998
MAX_SUBJECT = 150


class _OneUnstructuredHeader:
    """An unstructured header that appears once, parsed as the standard library does; the
    subclasses fold it their own way."""

    max_count = 1

    @classmethod
    def parse(cls, value: str, kwds: dict[str, Any]) -> None:
        kwds["parse_tree"] = UnstructuredHeader.value_parser(value)
        kwds["decoded"] = value


class ListUnsubscribeHeader(_OneUnstructuredHeader):
    """List-Unsubscribe folded only between its URIs, never into RFC 2047 encoded words.

    The standard library folds an unstructured header at 78 characters and, when one word
    (a URL with a token) is longer than a line, encodes it as `=?utf-8?q?...?=`, which no mail
    client reads as a URL. This header keeps each `<uri>` whole, one per line (under RFC 5322's
    998-character limit); its value is checked like any other (no CR or LF).
    """

    def fold(self, *, policy: Policy) -> str:
        name = self.name  # type: ignore[attr-defined] - BaseHeader's, mixed in by the registry
        uris = [uri.strip() for uri in str(self).split(",")]
        return f"{name}: " + f",{policy.linesep} ".join(uris) + policy.linesep


class SubjectHeader(_OneUnstructuredHeader):
    """Subject folded at the spaces between its words when it is plain ASCII.

    CPython's folder moves a subject that fits on a line of its own to a continuation line
    ("Subject:\r\n 5 courses for you..."), which parsers (Python's among them) read back with a
    leading space. A non-ASCII subject keeps the standard folding into RFC 2047 encoded words.
    """

    def fold(self, *, policy: Policy) -> str:
        value = str(self)
        if not value.isascii():
            return super().fold(policy=policy)  # type: ignore[misc] - BaseHeader's
        name = self.name  # type: ignore[attr-defined] - BaseHeader's, mixed in by the registry
        lines = textwrap.wrap(
            f"{name}: {value}",
            width=policy.max_line_length or 78,
            subsequent_indent=" ",
            break_long_words=False,
            break_on_hyphens=False,
        )
        return policy.linesep.join(lines) + policy.linesep


class _KeptHeaderClasses(HeaderRegistry):
    """The standard registry, but each header name's class is made once and kept.

    `HeaderRegistry` builds a new class (`type(...)`) for every header it parses: making the
    classes was the largest single cost of composing a digest under cProfile (0.28 s of 3.2 s
    for 500 digests, 14 headers each). The classes are the same every time, so they are kept.
    """

    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[str, type] = {}

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        found = self._classes.get(key)
        if found is None:
            found = self._classes[key] = super().__getitem__(name)
        return found

    def map_to_type(self, name: str, cls: type) -> None:
        super().map_to_type(name, cls)
        self._classes.pop(name.lower(), None)


def _headers() -> HeaderRegistry:
    registry = _KeptHeaderClasses()
    registry.map_to_type("list-unsubscribe", ListUnsubscribeHeader)
    registry.map_to_type("subject", SubjectHeader)
    return registry


#: SMTP's policy (CRLF, 78-character folding), with List-Unsubscribe's and Subject's own folding.
POLICY = SMTP.clone(header_factory=_headers())

ContextFunction = Callable[[Digest], dict[str, Any]]
EMAILS: dict[str, ContextFunction] = {}


class UnsafeAddress(ValueError):  # noqa: N818 - reads as what it is
    """An address that cannot be put in a header as it is (control characters, not one
    address): refused rather than mended."""


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def email(name: str) -> Callable[[ContextFunction], ContextFunction]:
    """Register `name`'s context function (its templates are in templates/email/<name>/)."""

    def register(function: ContextFunction) -> ContextFunction:
        EMAILS[name] = function
        return function

    return register


@email("recommendations-digest")
def recommendations_digest(digest: Digest) -> dict[str, Any]:
    words = "this week" if digest.kind == "weekly" else "this month"
    return {
        "heading": f"Your course suggestions {words}",
        "period_words": words,
        "courses_heading": "Courses for you",
    }


@email("course-alert")
def course_alert(digest: Digest) -> dict[str, Any]:
    heading = "A new course for you" if digest.courses else "A shorter route for you"
    return {
        "heading": heading,
        "period_words": "today",
        "courses_heading": "New in your top suggestions",
    }


def render(digest: Digest, contact: Contact, links: DigestLinks) -> RenderedEmail:
    """Subject, plain text and HTML of `digest` for `contact`."""
    name = TEMPLATE_OF_KIND[digest.kind]
    context = {
        "courses": digest.courses,
        "route": digest.route,
        "links": links,
        "greeting": f"Hello {display_name(contact.name) or 'there'},",
        "frequency_words": _frequency_words(contact.frequency, digest.kind),
        **EMAILS[name](digest),
    }
    templates = environment()
    subject = header_text(templates.get_template(f"email/{name}/subject.txt").render(context))
    context["subject"] = subject = subject[:MAX_SUBJECT].rstrip()
    text = templates.get_template(f"email/{name}/body.txt").render(context)
    html = templates.get_template(f"email/{name}/body.html").render(context)
    return RenderedEmail(subject=subject, text=_tidy(text), html=html)


def build_message(
    digest: Digest,
    contact: Contact,
    links: DigestLinks,
    sender: str,
    *,
    now: datetime | None = None,
) -> EmailMessage:
    """The email for `digest`: multipart/alternative (plain text, then HTML), with From, To,
    Subject, Date, a Message-ID derived from the digest id and RFC 8058 one-click
    List-Unsubscribe headers. `sender` is an address, optionally with a name
    ("Routeways <suggestions@routeways.example>")."""
    from_header, to = sender_header(sender), recipient(contact)
    rendered = render(digest, contact, links)
    message = EmailMessage(policy=POLICY)
    message["From"] = from_header
    message["To"] = to
    message["Subject"] = rendered.subject
    message["Date"] = format_datetime(now or datetime.now(UTC))
    message["Message-ID"] = message_id(digest.digest_id, from_header.addresses[0].domain)
    message["List-Unsubscribe"] = links.list_unsubscribe
    message["List-Unsubscribe-Post"] = _one_click_header()
    set_bodies(message, rendered.text, rendered.html)
    return message


def set_bodies(message: EmailMessage, text: str, html: str) -> None:
    """The plain text part, then the HTML alternative, each in `body_encoding`'s encoding: the
    message `set_content(text)` and `add_alternative(html, subtype="html")` would make.

    A text part's MIME headers (Content-Type with its charset, Content-Transfer-Encoding) and
    the multipart's Content-Type are the same in every message, so they are made once by the
    standard library's own `set_content` and `add_alternative` and reused, as `sender_header`
    reuses From: the policy keeps a header object of the right name as it is (they are
    immutable; the generator's boundary replaces the multipart's header, it does not change
    it). Only the payloads are new per message. Parsing those headers again for every digest
    was four fifths of setting its bodies.
    """
    for name, header in _multipart_headers():
        message[name] = header
    message.set_payload([_text_part(text, "plain"), _text_part(html, "html")])


def _text_part(body: str, subtype: str) -> EmailMessage:
    """A text/<subtype> part as the standard library's `set_content` makes it (the same
    payload: lines joined by LF, UTF-8 kept as it is), its headers made once per encoding."""
    encoding = body_encoding(body)
    part = EmailMessage(policy=POLICY)
    if encoding == "quoted-printable":  # rare: a line too long for SMTP
        part.set_content(body, subtype=subtype, cte=encoding)
        del part["MIME-Version"]  # the message's own says it (set_content adds one per part)
        return part
    for name, header in _part_headers(subtype, encoding):
        part[name] = header
    payload = b"\n".join(body.encode().splitlines()) + b"\n"
    part.set_payload(payload.decode("ascii", "surrogateescape"))
    return part


@functools.cache
def _part_headers(subtype: str, encoding: str) -> tuple[tuple[str, Any], ...]:
    prototype = EmailMessage(policy=POLICY)
    prototype.set_content("", subtype=subtype, cte=encoding)
    return tuple((name, header) for name, header in prototype.items() if name != "MIME-Version")


@functools.cache
def _multipart_headers() -> tuple[tuple[str, Any], ...]:
    prototype = EmailMessage(policy=POLICY)
    prototype.set_content("")
    prototype.add_alternative("", subtype="html")
    return tuple(prototype.items())


def body_encoding(body: str) -> str:
    """How a body part travels: as it is when every line fits SMTP's 998 octets ("7bit" in
    ASCII, else "8bit" UTF-8, which `delivery.SmtpTransport` declares with BODY=8BITMIME or
    re-encodes for a server without 8BITMIME), and quoted-printable only when a line is longer.

    Quoted-printable is the standard library's pure-Python encoder: it was about a third of
    building a digest's message, and made the message a tenth longer to send.
    """
    encoded = body.encode()
    if max(map(len, encoded.splitlines()), default=0) > MAX_LINE_OCTETS:
        return "quoted-printable"
    return "7bit" if encoded.isascii() else "8bit"


def message_id(digest_id: str, domain: str) -> str:
    """`<digest id@domain>`: the same for every send of one digest."""
    return f"<{digest_id}@{domain}>"


def recipient(contact: Contact) -> Address:
    """The To address: the learner's name without control characters, and their address,
    which must be one plain address (anything else is refused, never mended)."""
    return addressee(contact.name, contact.email)


def addressee(name: str | None, email: str) -> Address:
    """A To address from a name (control characters removed) and one plain address."""
    return _address(display_name(name), email)


@functools.lru_cache(maxsize=8)
def sender_header(sender: str) -> Any:
    """The From header of `sender`, parsed once per sender: the policy stores a header object
    of the right name as it is, and a digest run's thousands of messages share one sender
    (parsing it was about a tenth of building a message)."""
    return POLICY.header_store_parse("From", parse_sender(sender))[1]


@functools.cache
def _one_click_header() -> Any:
    return POLICY.header_store_parse("List-Unsubscribe-Post", ONE_CLICK)[1]


def parse_sender(sender: str) -> Address:
    name, addr = parseaddr(sender)
    if not addr or addr != addr.strip() or _has_control(sender):
        raise UnsafeAddress(f"not a sender address: {sender!r}")
    return _address(display_name(name), addr)


def display_name(name: str | None) -> str:
    """A name as it may appear in a header or a greeting: control and format characters
    (CR, LF, NUL, line and paragraph separators, bidi overrides) become spaces, runs of
    spaces collapse."""
    return header_text(name or "")


def header_text(value: str) -> str:
    """One line of text: every control, format or separator character becomes a space."""
    cleaned = "".join(" " if _is_control(ch) else ch for ch in value)
    return re.sub(r"\s+", " ", cleaned).strip()


def _address(name: str, addr: str) -> Address:
    if _has_control(addr) or any(ch.isspace() for ch in addr) or addr.count("@") != 1:
        raise UnsafeAddress(f"not one plain email address: {addr!r}")
    try:
        return Address(display_name=name, addr_spec=addr)
    except Exception as error:  # email.errors.HeaderParseError is no ValueError
        raise UnsafeAddress(f"not one plain email address: {addr!r}") from error


def _is_control(ch: str) -> bool:
    return unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp"}


def _has_control(value: str) -> bool:
    return any(_is_control(ch) for ch in value)


def _frequency_words(frequency: str | None, kind: str) -> str:
    chosen = frequency or kind
    return {"weekly": "weekly", "monthly": "monthly", "instant": "instant"}.get(chosen, "")


def _tidy(text: str) -> str:
    """Plain text without runs of blank lines (template tags leave some)."""
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def money(pence: int) -> str:
    """Pounds as a learner reads them: "nothing", "£450", "£2,400", "£99.50"."""
    if pence == 0:
        return "nothing"
    pounds, rest = divmod(pence, 100)
    return f"£{pounds:,}" if rest == 0 else f"£{pence / 100:,.2f}"


def day(value: date) -> str:
    """ "4 January 2027"."""
    return f"{value.day} {value:%B %Y}"


def months(value: float) -> str:
    return "1 month" if value == 1 else f"{value:g} months"


def km(value: float) -> str:
    return f"{value:.1f} km" if value < 10 else f"{value:.0f} km"


@functools.cache
def environment() -> Environment:
    """The email templates' Jinja2 environment (HTML autoescaped; an unknown name fails)."""
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # compiled once per process: no stat of every template per render
    )
    environment.filters.update(money=money, day=day, months=months, km=km)
    return environment
