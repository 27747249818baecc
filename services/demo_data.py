"""Loads the seeded demo data set through each service's own domain code.

Providers and courses go into the catalogue, learners and their interactions into the profile
service; both record their events in their outboxes as any real change would, so once the relays
run, the recommender's read model and the notifier fill from the bus. Loading is once only: a
service that already holds data is left alone.

Advisers come with their caseloads, and every tenth learner on a caseload has since withdrawn
sharing (a real `profile.learner.updated`), so the console shows that case. Outside production
each demo adviser's password is derived from their key (`demo_password`), so `routeways up` can
print one adviser's sign-in; with production settings no demo adviser gets a password.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session
from tqdm import tqdm

from services import load
from services.catalogue import courses as catalogue_courses
from services.catalogue.models import Campus, Course, Provider, TaxonomyVersion
from services.catalogue.taxonomy import import_demo_taxonomy
from services.catalogue.taxonomy.codes import taxonomy_codes
from services.profile import advisers as profile_advisers
from services.profile import interactions as profile_interactions
from services.profile import learners as profile_learners
from services.profile import taxonomy_cache
from services.profile.models import Adviser, Learner
from services.profile.taxonomy_cache import TaxonomySnapshot
from shared.demo import DemoCourse, DemoDataSet, DemoLearner, generate

#: Every tenth learner on a demo caseload has withdrawn sharing with their adviser.
WITHDRAWN_EVERY = 10


@dataclass(frozen=True)
class DemoSignIn:
    """One demo adviser's console sign-in, for the start-up message."""

    email: str
    password: str


def demo_password(adviser_key: str) -> str:
    """The development password of a demo adviser ("demo-caseload-A-01"): public by design,
    and never given with production settings."""
    return f"demo-caseload-{adviser_key}"


def load_demo_data(seed: int = 7, echo: Callable[[str], None] = print) -> DemoSignIn | None:
    """Generate the demo data set for `seed` and load what is not loaded yet; answer one demo
    adviser's sign-in when it works (None with production settings or a changed password)."""
    data = generate(seed)
    catalogue_db = load("catalogue").database()
    with catalogue_db.session_scope() as session:
        if session.scalar(select(TaxonomyVersion.id).limit(1)) is None:
            summary = import_demo_taxonomy(session)  # occupations and Lancashire districts
            echo(f"demo: taxonomy {summary.version} loaded")
    with catalogue_db.session_scope() as session:
        if session.scalar(select(Provider.id).limit(1)) is None:
            _load_catalogue(session, data)
            echo(f"demo: {len(data.providers)} providers, {len(data.courses)} courses loaded")
        codes = taxonomy_codes(session)
        course_ids = {
            ref: course_id
            for ref, course_id in session.execute(select(Course.external_ref, Course.id))
        }
    catalogue_db.dispose()

    profile_db = load("profile").database()
    with profile_db.session_scope() as session:
        if taxonomy_cache.cached_version(session) != codes["version"]:
            taxonomy_cache.replace_codes(session, TaxonomySnapshot.from_catalogue(codes))
    with profile_db.session_scope() as session:
        if session.scalar(select(Learner.id).limit(1)) is None:
            _load_profiles(session, data, course_ids)
            echo(
                f"demo: {len(data.learners)} learners, {len(data.interactions)} interactions loaded"
            )
        else:
            echo("demo: already loaded")
    settings = load("profile").settings()
    environment = settings.environment
    with profile_db.session_scope() as session:
        if session.scalar(select(Adviser.id).limit(1)) is None:
            withdrawn = _load_advisers(session, data, environment, settings.secret_key)
            echo(
                f"demo: {len(data.advisers)} advisers with caseloads loaded "
                f"({withdrawn} caseload learners have withdrawn sharing)"
            )
            if environment == "production":
                echo(
                    "demo: production settings, so no demo adviser has a password; "
                    "give one with `routeways profile password-link --adviser-email ...`"
                )
    with profile_db.session_scope() as session:
        sign_in = demo_sign_in(session, data, environment)
    profile_db.dispose()
    return sign_in


def _load_advisers(session: Session, data: DemoDataSet, environment: str, secret: str) -> int:
    """The demo advisers with their caseloads; every tenth caseload learner then withdraws
    sharing. Answers how many withdrew."""
    emails = {learner.key: learner.email for learner in data.learners}
    wanted = [emails[key] for adviser in data.advisers for key in adviser.learner_keys]
    found = session.execute(select(Learner.email, Learner.id).where(Learner.email.in_(wanted)))
    ids = {email: learner_id for email, learner_id in found}
    withdrawn = 0
    for demo in data.advisers:
        adviser, _link = profile_advisers.create_adviser(
            session, demo.name, demo.email, demo.organisation, secret
        )
        if environment != "production":
            profile_advisers.give_password(adviser, demo_password(demo.key))
        for position, key in enumerate(demo.learner_keys, start=1):
            learner_id = ids.get(emails[key])
            if learner_id is None:
                continue  # a learner erased since the demo was loaded
            profile_advisers.assign(session, adviser.id, learner_id)
            if position % WITHDRAWN_EVERY == 0:
                learner = profile_learners.get_learner(session, learner_id)
                changes = {"consent": {"share_with_adviser": False}}
                profile_learners.update_learner(session, learner, changes)
                withdrawn += 1
    return withdrawn


def demo_sign_in(session: Session, data: DemoDataSet, environment: str) -> DemoSignIn | None:
    """The first demo adviser's sign-in, if their demo password still works here."""
    if environment == "production" or not data.advisers:
        return None
    first = data.advisers[0]
    adviser = profile_advisers.find_adviser(session, first.email)
    password = demo_password(first.key)
    if adviser is None or not profile_advisers.password_matches(adviser, password):
        return None
    return DemoSignIn(adviser.email, password)


def _load_catalogue(session: Session, data: DemoDataSet) -> None:
    """Providers with their campuses, then each provider's courses as one bulk upsert."""
    for provider in tqdm(data.providers, desc="demo providers", unit="provider", leave=False):
        row = Provider(
            key=provider.key, name=provider.name, kind=provider.kind, ukprn=provider.ukprn
        )
        row.campuses = [Campus(name=c.name, postcode=c.postcode, latitude=c.latitude,
                               longitude=c.longitude) for c in provider.campuses]  # fmt: skip
        session.add(row)
        session.flush()
        rows = [course_row(c) for c in data.courses if c.provider_key == provider.key]
        result = catalogue_courses.upsert_courses(session, row.id, rows)
        rejected = [r for r in result.rows if r.outcome == "rejected"]
        if rejected:
            raise ValueError(
                f"demo course rejected: {rejected[0].external_ref} {rejected[0].errors}"
            )


#: The demo's finer funding kinds -> the catalogue's (both loans make a course loan-eligible).
FUNDING = {"advanced-learner-loan": "loan-eligible", "student-loan": "loan-eligible",
           "fee-paying": "fee"}  # fmt: skip


def course_row(course: DemoCourse) -> dict:
    """A demo course as the bulk row a provider would send."""
    return {
        "external_ref": course.key, "title": course.title, "summary": course.summary,
        "qualification_type": course.qualification_type, "rqf_level": course.rqf_level,
        "route_kind": course.route_kind, "sector": course.sector,
        "delivery_mode": course.delivery_mode, "campus": course.campus_name,
        "national": course.campus_name is None, "duration_weeks": course.duration_weeks,
        "hours_per_week": course.hours_per_week, "cost_pence": course.cost_pence,
        "funding": FUNDING.get(course.funding, course.funding),
        "skills": [{"skill": skill} for skill in course.skills],
        "occupations": list(course.occupations), "start_dates": list(course.start_dates),
        "study_mode": "part-time" if course.hours_per_week < 16 else "full-time",
    }  # fmt: skip


def demo_profile(learner: DemoLearner) -> dict:
    """A demo learner as the registration document the profile API takes."""
    emails = learner.digest_frequency != "never"
    return {
        "name": learner.name, "email": learner.email, "postcode": learner.postcode,
        "rqf_level": learner.rqf_level, "occupation_code": learner.occupation_code or None,
        "employment_status": "employed" if learner.occupation_code else "in-education",
        "route_preference": learner.route_preference,
        "goals": {"occupations": list(learner.goals), "sectors": [], "not_sure": not learner.goals},
        "constraints": {"max_travel_km": learner.max_travel_km,
                        "hours_per_week": learner.hours_per_week},
        "consent": {"suggestion_emails": emails,
                    "frequency": learner.digest_frequency if emails else "weekly",
                    "share_with_adviser": True},
    }  # fmt: skip


def _load_profiles(session: Session, data: DemoDataSet, course_ids: dict[str, int]) -> None:
    learner_ids = {}
    for learner in tqdm(data.learners, desc="demo learners", unit="learner", leave=False):
        learner_ids[learner.key] = profile_learners.register_learner(
            session, demo_profile(learner)
        ).id
    for interaction in tqdm(data.interactions, desc="demo interactions", unit="event", leave=False):
        profile_interactions.record_interaction(
            session,
            learner_ids[interaction.learner_key],
            profile_interactions.NewInteraction(
                course_id=course_ids[interaction.course_key],
                kind=interaction.kind,
                source="demo",
                occurred_at=interaction.occurred_at,
            ),
        )
