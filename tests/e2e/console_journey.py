"""The adviser's journey through the console, in a browser, against a running system: sign in,
find a learner with routes, run a what-if, save it with the learner's agreement, send a
shortlist, and find the email in the mail sink. The end-to-end test runs it against the system
`routeways up` starts (with the demo data set)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import requests
from tenacity import retry, retry_if_exception_type, stop_after_delay, wait_fixed

from tests.chromium import screenshot

#: What `routeways up` prints for the demo adviser.
SIGN_IN_LINE = re.compile(r"Demo adviser sign-in: email (\S+)\s+password (\S+)")


@dataclass(frozen=True)
class Journey:
    learner_id: int
    learner_name: str
    course_title: str
    subject: str


def sign_in(page, profile_url: str, email: str, password: str) -> None:
    page.goto(f"{profile_url}/console/sign-in")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button:has-text('Sign in')")
    page.wait_for_url("**/console/caseload")


# Routes reach the console after the demo's events have been handled and each learner's routes
# computed by the worker: on a loaded machine (CI runs other tests beside this one) that can be
# minutes after the read model is full, so the search is tried again until one shows.
@retry(
    stop=stop_after_delay(300),
    wait=wait_fixed(3),
    reraise=True,
    retry=retry_if_exception_type(AssertionError),
)
def learner_with_routes(page, profile_url: str) -> int:
    """The first learner of the caseload whose page shows a route and who takes emails."""
    page.goto(f"{profile_url}/console/caseload")
    ids = [int(i) for i in re.findall(r"/console/learners/(\d+)", page.content())]
    for learner_id in dict.fromkeys(ids):
        page.goto(f"{profile_url}/console/learners/{learner_id}")
        text = page.inner_text("main")
        if "Route 1:" in text and "Turned off" not in text:
            return learner_id
    raise AssertionError("no learner in the caseload has a route yet")


def run(page, profile_url: str, mail_url: str, email: str, password: str) -> Journey:
    sign_in(page, profile_url, email, password)
    screenshot(page, "console", "e2e-caseload")
    learner_id = learner_with_routes(page, profile_url)
    name = page.inner_text("h1")
    screenshot(page, "console", "e2e-learner")

    page.click("text=What if")
    page.fill("#max_travel_km", "40")
    page.fill("#hours_per_week", "16")
    page.click("button:has-text('Show the routes')")
    page.wait_for_selector("#results-title")
    assert "travel up to 40 km" in page.inner_text("main")
    screenshot(page, "console", "e2e-what-if")

    page.check("#learner_agrees")
    page.click("button:has-text('Save to the profile')")
    page.wait_for_url(f"**/console/learners/{learner_id}")
    assert "with their agreement" in page.inner_text("main")

    page.click("text=What if")
    page.click("button:has-text('Show the routes')")
    page.wait_for_selector("#shortlist-form")
    first = page.locator("input[name=course_ids]").first
    title = page.inner_text(f"label[for='{first.get_attribute('id')}']").strip()
    first.check()
    page.fill("#note", "As we discussed: ring the college about the next start date.")
    page.check("#learner_asked")
    page.click("button:has-text('Send the shortlist')")
    page.wait_for_url(f"**/console/learners/{learner_id}")
    assert "The shortlist is on its way" in page.inner_text("main")
    assert "Shortlist sent" in page.inner_text("#plan")
    screenshot(page, "console", "e2e-learner-after")
    subject = shortlist_email(mail_url, title)
    return Journey(learner_id, name, title, subject)


@retry(
    # The worker may first work through `up`'s start-up backlog (demo digests, district look-ups)
    stop=stop_after_delay(300),
    wait=wait_fixed(0.5),
    reraise=True,
    retry=retry_if_exception_type((AssertionError, requests.RequestException)),
)
def shortlist_email(mail_url: str, course_title: str) -> str:
    """The subject of the shortlist email in the sink that names `course_title`."""
    messages = requests.get(f"{mail_url}/api/messages", timeout=5).json()
    for message in messages:
        if "picked with you" in (message["subject"] or ""):
            body = requests.get(f"{mail_url}/messages/{message['key']}", timeout=5).text
            if course_title.replace("&", "&amp;") in body or course_title in body:
                return message["subject"]
    raise AssertionError("the shortlist email has not arrived yet")
