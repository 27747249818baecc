"""The seeded demo data set `make run` loads on the embedded default.

``generate(seed)`` builds Lancashire providers and campuses, a course catalogue, learners in
occupational clusters, their interactions with courses and the advisers who hold caseloads of
them. It is domain code (numpy and the standard library only) so any service, test or CLI can
call it, and it is deterministic: the same seed and sizes give an equal data set, and a
different seed gives a different one. Each part draws from its own child seed, so asking for more
learners leaves the catalogue unchanged.

Nothing in it can reach a real person: names are invented, addresses are at example.org, the
UKPRNs are made up and the fictional providers are marked in ``shared.demo.places``.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from shared.demo.catalogue import FUNDING, QUALIFICATIONS, generate_courses
from shared.demo.interactions import KINDS, generate_interactions, goal_sectors
from shared.demo.learners import EMAIL_DOMAIN, generate_advisers, generate_learners
from shared.demo.model import (
    DemoAdviser,
    DemoCampus,
    DemoCourse,
    DemoDataSet,
    DemoInteraction,
    DemoLearner,
    DemoProvider,
)
from shared.demo.places import PROVIDERS
from shared.demo.taxonomy import NO_OCCUPATION, OCCUPATION_SECTORS, OCCUPATIONS, SECTORS

__all__ = [
    "DEFAULT_REFERENCE",
    "EMAIL_DOMAIN",
    "FUNDING",
    "KINDS",
    "NO_OCCUPATION",
    "OCCUPATIONS",
    "OCCUPATION_SECTORS",
    "QUALIFICATIONS",
    "SECTORS",
    "DemoAdviser",
    "DemoCampus",
    "DemoCourse",
    "DemoDataSet",
    "DemoInteraction",
    "DemoLearner",
    "DemoProvider",
    "generate",
    "goal_sectors",
]

DEFAULT_REFERENCE = datetime(2026, 11, 1, tzinfo=UTC)
"""The fixed "now" the demo history ends at; never the wall clock, so output never drifts."""


def generate(
    seed: int = 7, learners: int = 1500, courses: int = 240, reference: datetime = DEFAULT_REFERENCE
) -> DemoDataSet:
    """Build the demo data set for ``seed``: ``courses`` courses, ``learners`` learners.

    ``seed`` must be a non-negative integer; ``reference`` must be timezone-aware (it is
    converted to UTC) and every interaction happens in the 18 months before it.
    """
    if seed < 0 or learners < 0 or courses < 0:
        raise ValueError("seed, learners and courses must not be negative")
    if reference.tzinfo is None or reference.utcoffset() is None:
        raise ValueError("reference must be timezone-aware")
    reference = reference.astimezone(UTC)
    catalogue_rng, learner_rng, interaction_rng, adviser_rng = (
        np.random.default_rng(child) for child in np.random.SeedSequence(seed).spawn(4)
    )
    course_set = generate_courses(catalogue_rng, courses)
    learner_set = generate_learners(learner_rng, learners)
    return DemoDataSet(
        providers=PROVIDERS,
        courses=course_set,
        learners=learner_set,
        interactions=generate_interactions(interaction_rng, learner_set, course_set, reference),
        advisers=generate_advisers(adviser_rng, learner_set),
    )
