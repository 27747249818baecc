"""Adviser summaries as plain Python: who gets one, what it says, and headers nobody can bend."""

from __future__ import annotations

import email
from datetime import UTC, datetime
from email import policy

from services.notifier.adviser_summaries import (
    AdviserContact,
    build_message,
    summaries,
)
from services.notifier.digests import route_line
from tests.unit.notifier.digest_bodies import ROUTES

CONSOLE = "https://console.routeways.example/console/learners/{learner_id}"
SENDER = "Routeways <suggestions@routeways.example>"
NOW = datetime(2026, 11, 30, 7, 30, tzinfo=UTC)


def joanne(*learners) -> AdviserContact:
    return AdviserContact(7, "Joanne Whittaker", "joanne@example.org", tuple(learners))


def test_an_adviser_gets_a_summary_of_the_caseload_learners_whose_routes_changed():
    changes = {11: ("shorter",), 12: ("no-route", "new-best-route")}
    routes = {11: route_line(ROUTES, {}), 12: None}
    advisers = [joanne((11, "Aisha Khan"), (12, "Tom Walsh"), (13, "Una Changed"))]

    [summary] = summaries(advisers, changes, routes, "2026-W49", CONSOLE)

    assert summary.summary_id == "adviser-summary-7-2026-W49"
    assert [(n.learner_id, n.name, n.changes) for n in summary.learners] == [
        (11, "Aisha Khan", ("shorter",)),
        (12, "Tom Walsh", ("no-route", "new-best-route")),
    ]
    assert summary.learners[0].console_url.endswith("/console/learners/11")
    assert summary.learners[0].route.target_title == "nurse responsible for general care"


def test_an_adviser_none_of_whose_learners_changed_gets_nothing():
    assert (
        summaries([joanne((13, "Una Changed"))], {11: ("shorter",)}, {}, "2026-W49", CONSOLE) == []
    )


def parsed(summary) -> email.message.EmailMessage:
    raw = build_message(summary, SENDER, now=NOW).as_bytes()
    return email.message_from_bytes(raw, policy=policy.default)


def test_the_summary_email_names_each_learner_what_changed_their_route_and_console_link():
    changes = {11: ("shorter",), 12: ("no-route",)}
    routes = {11: route_line(ROUTES, {}), 12: None}
    [summary] = summaries(
        [joanne((11, "Aisha Khan"), (12, "Tom Walsh"))], changes, routes, "2026-W49", CONSOLE
    )

    message = parsed(summary)

    assert message["To"] == "Joanne Whittaker <joanne@example.org>"
    assert message["Message-ID"] == "<adviser-summary-7-2026-W49@routeways.example>"
    assert message["Subject"] == (
        "Routeways: 2 learners in your caseload with new or changed routes (2026-W49)"
    )
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for part in (text, html):
        assert "Aisha Khan" in part
        assert "Tom Walsh" in part
        assert "a shorter route" in part
        assert "no route found any more" in part
        assert "to nurse responsible for general care, 43 months" in part
        assert "https://console.routeways.example/console/learners/11" in part
        assert "https://console.routeways.example/console/learners/12" in part


def test_names_cannot_add_headers_and_are_escaped_in_the_html():
    evil = "<script>alert(1)</script>\r\nBcc: eve@example.org"
    adviser = AdviserContact(7, "Jo\r\nBcc: eve@example.org", "joanne@example.org", ((11, evil),))
    [summary] = summaries([adviser], {11: ("shorter",)}, {}, "2026-W49", CONSOLE)

    message = parsed(summary)

    assert message["Bcc"] is None
    assert "\n" not in message["To"]
    html = message.get_body(("html",)).get_content()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
