"""RFC 8058 one-click unsubscribe from the email's List-Unsubscribe header, followed on the
notifier against a real profile service: POST acts without a redirect, GET never does."""

from __future__ import annotations

import re

import pytest

from shared.links import make_token
from tests.integration.notifier_web.conftest import (
    SECRET,
    consent,
    digest_email,
    html_links,
    local,
)
from tests.integration.notifier_web.test_feedback_links import JSON

ONE_CLICK = {"List-Unsubscribe": "One-Click"}


def one_click_url(notifier, learner) -> str:
    header = digest_email(notifier, learner)["List-Unsubscribe"]
    https = [uri for uri in re.findall(r"<([^>]+)>", header) if uri.startswith("https:")]
    assert len(https) == 1, header
    return local(https[0])


def test_a_get_shows_a_confirm_button_and_never_unsubscribes(notifier, profile_client, learner):
    url = one_click_url(notifier, learner)

    for _ in range(3):  # a mail scanner, a preview pane, the learner
        page = notifier.get(url)
        assert page.status_code == 200
        assert 'method="post"' in page.text
        assert ">Unsubscribe</button>" in page.text

    assert consent(profile_client, learner)["suggestion_emails"] is True


def test_the_one_click_post_unsubscribes_without_a_redirect(notifier, profile_client, learner):
    url = one_click_url(notifier, learner)

    response = notifier.post(url, data=ONE_CLICK)

    assert response.status_code == 200
    assert "Location" not in response.headers
    assert "You are unsubscribed" in response.text
    assert consent(profile_client, learner)["suggestion_emails"] is False
    assert notifier.post(url, data=ONE_CLICK).status_code == 200  # a second click: same answer


def test_the_confirm_pages_form_and_the_footer_link_unsubscribe_too(
    notifier, profile_client, learner
):
    footer = {text: href for text, href, _ in html_links(digest_email(notifier, learner))}
    url = local(footer["Unsubscribe from course suggestions"])

    response = notifier.post(url, data={}, headers=JSON)

    assert response.status_code == 200
    assert response.json == {"unsubscribed": True}
    assert consent(profile_client, learner)["suggestion_emails"] is False


@pytest.mark.parametrize(
    ("make", "status"),
    [
        (lambda learner: make_token(SECRET, "unsubscribe", learner)[:-3] + "abc", 400),
        (lambda learner: make_token(SECRET, "feedback", learner, c=4127), 400),
        (lambda learner: make_token(SECRET, "manage", learner), 400),
        (lambda learner: make_token("another-key", "unsubscribe", learner), 400),
    ],
    ids=["altered", "feedback-token", "manage-token", "other-key"],
)
def test_tampered_links_are_refused_and_change_nothing(
    notifier, profile_client, learner, make, status
):
    url = f"/unsubscribe/{make(learner['id'])}"

    page = notifier.post(url, data=ONE_CLICK)
    problem = notifier.post(url, data=ONE_CLICK, headers=JSON)

    assert page.status_code == problem.status_code == status
    assert page.mimetype == "text/html"
    assert problem.mimetype == "application/problem+json"
    assert [e["field"] for e in problem.json["errors"]] == ["token"]
    assert consent(profile_client, learner)["suggestion_emails"] is True


def test_an_expired_link_is_refused(notifier, profile_client, learner, monkeypatch):
    from itsdangerous import TimestampSigner

    signed_at = TimestampSigner.get_timestamp
    with monkeypatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: signed_at(self) - 366 * 86400)
        token = make_token(SECRET, "unsubscribe", learner["id"])

    response = notifier.post(f"/unsubscribe/{token}", data=ONE_CLICK)

    assert response.status_code == 410
    assert "This link has expired" in response.text
    assert consent(profile_client, learner)["suggestion_emails"] is True


def test_a_profile_service_that_cannot_be_reached_is_a_503_to_retry(learner, redis_url, tmp_path):
    from services.notifier import create_app

    app = create_app(
        {
            "database_url": f"sqlite:///{tmp_path / 'n.sqlite3'}",
            "redis_url": redis_url,
            "secret_key": SECRET,
            "profile_url": "http://127.0.0.1:9",  # discard: nothing listens
        }
    )
    token = make_token(SECRET, "unsubscribe", learner["id"])

    response = app.test_client().post(f"/unsubscribe/{token}", data=ONE_CLICK)

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "120"
    assert "nothing was changed" in response.text
    app.extensions["routeways.db"].dispose()
