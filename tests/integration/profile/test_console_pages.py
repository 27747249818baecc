"""The adviser console's pages through Flask's test client, on a real Redis and the test
databases, with a stand-in recommender and catalogue over real HTTP: signing in and out (CSRF,
lock-out, idle timeout), the caseload (search, sort, flags), the learner page (profile, routes
drawn as SVG with every step's facts, career changes without a target), and a service that is
down (a sentence on the page, never an error page)."""

from __future__ import annotations

import pytest

from services.profile.resources.access import SESSION_SEEN
from tests.integration.profile.conftest_console import console_sign_in, csrf_token

pytest_plugins = ["tests.integration.profile.conftest_console"]
pytestmark = pytest.mark.usefixtures("quick_hashing")


def text(response) -> str:
    return response.get_data(as_text=True)


# --- signing in and out ----------------------------------------------------------------------


def test_signing_in_opens_the_caseload_with_an_httponly_samesite_cookie(console_app, caseload):
    client = console_app.test_client()
    response = console_sign_in(client, caseload.email)

    assert response.status_code == 302
    assert response.headers["Location"] == "/console/caseload"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Aisha Khan" in text(client.get("/console/caseload"))


def test_a_sign_in_form_without_its_csrf_token_is_refused_naming_the_token(console_app, caseload):
    client = console_app.test_client()
    client.get("/console/sign-in")
    response = client.post(
        "/console/sign-in", data={"email": caseload.email, "password": "whatever it is"}
    )

    assert response.status_code == 400
    assert "csrf_token" in text(response)
    assert "This form has expired" in text(response)


def test_a_wrong_password_says_so_without_naming_which_part_was_wrong(console_app, caseload):
    response = console_sign_in(console_app.test_client(), caseload.email, "not the password")

    assert response.status_code == 401
    assert "the email address or the password is not right" in text(response)
    assert 'aria-invalid="true"' in text(response)


def test_repeated_wrong_passwords_lock_the_account_and_the_page_says_for_how_long(
    console_app, caseload
):
    client = console_app.test_client()
    statuses = [
        console_sign_in(client, caseload.email, "not the password").status_code for _ in range(5)
    ]
    locked = console_sign_in(client, caseload.email)  # even the right password now

    assert statuses == [401, 401, 401, 401, 429]
    assert locked.status_code == 429
    assert "this account is locked; try again in 15 minutes" in text(locked)


def test_empty_fields_name_each_field_and_reason(console_app, caseload):
    response = console_sign_in(console_app.test_client(), "", "")

    assert response.status_code == 400
    assert "Email address: enter your email address" in text(response)
    assert "Password: enter your password" in text(response)


def test_pages_need_a_signed_in_adviser_and_come_back_after_sign_in(console_app, caseload):
    client = console_app.test_client()
    learner = caseload.learners["aisha"]
    response = client.get(f"/console/learners/{learner}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/console/sign-in?next=")

    back = console_sign_in(client, caseload.email, next=f"/console/learners/{learner}")
    assert back.headers["Location"] == f"/console/learners/{learner}"


def test_next_never_leads_off_the_console(console_app, caseload):
    response = console_sign_in(
        console_app.test_client(), caseload.email, next="https://evil.example/console/x"
    )
    assert response.headers["Location"] == "/console/caseload"


def test_an_idle_session_ends_and_the_sign_in_page_says_why(console):
    with console.session_transaction() as session:
        session[SESSION_SEEN] = 0  # idle since 1970

    response = console.get("/console/caseload", follow_redirects=True)

    assert "Your session timed out; sign in again." in text(response)
    assert "Aisha Khan" not in text(response)


def test_signing_out_needs_the_form_token_and_ends_the_session(console):
    assert console.post("/console/sign-out").status_code == 400
    page = text(console.get("/console/caseload"))

    response = console.post("/console/sign-out", data={"csrf_token": csrf_token(page)})

    assert response.headers["Location"] == "/console/sign-in"
    assert console.get("/console/caseload").status_code == 302


# --- the caseload ----------------------------------------------------------------------------


def test_the_caseload_lists_only_the_advisers_learners_with_their_flags(console):
    page = text(console.get("/console/caseload"))

    assert "Aisha Khan" in page
    assert "Ben Ashworth" in page
    assert "Cara Duckworth" in page
    assert "Dan Entwistle" not in page
    assert "No goal yet" in page
    assert "Suggestion emails off" in page
    assert "3 learners" in page


def test_the_caseload_searches_and_sorts(console):
    found = text(console.get("/console/caseload?q=bb1"))
    assert "Ben Ashworth" in found
    assert "Aisha Khan" not in found

    backwards = text(console.get("/console/caseload?sort=-name"))
    assert backwards.index("Cara Duckworth") < backwards.index("Aisha Khan")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("sort=shoe-size", "Sort by"),
        ("page=0", "Page"),
        ("page=two", "Page"),
        ("q=" + "x" * 201, "Search"),
    ],
)
def test_a_bad_caseload_query_names_the_field_and_reason(console, query, field):
    response = console.get(f"/console/caseload?{query}")

    assert response.status_code == 400
    assert f"{field}: " in text(response)


# --- the learner page ------------------------------------------------------------------------


def test_the_learner_page_shows_the_routes_as_an_svg_timeline_with_each_steps_facts(
    console, caseload, stand_in
):
    page = text(console.get(f"/console/learners/{caseload.learners['aisha']}"))

    assert "<svg" in page
    assert 'role="img"' in page
    assert "Access to HE Diploma (Health Professions)" in page
    assert "Preston College" in page
    assert "University of Central Lancashire" in page
    assert "11 Jan 2027 to 9 Jul 2027" in page
    assert "£0 up front, £3,000 by loan" in page
    assert "4.2 km" in page
    assert "Meets the entry requirement for the nursing degree" in page
    assert "nurse responsible for general care" in page
    assert (
        "/learners/{}/routes".format(caseload.learners["aisha"]),
        {"max": "3"},
    ) in stand_in.asked


def test_a_learner_without_a_target_gets_career_changes(console, caseload):
    page = text(console.get(f"/console/learners/{caseload.learners['ben']}"))

    assert "Career changes to consider from home care aide" in page
    assert "healthcare assistant" in page
    assert "62%" in page


def test_another_advisers_learner_is_not_found(console, caseload):
    response = console.get(f"/console/learners/{caseload.learners['dan']}")

    assert response.status_code == 404
    assert "in your caseload" in text(response)


def test_a_recommender_that_is_down_is_a_sentence_on_the_page_not_an_error(
    console, caseload, stand_in
):
    stand_in.down = True
    response = console.get(f"/console/learners/{caseload.learners['aisha']}")

    assert response.status_code == 200
    assert "Routes cannot be shown just now" in text(response)
    assert "Aisha Khan" in text(response)


def test_a_recommender_that_does_not_listen_is_a_sentence_too(console_app, caseload):
    console_app.extensions["routeways.console.sources"].urls["recommender"] = "http://127.0.0.1:9"
    client = console_app.test_client()
    console_sign_in(client, caseload.email)

    response = client.get(f"/console/learners/{caseload.learners['aisha']}")

    assert response.status_code == 200
    assert "the recommender is not answering" in text(response)


def test_console_pages_are_never_cached_and_load_nothing_from_elsewhere(console):
    response = console.get("/console/caseload")

    assert response.headers["Cache-Control"] == "no-store"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert "http" not in text(response).split("<body")[0].replace('href="/', "")


def test_a_form_posted_after_the_session_ended_comes_back_to_its_page_after_sign_in(
    console, caseload
):
    learner = caseload.learners["aisha"]
    page = text(console.get(f"/console/learners/{learner}"))
    with console.session_transaction() as session:
        session[SESSION_SEEN] = 0  # idle since 1970

    response = console.post(
        f"/console/learners/{learner}/actions",
        data={"csrf_token": csrf_token(page), "text": "Call back"},
        headers={"Referer": f"http://localhost/console/learners/{learner}"},
    )

    assert response.status_code == 302
    assert response.headers["Location"] == (f"/console/sign-in?next=/console/learners/{learner}")
