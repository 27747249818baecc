"""The demo advisers: loaded with their caseloads, every tenth caseload learner withdrawn from
sharing (with the event a real withdrawal publishes), and a development-only password."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from services.demo_data import WITHDRAWN_EVERY, _load_advisers, demo_password, demo_sign_in
from services.profile import advisers
from services.profile.models import Adviser, CaseloadEntry, Learner, OutboxEvent
from shared.demo import generate
from tests.conftest import migrated

pytestmark = pytest.mark.usefixtures("quick_hashing")
SECRET = "demo-test-secret"


@pytest.fixture
def demo(database_url):
    """A migrated profile database holding the small demo data set's learners."""
    data = generate(7, learners=200, courses=20)
    database = migrated("profile", database_url)
    with database.session_scope() as session:
        for learner in data.learners:
            session.add(Learner(name=learner.name, email=learner.email, postcode=learner.postcode,
                                rqf_level=learner.rqf_level, share_with_adviser=True,
                                qualifications=[], skills=[], constraints={},
                                goal_occupations=list(learner.goals), goal_sectors=[]))  # fmt: skip
    yield database, data
    database.dispose()


def test_demo_advisers_get_their_caseloads_and_every_tenth_learner_withdraws(demo):
    database, data = demo

    with database.session_scope() as session:
        withdrawn = _load_advisers(session, data, "development", SECRET)

    expected = sum(len(a.learner_keys) // WITHDRAWN_EVERY for a in data.advisers)
    assert withdrawn == expected > 0
    with database.session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Adviser)) == len(data.advisers)
        assert session.scalar(select(func.count()).select_from(CaseloadEntry)) == sum(
            len(a.learner_keys) for a in data.advisers
        )
        first = advisers.find_adviser(session, data.advisers[0].email)
        page = advisers.caseload(session, first.id, limit=100)
        assert page.withdrawn == len(data.advisers[0].learner_keys) // WITHDRAWN_EVERY
        assert page.total == len(data.advisers[0].learner_keys) - page.withdrawn
        updates = session.scalar(
            select(func.count())
            .select_from(OutboxEvent)
            .where(OutboxEvent.type == "profile.learner.updated")
        )
        assert updates == withdrawn
        sign_in = demo_sign_in(session, data, "development")
    assert sign_in is not None
    assert sign_in.email == data.advisers[0].email
    assert sign_in.password == demo_password(data.advisers[0].key)


def test_with_production_settings_no_demo_adviser_gets_a_password(demo):
    database, data = demo

    with database.session_scope() as session:
        _load_advisers(session, data, "production", SECRET)

    with database.session_scope() as session:
        hashes = session.scalars(select(Adviser.password_hash)).all()
        assert len(hashes) == len(data.advisers)
        assert set(hashes) == {None}
        assert demo_sign_in(session, data, "production") is None
