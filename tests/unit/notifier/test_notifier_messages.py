"""The digest email, parsed back as a mail client would: both parts, every header, stable
Message-ID, RFC 8058 unsubscribe, and names or subjects that try to add headers."""

from __future__ import annotations

import email
import re
from dataclasses import replace
from datetime import UTC, datetime
from email import policy
from email.header import decode_header, make_header
from email.message import EmailMessage
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest

from services.notifier.digests import Contact
from services.notifier.email_links import digest_links
from services.notifier.messages import (
    POLICY,
    UnsafeAddress,
    body_encoding,
    build_message,
    header_text,
    render,
    set_bodies,
)
from services.notifier.settings import NotifierSettings
from shared.links import read_token
from tests.unit.notifier.digest_bodies import CONTACT, COURSES, LEARNER, ROUTES, weekly_digest

SENDER = "Routeways <suggestions@routeways.example>"
SETTINGS = NotifierSettings.from_env(
    {}, overrides={"secret_key": "unit-secret", "public_url": "https://notify.routeways.example"}
)
NOW = datetime(2026, 11, 23, 7, 30, tzinfo=UTC)


def parsed(digest=None, contact: Contact = CONTACT, sender: str = SENDER):
    digest = digest or weekly_digest()
    message = build_message(digest, contact, digest_links(digest, SETTINGS), sender, now=NOW)
    return email.message_from_bytes(message.as_bytes(), policy=policy.default)


class Links(HTMLParser):
    """Every <a>: (text, href, aria-label)."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str, str | None]] = []
        self._open: dict | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._open = {
                "href": dict(attrs)["href"],
                "label": dict(attrs).get("aria-label"),
                "text": "",
            }

    def handle_data(self, data):
        if self._open is not None:
            self._open["text"] += data

    def handle_endtag(self, tag):
        if tag == "a" and self._open:
            self.links.append((self._open["text"].strip(), self._open["href"], self._open["label"]))
            self._open = None


def html_links(message) -> list[tuple[str, str, str | None]]:
    parser = Links()
    parser.feed(message.get_body(("html",)).get_content())
    return parser.links


def test_the_message_is_multipart_alternative_with_text_then_html():
    message = parsed()

    assert message.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in message.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for body in (text, html):
        assert "Access to HE Diploma (Health Professions)" in body
        assert "nurse responsible for general care" in body
        assert "Preston&#39;s College" in body or "Preston's College" in body
        assert "£450" in body
        assert "£27,750" in body
        assert "11 January 2027" in body
    assert "Hello Aisha Khan," in text
    assert '<html lang="en">' in html
    assert "<h1" in html
    assert "<h2" in html


def test_headers_name_sender_recipient_subject_date_and_unsubscribe():
    message = parsed()

    assert message["From"].addresses[0].addr_spec == "suggestions@routeways.example"
    assert message["From"].addresses[0].display_name == "Routeways"
    to = message["To"].addresses
    assert [(a.display_name, a.addr_spec) for a in to] == [("Aisha Khan", "aisha.khan@example.org")]
    assert message["Subject"] == (
        "3 courses for you this week, and your route to nurse responsible for general care"
    )
    assert message["Date"].datetime == NOW
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Message-ID"] == f"<{weekly_digest().digest_id}@routeways.example>"


def test_the_message_id_is_the_same_for_every_build_of_one_digest():
    first, second = parsed(), parsed()
    later = parsed(weekly_digest(routes=None))  # the same week, composed again with less

    assert first["Message-ID"] == second["Message-ID"] == later["Message-ID"]
    monthly = replace(weekly_digest(), kind="monthly", digest_id="0" * 32)
    assert parsed(monthly)["Message-ID"] == "<00000000000000000000000000000000@routeways.example>"


def test_list_unsubscribe_has_a_mailto_and_a_one_click_https_url_with_the_learners_token():
    header = parsed()["List-Unsubscribe"]

    uris = re.findall(r"<([^>]+)>", header)
    assert [urlsplit(u).scheme for u in uris] == ["mailto", "https"]
    mailto, one_click = uris
    assert "=?" not in header  # not RFC 2047 encoded words: clients read URLs here
    token = one_click.rsplit("/unsubscribe/", 1)[1]
    assert one_click.startswith("https://notify.routeways.example/unsubscribe/")
    assert read_token("unit-secret", "unsubscribe", token).subject_id == LEARNER
    assert urlsplit(mailto).path == "unsubscribe@routeways.local"
    assert parse_qs(urlsplit(mailto).query)["subject"] == [f"unsubscribe {token}"]


def test_every_course_has_interest_links_signed_for_that_course_and_learner():
    message = parsed()
    links = html_links(message)
    interested = [href for text, href, _ in links if text == "I'm interested"]
    not_for_me = [href for text, href, _ in links if text == "Not for me"]

    assert len(interested) == len(not_for_me) == 3
    for course_id, yes, no in zip([4127, 3310, 518], interested, not_for_me, strict=True):
        for href, kind in ((yes, "interested"), (no, "not-interested")):
            parts = urlsplit(href)
            assert (parts.scheme, parts.netloc) == ("https", "notify.routeways.example")
            assert parse_qs(parts.query) == {"kind": [kind]}
            claims = read_token("unit-secret", "feedback", parts.path.rsplit("/", 1)[1])
            assert (claims.subject_id, claims.extra) == (LEARNER, {"c": course_id})
    labels = [label for text, _, label in links if text == "I'm interested"]
    assert labels[0] == "I'm interested in Access to HE Diploma (Health Professions)"
    text = message.get_body(("plain",)).get_content()
    assert all(href in text for href in interested + not_for_me)


def test_course_manage_and_unsubscribe_links_are_there_with_their_purposes():
    links = {text: href for text, href, _ in html_links(parsed())}

    assert links["Access to HE Diploma (Health Professions)"] == "https://www.preston.ac.uk"
    assert "T Level in Health" not in links  # no page known: the title is not a link
    manage = links["Manage your email preferences"]
    assert read_token("unit-secret", "manage", manage.rsplit("/", 1)[1]).subject_id == LEARNER
    unsubscribe = links["Unsubscribe from course suggestions"]
    assert read_token("unit-secret", "unsubscribe", unsubscribe.rsplit("/", 1)[1]).subject_id == (
        LEARNER
    )


def test_a_configured_course_page_replaces_the_providers_website():
    settings = replace(SETTINGS, course_page_url="https://find.example/courses/{course_id}")
    links = digest_links(weekly_digest(), settings)
    assert links.for_course(3310).page == "https://find.example/courses/3310"


@pytest.mark.parametrize(
    "name",
    [
        "Eve\r\nBcc: x@y",
        "Eve\nBcc: x@y",
        "Eve\rBcc: x@y",
        "Eve\u2028Bcc: x@y",
        "Eve\x00\r\n\r\n<script>",
        'Eve "the boss" <ceo@example.org>, x@y',
    ],
)
def test_a_name_cannot_add_headers_or_recipients(name):
    message = parsed(contact=replace(CONTACT, name=name))

    assert message["Bcc"] is None
    assert message["Cc"] is None
    assert [a.addr_spec for a in message["To"].addresses] == ["aisha.khan@example.org"]
    assert "\n" not in message["To"].addresses[0].display_name
    raw = build_message(weekly_digest(), replace(CONTACT, name=name),
                        digest_links(weekly_digest(), SETTINGS), SENDER).as_bytes()  # fmt: skip
    assert not re.search(rb"^Bcc:", raw, re.M)
    html = message.get_body(("html",)).get_content()
    assert "<script>" not in html  # autoescaped in the greeting


def test_a_subject_built_from_catalogue_text_stays_one_line():
    evil = {**ROUTES, "target": {**ROUTES["target"], "title": "nurse\r\nBcc: x@y\r\n\r\nhi"}}
    digest = weekly_digest(routes=evil)

    message = parsed(digest)

    assert message["Bcc"] is None
    assert "\n" not in message["Subject"]
    assert "\r" not in message["Subject"]
    assert message["Subject"].endswith("your route to nurse Bcc: x@y hi")


def digest_for_target(title: str):
    return weekly_digest(routes={**ROUTES, "target": {**ROUTES["target"], "title": title}})


@pytest.mark.parametrize("length", [70, 76, 77, 78, 90, 140])
def test_a_subject_of_any_length_reads_back_without_a_leading_space(length):
    # CPython moves a subject of 70-77 characters whole onto a continuation line
    short = len(parsed(digest_for_target("T"))["Subject"])
    title = ("IT user support technicians and their supervisors " * 3)[: length - short + 1]
    title = title.strip() or "T"

    subject = parsed(digest_for_target(title))["Subject"]

    assert subject == subject.strip()
    assert subject.endswith(f"your route to {title}")


def test_catalogue_text_is_escaped_in_the_html_part():
    courses = {**COURSES, 3310: {**COURSES[3310], "title": '<img src=x onerror="alert(1)">'}}
    html = parsed(weekly_digest(courses=courses)).get_body(("html",)).get_content()
    assert "<img" not in html
    assert "&lt;img src=x" in html


@pytest.mark.parametrize(
    "address",
    ["aisha@example.org\r\nBcc: x@y", "aisha@example.org, eve@example.org", "not an address", ""],
)
def test_an_address_that_is_not_one_plain_address_is_refused(address):
    with pytest.raises(UnsafeAddress):
        parsed(contact=replace(CONTACT, email=address))


def test_a_sender_with_a_line_break_is_refused():
    with pytest.raises(UnsafeAddress):
        parsed(sender="Routeways <a@b.example>\r\nBcc: x@y")


def test_header_text_turns_controls_into_single_spaces():
    assert header_text(" a\r\n\tb\x00c\u202ed ") == "a b c d"


def test_non_ascii_names_and_subjects_are_encoded_within_the_rfcs_limits():
    title = "Pflegefachkraft für Intensivpflege und Anästhesie, Fortbildung Ümläüte"
    digest = weekly_digest(routes={**ROUTES, "target": {**ROUTES["target"], "title": title}})
    contact = replace(CONTACT, name="Siân Ó Briain-Ñúñez de la Concepción Mäkelä Øster Łukasz")
    raw = build_message(digest, contact, digest_links(digest, SETTINGS), SENDER).as_bytes()
    head = raw.split(b"\r\n\r\n", 1)[0]

    words = re.findall(rb"=\?[^?]+\?[qbQB]\?[^?]*\?=", head)
    assert words  # encoded, not raw 8-bit
    assert max(len(word) for word in words) <= 75  # RFC 2047
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998  # RFC 5322
    # decoded as RFC 2047 says (whitespace between adjacent encoded words dropped); the new
    # parser of policy.default leaves a space there inside a display name (a CPython quirk)
    legacy = email.message_from_bytes(raw, policy=policy.compat32)
    assert str(make_header(decode_header(legacy["To"]))) == (
        f"{contact.name} <aisha.khan@example.org>"
    )
    subject = str(make_header(decode_header(legacy["Subject"])))
    assert subject.endswith(f"your route to {title}")


def test_list_unsubscribe_folds_between_its_uris_only():
    raw = build_message(
        weekly_digest(), CONTACT, digest_links(weekly_digest(), SETTINGS), SENDER
    ).as_bytes()
    lines = raw.split(b"\r\n")
    start = next(i for i, line in enumerate(lines) if line.startswith(b"List-Unsubscribe:"))
    assert lines[start].startswith(b"List-Unsubscribe: <mailto:")
    assert lines[start].endswith(b">,")
    assert lines[start + 1].startswith(b" <https://")
    assert lines[start + 1].endswith(b">")
    assert lines[start + 2].startswith(b"List-Unsubscribe-Post:")


def test_alerts_use_the_alert_template():
    digest = replace(weekly_digest(), kind="alert", period="2f0c6a0e")
    rendered = render(digest, CONTACT, digest_links(digest, SETTINGS))
    assert rendered.subject == "New for you: Access to HE Diploma (Health Professions)"
    assert "A new course for you" in rendered.html
    no_courses = replace(digest, courses=())
    assert render(no_courses, CONTACT, digest_links(no_courses, SETTINGS)).subject == (
        "A shorter route to nurse responsible for general care"
    )


def test_bodies_travel_as_they_are_when_their_lines_fit_smtp():
    message = build_message(
        weekly_digest(), CONTACT, digest_links(weekly_digest(), SETTINGS), SENDER
    )
    encodings = [part["Content-Transfer-Encoding"] for part in message.iter_parts()]
    raw = message.as_bytes()

    assert encodings == ["8bit", "8bit"]  # "£" in the costs: UTF-8 as it is
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    assert "£" in parsed().get_body(("plain",)).get_content()


def test_a_line_longer_than_smtp_allows_makes_that_body_quoted_printable():
    title = "Health and Social Care " * 60  # one line of ~1,400 characters in both bodies
    digest = weekly_digest()
    digest = replace(digest, courses=(replace(digest.courses[0], title=title),))
    message = build_message(digest, CONTACT, digest_links(digest, SETTINGS), SENDER)
    encodings = [part["Content-Transfer-Encoding"] for part in message.iter_parts()]
    raw = message.as_bytes()
    back = email.message_from_bytes(raw, policy=policy.default)

    assert encodings == ["quoted-printable", "quoted-printable"]
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    assert title.strip() in back.get_body(("plain",)).get_content()


def test_body_encoding_names_the_lightest_encoding_that_is_valid():
    assert body_encoding("Hello\n") == "7bit"
    assert body_encoding("Costs £450\n") == "8bit"
    assert body_encoding("x" * 998 + "\n") == "7bit"
    assert body_encoding("x" * 999 + "\n") == "quoted-printable"
    assert body_encoding("£" * 500 + "\n") == "quoted-printable"  # 1,000 octets in UTF-8


def standard_library_bodies(text: str, html: str) -> EmailMessage:
    message = EmailMessage(policy=POLICY)
    message.set_content(text, cte=body_encoding(text))
    message.add_alternative(html, subtype="html", cte=body_encoding(html))
    del message.get_payload()[1]["MIME-Version"]  # CPython repeats it in the added part
    return message


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("Hello Ada,\nCosts £450.\n", "<p>Costs &pound;450 or £450</p>"),
        ("plain ASCII\r\nwith CRLF\rand CR", "<p>" + "x" * 1200 + "</p>\n"),
        ("", "<p>\n\n</p>\n\n"),
    ],
)
def test_set_bodies_makes_what_set_content_and_add_alternative_make(text, html):
    ours = EmailMessage(policy=POLICY)
    set_bodies(ours, text, html)
    theirs = standard_library_bodies(text, html)

    def without_boundary(message: EmailMessage) -> bytes:
        raw = message.as_bytes()
        return raw.replace(message.get_boundary().encode(), b"BOUNDARY")

    assert without_boundary(ours) == without_boundary(theirs)
    assert ours.get_body(("plain",)).get_content() == theirs.get_body(("plain",)).get_content()
    assert ours.get_body(("html",)).get_content() == theirs.get_body(("html",)).get_content()


def test_messages_share_no_header_that_sending_changes():
    first, second = (
        build_message(weekly_digest(), CONTACT, digest_links(weekly_digest(), SETTINGS), SENDER)
        for _ in range(2)
    )
    first.as_bytes()  # the generator gives the flattened message a boundary
    assert first.get_boundary()
    assert second.get_boundary() is None
    assert second["Content-Type"].params == {}
