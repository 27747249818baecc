"""No input makes a console page fail: every field of every form, and the query strings, given
odd values (a NUL byte, which PostgreSQL cannot hold; huge, negative, non-numeric, non-ASCII,
LIKE wildcards, markup) answer a page below 500, and a refusal names the field."""

from __future__ import annotations

import pytest

from tests.integration.profile.conftest_console import console_sign_in, csrf_token

pytest_plugins = ["tests.integration.profile.conftest_console"]
pytestmark = pytest.mark.usefixtures("quick_hashing")

ODD = ["\x00", "nul\x00byte", "x" * 5000, "-1", "1e309", "99999999999999999999", "😀 ünïcødé",
       "%_\\", "<script>alert(1)</script>", " ", ""]  # fmt: skip
WHAT_IF_FIELDS = ("target", "max_travel_km", "route_preference", "hours_per_week", "budget_pounds")


@pytest.mark.parametrize("value", ODD)
def test_odd_sign_in_values_never_fail(console_app, caseload, value):
    for field in ("email", "password", "next"):
        client = console_app.test_client()
        form = {"email": caseload.email, "password": "whatever", field: value}
        response = console_sign_in(client, **form)
        assert response.status_code < 500, (field, value)


@pytest.mark.parametrize("value", ODD)
def test_odd_caseload_and_what_if_queries_never_fail(console, caseload, value):
    learner = caseload.learners["aisha"]
    for field in ("q", "sort", "page"):
        response = console.get("/console/caseload", query_string={field: value})
        assert response.status_code < 500, (field, value)
        if response.status_code == 400:
            assert "There is a problem" in response.get_data(as_text=True)
    for field in WHAT_IF_FIELDS:
        url = f"/console/learners/{learner}/what-if"
        response = console.get(url, query_string={field: value})
        assert response.status_code < 500, (field, value)


@pytest.mark.parametrize("value", ODD)
def test_odd_form_posts_never_fail(console, caseload, value):
    learner = caseload.learners["aisha"]
    token = csrf_token(console.get("/console/caseload").get_data(as_text=True))
    posts = {
        f"/console/learners/{learner}/actions": ("text", "due_on"),
        f"/console/learners/{learner}/what-if/save": (*WHAT_IF_FIELDS, "learner_agrees"),
        f"/console/learners/{learner}/shortlist": ("course_ids", "note", *WHAT_IF_FIELDS),
    }
    for url, fields in posts.items():
        for field in fields:
            form = {"csrf_token": token, "text": "Call", "learner_agrees": "y",
                    "learner_asked": "y", "course_ids": "101", field: value}  # fmt: skip
            response = console.post(url, data=form)
            assert response.status_code < 500, (url, field, value)
