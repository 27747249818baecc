"""The adviser console in headless Chromium (Playwright, Debian's /usr/bin/chromium): axe-core
finds no accessibility violation on any page, every page is usable with the keyboard alone,
everything works with JavaScript turned off, nothing is fetched from elsewhere, and each page
is saved as a screenshot in test-artifacts/console/.

The profile app runs behind a real HTTP server with the stand-in recommender and catalogue of
`conftest_console` (the real ones are the end-to-end test's)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest

from tests.chromium import axe_violations, screenshot
from tests.integration.conftest import ADMIN_TOKEN, seed_profile_taxonomy
from tests.integration.profile.conftest import PASSWORD
from tests.integration.profile.conftest_catalogue import serving
from tests.integration.profile.conftest_console import (
    Caseload,
    StandIn,
    make_caseload,
    stand_in_app,
)
from tests.integration.web.conftest import make_app

pytest_plugins = ["tests.chromium"]
pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Site:
    url: str
    caseload: Caseload


@pytest.fixture(scope="module")
def site(tmp_path_factory, redis_url) -> Iterator[Site]:
    """The console over real HTTP, on its own SQLite file, with the stand-in services."""
    state = StandIn()
    with serving(stand_in_app(state)) as fake:
        state.url = fake.url
        database = f"sqlite:///{tmp_path_factory.mktemp('console') / 'profile.sqlite3'}"
        app = make_app(
            "profile", database, redis_url, admin_token=ADMIN_TOKEN,
            recommender_url=fake.url, catalogue_url=fake.url,
            login_rate_limit="200/minute",
        )  # fmt: skip
        seed_profile_taxonomy(app)
        caseload = make_caseload(app)
        with serving(app) as served:
            yield Site(served.url, caseload)
        app.extensions["routeways.db"].dispose()


@pytest.fixture
def context(browser, site):
    """A browser context (axe needs CSP bypassed to inject itself) that notes every request
    made to another origin."""
    context = browser.new_context(viewport={"width": 1100, "height": 900}, bypass_csp=True)
    context.elsewhere = []
    origin = urlsplit(site.url).netloc

    def note(request):
        if urlsplit(request.url).netloc != origin:
            context.elsewhere.append(request.url)

    context.on("request", note)
    yield context
    context.close()


def sign_in(page, site: Site) -> None:
    page.goto(f"{site.url}/console/sign-in")
    page.fill("#email", site.caseload.email)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url("**/console/caseload")


def check(page, axe_source: str, name: str) -> None:
    """No axe violation on the page; and its screenshot."""
    screenshot(page, "console", name)
    violations = axe_violations(page, axe_source)
    assert violations == [], f"{name}: {violations}"


def test_every_page_passes_axe_and_is_saved_as_a_screenshot(context, site, axe_source):
    page = context.new_page()
    learners = site.caseload.learners
    page.goto(f"{site.url}/console/sign-in")
    check(page, axe_source, "sign-in")
    page.fill("#email", site.caseload.email)
    page.fill("#password", "not the password")
    page.click("button:has-text('Sign in')")
    check(page, axe_source, "sign-in-refused")

    sign_in(page, site)
    check(page, axe_source, "caseload")
    page.goto(f"{site.url}/console/caseload?sort=shoe-size")
    check(page, axe_source, "caseload-bad-query")
    page.goto(f"{site.url}/console/learners/{learners['aisha']}")
    check(page, axe_source, "learner")
    page.goto(f"{site.url}/console/learners/{learners['ben']}")
    check(page, axe_source, "learner-career-changes")
    page.goto(
        f"{site.url}/console/learners/{learners['aisha']}/what-if?target=2221.1&max_travel_km=30"
        "&route_preference=academic&hours_per_week=12&budget_pounds=500"
    )
    check(page, axe_source, "what-if")
    page.goto(f"{site.url}/console/learners/{learners['aisha']}/what-if?max_travel_km=-1")
    check(page, axe_source, "what-if-refused")
    page.goto(f"{site.url}/console/learners/{learners['dan']}")
    check(page, axe_source, "not-found")

    assert context.elsewhere == []


def active(page) -> dict:
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            return {tag: el.tagName, id: el.id, text: (el.innerText || el.value || '').trim(),
                    outline: style.outlineStyle, shadow: style.boxShadow};
        }"""
    )


def tab_to(page, matches, limit: int = 60) -> dict:
    """Press Tab until the focused element matches; it must show that it has focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = active(page)
        if matches(now):
            assert now["outline"] != "none" or now["shadow"] != "none", now
            return now
    raise AssertionError("never reached with Tab")


def test_the_journey_works_with_the_keyboard_alone(context, site):
    page = context.new_page()
    page.goto(f"{site.url}/console/sign-in")
    skip = tab_to(page, lambda el: el["tag"] == "A")
    assert skip["text"] == "Skip to main content"
    tab_to(page, lambda el: el["id"] == "email")
    page.keyboard.type(site.caseload.email)
    tab_to(page, lambda el: el["id"] == "password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/console/caseload")

    tab_to(page, lambda el: el["text"] == "Skip to main content")
    page.keyboard.press("Enter")
    assert active(page)["id"] == "main"
    tab_to(page, lambda el: el["text"] == "Aisha Khan")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/console/learners/{site.caseload.learners['aisha']}")

    tab_to(page, lambda el: el["text"].startswith("What if"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/what-if")
    tab_to(page, lambda el: el["id"] == "max_travel_km")
    page.keyboard.press("Control+a")
    page.keyboard.type("35")
    page.keyboard.press("Enter")
    page.wait_for_selector("#results-title")
    assert "travel up to 35 km" in page.inner_text("main")

    tab_to(page, lambda el: el["id"] == "learner_agrees", limit=200)
    page.keyboard.press("Space")
    tab_to(page, lambda el: el["text"] == "Save to the profile")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/console/learners/{site.caseload.learners['aisha']}")
    assert "with their agreement" in page.inner_text("main")


def test_everything_works_with_javascript_turned_off(browser, site):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, site)
        learner = site.caseload.learners["aisha"]
        page.click("text=Aisha Khan")
        page.wait_for_url(f"**/console/learners/{learner}")
        page.fill("#text", "Visit the Access to HE open evening")
        page.fill("#due_on", "2027-02-01")
        page.click("button:has-text('Add to the plan')")
        assert "Visit the Access to HE open evening" in page.inner_text("#plan")
        page.click("text=Mark as done")
        assert "Mark as done" not in page.inner_text("#plan")

        page.click("text=What if")
        page.fill("#hours_per_week", "16")
        page.click("button:has-text('Show the routes')")
        assert "16 hours a week" in page.inner_text("main")
        page.check("#learner_agrees")
        page.click("button:has-text('Save to the profile')")
        assert "with their agreement" in page.inner_text("main")

        page.click("button:has-text('Sign out')")
        page.wait_for_url("**/console/sign-in")
        assert "You have signed out." in page.inner_text("main")
    finally:
        context.close()
