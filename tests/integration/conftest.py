"""Fixtures shared by the integration tests of several folders."""

from __future__ import annotations

import pytest

from tests.integration.web.conftest import ADMIN_TOKEN, make_app


@pytest.fixture
def catalogue_app(database_url, redis_url, redis_client):
    app = make_app("catalogue", database_url, redis_url, admin_token=ADMIN_TOKEN)
    yield app
    app.extensions["routeways.db"].dispose()


@pytest.fixture
def catalogue_client(catalogue_app):
    return catalogue_app.test_client()


#: The small taxonomy the profile tests' cache holds (as if fetched from the catalogue).
PROFILE_TAXONOMY = {
    "version": "test-taxonomy-1",
    "occupations": [
        {"code": "2512.4", "title": "software developer"},
        {"code": "3512.1", "title": "ICT help desk agent"},
        {"code": "5322.1", "title": "home care aide"},
        {"code": "2221.1", "title": "nurse responsible for general care"},
    ],
    "skills": [
        {
            "uri": "http://data.europa.eu/esco/skill/python",
            "label": "Python (computer programming)",
        },
        {"uri": "http://data.europa.eu/esco/skill/care", "label": "provide personal care"},
    ],
    "technical_routes": ["Digital", "Care services", "Health and science"],
    "postcode_districts": ["PR1", "PR2", "BB1", "LA1", "BL9", "FY1"],
}


def seed_profile_taxonomy(app, body: dict = PROFILE_TAXONOMY) -> None:
    """Fill the profile service's taxonomy cache, as the refresh task would."""
    from services.profile.taxonomy_cache import TaxonomySnapshot, replace_codes

    with app.extensions["routeways.db"].session_scope() as session:
        replace_codes(session, TaxonomySnapshot.from_catalogue(body))


@pytest.fixture
def profile_app(database_url, redis_url, redis_client):
    app = make_app("profile", database_url, redis_url, admin_token=ADMIN_TOKEN)
    seed_profile_taxonomy(app)
    yield app
    app.extensions["routeways.db"].dispose()


@pytest.fixture
def profile_client(profile_app):
    return profile_app.test_client()


def new_learner(**fields) -> dict:
    """A valid registration body; `fields` override."""
    return {
        "name": "Aisha Khan",
        "email": "aisha.khan@example.org",
        "postcode": "PR1 2HE",
        "date_of_birth": "1988-04-02",
        "employment_status": "employed",
        "occupation_code": "5322.1",
        "rqf_level": 2,
        "qualifications": [{"type": "NVQ", "subject": "Health and social care", "rqf_level": 2}],
        "skills": [{"skill": "http://data.europa.eu/esco/skill/care", "level": 4}],
        "goals": {"occupations": ["2221.1"], "sectors": ["Health and science"], "not_sure": False},
        "route_preference": "either",
        "wants_route_switch": True,
        "constraints": {"max_travel_km": 20, "delivery_modes": ["classroom", "blended"],
                        "hours_per_week": 10, "earliest_start": "2027-01-04", "budget_pence": 0},
        "consent": {"suggestion_emails": True, "frequency": "weekly", "share_with_adviser": True},
        **fields,
    }  # fmt: skip


def register(client, **fields) -> dict:
    """POST /learners; the answer (profile + manage_token)."""
    response = client.post("/learners", json=new_learner(**fields))
    assert response.status_code == 201, response.json
    return response.json


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}
