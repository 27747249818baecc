"""Loads the seeded demo data set through each service's own domain code.

Providers and courses go into the catalogue, learners and their interactions into the profile
service; both record their events in their outboxes as any real change would, so once the relays
run, the recommender's read model and the notifier fill from the bus. Loading is once only: a
service that already holds data is left alone. Advisers join when the profile service has them.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session
from tqdm import tqdm

from services import load
from services.catalogue import courses as catalogue_courses
from services.catalogue.models import Campus, Course, Provider, TaxonomyVersion
from services.catalogue.taxonomy import import_demo_taxonomy
from services.catalogue.taxonomy.codes import taxonomy_codes
from services.profile import interactions as profile_interactions
from services.profile import learners as profile_learners
from services.profile import taxonomy_cache
from services.profile.models import Learner
from services.profile.taxonomy_cache import TaxonomySnapshot
from shared.demo import DemoCourse, DemoDataSet, DemoLearner, generate


def load_demo_data(seed: int = 7, echo: Callable[[str], None] = print) -> None:
    """Generate the demo data set for `seed` and load what is not loaded yet."""
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
    profile_db.dispose()


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
