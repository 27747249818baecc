"""The digest's HTML part and the learner pages, rendered in headless Chromium: headings and
link texts visible, text contrast at WCAG AA, nothing fetched from outside, no images, no
sideways scrolling on a phone; screenshots in the test artefacts (test-artifacts/notifier/)."""

from __future__ import annotations

import email
from email import policy

from services.notifier.email_links import digest_links
from services.notifier.messages import build_message
from services.notifier.settings import NotifierSettings
from shared.links import make_token
from tests.integration.notifier_web.browser import CONTRAST_JS, MIN_CONTRAST, screenshot
from tests.unit.notifier.digest_bodies import CONTACT, weekly_digest

pytest_plugins = ["tests.integration.notifier_web.browser"]

SETTINGS = NotifierSettings.from_env(
    {}, overrides={"secret_key": "browser-secret", "public_url": "https://notify.routeways.example"}
)


def digest_html() -> str:
    digest = weekly_digest()
    message = build_message(
        digest, CONTACT, digest_links(digest, SETTINGS), "Routeways <s@routeways.example>"
    )
    parsed = email.message_from_bytes(message.as_bytes(), policy=policy.default)
    return parsed.get_body(("html",)).get_content()


def assert_readable(page, asked) -> None:
    worst = page.evaluate(CONTRAST_JS)
    assert worst, "no text on the page"
    assert worst[0]["ratio"] >= MIN_CONTRAST, worst[:3]
    assert page.locator("img").count() == 0
    assert asked == []  # no external assets: nothing was fetched


def test_the_digest_shows_its_headings_courses_and_links(page_offline):
    page, asked = page_offline
    page.set_content(digest_html())

    assert page.get_by_role(
        "heading", level=1, name="Your course suggestions this week"
    ).is_visible()
    assert page.get_by_role(
        "heading", level=2, name="Your best route to nurse responsible for general care"
    ).is_visible()
    assert page.get_by_role("heading", level=2, name="Courses for you").is_visible()
    for title in ("Access to HE Diploma (Health Professions)", "T Level in Health",
                  "BSc (Hons) Adult Nursing"):  # fmt: skip
        assert page.get_by_role("heading", level=3, name=title).is_visible()
        assert page.get_by_role("link", name=f"I'm interested in {title}").is_visible()
        assert page.get_by_role("link", name=f"{title} is not for me").is_visible()
    assert page.get_by_role("link", name="Manage your email preferences").is_visible()
    assert page.get_by_role("link", name="Unsubscribe from course suggestions").is_visible()
    assert page.get_by_text("Cost to you after funding: £450").is_visible()
    assert_readable(page, asked)
    assert screenshot(page, "digest-weekly").stat().st_size > 10_000


def test_the_digest_fits_a_phone_screen(page_offline):
    page, asked = page_offline
    page.set_viewport_size({"width": 360, "height": 740})
    page.set_content(digest_html())

    assert page.evaluate("document.scrollingElement.scrollWidth") <= 360
    assert page.get_by_role("link", name="I'm interested in T Level in Health").is_visible()
    screenshot(page, "digest-weekly-phone")
    assert asked == []


def test_the_feedback_and_unsubscribe_pages_are_readable(page_offline):
    from services.notifier import create_app

    app = create_app({"secret_key": "browser-secret"})
    client = app.test_client()
    page, asked = page_offline
    feedback = make_token("browser-secret", "feedback", 881, c=4127)
    unsubscribe = make_token("browser-secret", "unsubscribe", 881)
    pages = {
        "page-feedback": (f"/feedback/{feedback}?kind=interested", "Yes, I'm interested"),
        "page-unsubscribe": (f"/unsubscribe/{unsubscribe}", "Unsubscribe"),
        "page-link-refused": (f"/feedback/{feedback}tampered", None),
    }
    for name, (url, button) in pages.items():
        page.set_content(client.get(url).text)
        assert page.get_by_role("heading", level=1).is_visible()
        if button:
            assert page.get_by_role("button", name=button).is_visible()
        assert_readable(page, asked)
        screenshot(page, name)
    app.extensions["routeways.db"].dispose()


def test_the_adviser_summary_shows_each_learner_with_a_link_to_the_console(page_offline):
    from services.notifier.adviser_summaries import AdviserContact, summaries
    from services.notifier.adviser_summaries import build_message as build_summary
    from services.notifier.digests import route_line
    from tests.unit.notifier.digest_bodies import ROUTES

    adviser = AdviserContact(7, "Joanne Whittaker", "joanne@example.org",
                             ((11, "Aisha Khan"), (12, "Tom Walsh")))  # fmt: skip
    [summary] = summaries(
        [adviser], {11: ("shorter",), 12: ("no-route",)}, {11: route_line(ROUTES, {})},
        "2026-W49", "https://console.routeways.example/console/learners/{learner_id}",
    )  # fmt: skip
    raw = build_summary(summary, "Routeways <s@routeways.example>").as_bytes()
    html = email.message_from_bytes(raw, policy=policy.default).get_body(("html",)).get_content()
    page, asked = page_offline
    page.set_content(html)

    assert page.get_by_role("heading", level=1, name="Your learners this week").is_visible()
    for name in ("Aisha Khan", "Tom Walsh"):
        assert page.get_by_role("heading", level=2, name=name).is_visible()
        assert page.get_by_role("link", name=f"Open {name} in the console").is_visible()
    assert_readable(page, asked)
    screenshot(page, "adviser-summary")
