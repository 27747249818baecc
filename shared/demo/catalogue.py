"""The demo course catalogue: qualification rules and the generator that follows them.

Each qualification type fixes its RQF levels, its route (academic, technical or both), who offers
it, how it is delivered and how it is paid for, so a generated course reads like one a Lancashire
provider would list: "HNC Cyber Security (HTQ)" at level 4 on a student loan, not an A level
in welding.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from shared.demo.model import DemoCourse, pick_weighted
from shared.demo.places import PROVIDER_PROFILES, ProviderProfile
from shared.demo.taxonomy import (
    A_LEVEL_SUBJECTS,
    AGRICULTURE,
    BUSINESS,
    CONSTRUCTION,
    CREATIVE,
    DIGITAL,
    EDUCATION,
    ENGINEERING,
    HEALTH,
    OCCUPATIONS,
    SECTORS,
    SUBJECTS,
    T_LEVELS,
    Subject,
)

FUNDING: tuple[str, ...] = (
    "free-16-19",
    "fully-funded",
    "advanced-learner-loan",
    "student-loan",
    "employer-funded",
    "fee-paying",
)
DELIVERY_MODES: tuple[str, ...] = ("classroom", "online", "blended", "workplace")
ROUTE_KINDS: tuple[str, ...] = ("academic", "technical", "both")

DEGREE_FEE_PENCE_PER_YEAR = 953_500
"""England's undergraduate tuition fee cap from 2025/26 (GBP 9,535), charged by universities."""


class Qualification(NamedTuple):
    """What a qualification type allows: levels, route, offer by provider kind and delivery."""

    levels: dict[int, float]
    route_kind: str
    offered_by: dict[str, float]
    delivery: dict[str, float]
    sectors: tuple[str, ...] = SECTORS


QUALIFICATIONS: dict[str, Qualification] = {
    "A level": Qualification(
        {3: 1}, "academic", {"fe-college": 1.0}, {"classroom": 1}, tuple(A_LEVEL_SUBJECTS)
    ),
    "T Level": Qualification({3: 1}, "technical", {"fe-college": 0.9}, {"classroom": 1}),
    "BTEC": Qualification(
        {2: 1, 3: 1.4}, "technical", {"fe-college": 1.6}, {"classroom": 0.85, "blended": 0.15}
    ),
    "Access to HE": Qualification(
        {3: 1}, "academic", {"fe-college": 0.8}, {"classroom": 0.6, "blended": 0.25, "online": 0.15}
    ),
    "HTQ": Qualification(
        {4: 1.5, 5: 1},
        "technical",
        {"fe-college": 0.8, "university": 0.4},
        {"classroom": 0.5, "blended": 0.4, "online": 0.1},
    ),
    "Foundation degree": Qualification(
        {5: 1}, "both", {"fe-college": 0.5, "university": 0.6}, {"classroom": 0.65, "blended": 0.35}
    ),
    "Bachelor's degree": Qualification(
        {6: 1},
        "academic",
        {"fe-college": 0.4, "university": 4.0},
        {"classroom": 0.85, "blended": 0.1, "online": 0.05},
    ),
    "Apprenticeship": Qualification(
        {2: 3, 3: 4, 4: 1.5, 5: 1, 6: 1},
        "technical",
        {"fe-college": 1.6, "university": 1.4, "itp": 2.0, "employer-academy": 3.0},
        {"workplace": 1},
    ),
    "Skills Bootcamp": Qualification(
        {3: 2, 4: 1, 5: 0.5},
        "technical",
        {"fe-college": 0.8, "itp": 1.5},
        {"online": 0.45, "blended": 0.35, "classroom": 0.2},
        (DIGITAL, ENGINEERING, CONSTRUCTION, BUSINESS, CREATIVE),
    ),
    "Short course": Qualification(
        {1: 1, 2: 1.5, 3: 1},
        "both",
        {"fe-college": 1.4, "university": 0.8, "itp": 1.0, "employer-academy": 1.0},
        {"classroom": 0.45, "online": 0.35, "blended": 0.2},
    ),
}

_ACCESS_TITLES = {
    DIGITAL: ("Computing",),
    ENGINEERING: ("Engineering",),
    HEALTH: ("Nursing and Midwifery", "Health Professions", "Science"),
    CONSTRUCTION: ("Construction and the Built Environment",),
    BUSINESS: ("Business",),
    EDUCATION: ("Education Professions",),
    AGRICULTURE: ("Science",),
    CREATIVE: ("Art and Design",),
}
_FOUNDATION_PREFIX = {"BSc": "FdSc", "BA": "FdA", "BEng": "FdEng"}


def _levels_for(qualification: str, kind: str) -> dict[int, float]:
    levels = QUALIFICATIONS[qualification].levels
    if qualification == "Apprenticeship" and kind == "university":
        # Universities deliver higher and degree apprenticeships only.
        return {lvl: w for lvl, w in levels.items() if lvl >= 4}
    return levels


def _fitting_subjects(sector: str, qualification: str, levels: dict[int, float]) -> list[Subject]:
    return [
        s
        for s in SUBJECTS[sector]
        if any(s.levels[0] <= lvl <= s.levels[1] for lvl in levels)
        and (not s.only or qualification in s.only)
    ]


def _title(
    rng: np.random.Generator, qualification: str, sector: str, subject: Subject, level: int
) -> str:
    name = subject.name
    if qualification == "A level":
        return f"A level {rng.choice(A_LEVEL_SUBJECTS[sector])}"
    if qualification == "T Level":
        return f"T Level in {rng.choice(T_LEVELS[sector])}"
    if qualification == "BTEC":
        return (
            f"BTEC Level 3 National Extended Diploma in {name}"
            if level == 3
            else f"BTEC Level 2 Diploma in {name}"
        )
    if qualification == "Access to HE":
        return f"Access to HE Diploma ({rng.choice(_ACCESS_TITLES[sector])})"
    if qualification == "HTQ":
        return f"{'HNC' if level == 4 else 'HND'} {name} (HTQ)"
    if qualification == "Foundation degree":
        return f"{_FOUNDATION_PREFIX[subject.degree]} {name}"
    if qualification == "Bachelor's degree":
        return f"{subject.degree} (Hons) {name}"
    if qualification == "Apprenticeship":
        kind = "Degree Apprenticeship" if level == 6 else "Apprenticeship"
        return f"{name} {kind} (Level {level})"
    if qualification == "Skills Bootcamp":
        return f"Skills Bootcamp in {name}"
    return {1: f"Introduction to {name}", 2: f"Level 2 Certificate in {name}"}.get(
        level, f"Level 3 Award in {name}"
    )


# Start dates after the demo's reference day (2026-11-01), in the shapes UK provision has:
# qualifications taught in academic years start in September; apprenticeships and bootcamps
# take cohorts through the year; short courses start often.
ACADEMIC_YEAR = ("2027-09-06",)
START_DATES = {
    "Apprenticeship": ("2027-01-11", "2027-04-19", "2027-09-06"),
    "Skills Bootcamp": ("2027-01-11", "2027-04-19", "2027-06-07"),
    "Short course": ("2026-11-16", "2027-01-11", "2027-03-01", "2027-04-26"),
    "Access to HE": ("2027-01-11", "2027-09-06"),
}


def _schedule(
    rng: np.random.Generator, qualification: str, level: int, mode: str
) -> tuple[int, int]:
    """(duration_weeks, hours_per_week); an academic year is about 35 teaching weeks."""
    part_time = rng.random() < 0.3
    if qualification in ("A level", "T Level"):
        return 70, 5 if qualification == "A level" else int(rng.integers(18, 23))
    if qualification == "BTEC":
        return (70 if level == 3 and rng.random() < 0.6 else 35), int(rng.integers(15, 19))
    if qualification == "Access to HE":
        return 35, int(rng.integers(8, 11)) if mode == "online" else int(rng.integers(12, 17))
    if qualification in ("HTQ", "Foundation degree"):
        full = 35 * (level - 3)
        if part_time:
            return full * 2, int(rng.integers(6, 10))
        return full, int(rng.integers(12, 16))
    if qualification == "Bachelor's degree":
        return (210, int(rng.integers(6, 9))) if part_time else (105, int(rng.integers(12, 17)))
    if qualification == "Apprenticeship":
        weeks = {2: (52, 56, 60, 65), 3: (78, 104, 130), 4: (104, 130, 156), 5: (104, 130, 156)}
        return int(rng.choice(weeks.get(level, (156, 182, 208)))), int(rng.integers(30, 38))
    if qualification == "Skills Bootcamp":
        return int(rng.integers(10, 17)), int(rng.integers(8, 17))
    return int(rng.integers(4, 13)), int(rng.integers(2, 7))


def _price(rng: np.random.Generator, qualification: str, level: int, kind: str) -> tuple[int, str]:
    """(cost_pence, funding): what the learner, or a loan in their name, pays in total."""
    # Fees follow the full-time years; part-time study spreads the same total over longer.
    years = {"HTQ": level - 3, "Foundation degree": 2}.get(qualification, 3)
    if qualification in ("A level", "T Level"):
        return 0, "free-16-19"
    if qualification in ("BTEC", "Skills Bootcamp"):
        return 0, "fully-funded"
    if qualification == "Apprenticeship":
        return 0, "employer-funded"
    if qualification == "Access to HE":
        return int(rng.integers(58, 77)) * 5_000, "advanced-learner-loan"  # GBP 2,900-3,800
    if qualification in ("HTQ", "Foundation degree", "Bachelor's degree"):
        per_year = (
            DEGREE_FEE_PENCE_PER_YEAR
            if kind == "university"
            else int(rng.integers(24, 37)) * 25_000
        )  # university centres: 6,000-9,000
        return per_year * years, "student-loan"
    if level <= 2 and rng.random() < 0.45:
        return 0, "fully-funded"  # the adult skills fund pays for many entry-level short courses
    low, high = (12, 91) if level <= 2 else (30, 131)
    return int(rng.integers(low, high)) * 500, "fee-paying"  # GBP 60-450 / 150-650


def _lower_first(title: str) -> str:
    return title if title[1:2].isupper() else title[:1].lower() + title[1:]


def _summary(
    course_title: str,
    provider: str,
    campus: str | None,
    mode: str,
    weeks: int,
    skills: tuple[str, ...],
    occupations: tuple[str, ...],
) -> str:
    where = f" at {campus}" if campus else ""
    how = {
        "classroom": "taught in the classroom",
        "online": "studied online",
        "blended": "taught partly on campus and partly online",
        "workplace": "learned mostly on the job",
    }[mode]
    roles = ", ".join(_lower_first(OCCUPATIONS[code]) for code in occupations)
    return (
        f"{course_title} with {provider}{where}, {how} over {weeks} weeks. "
        f"Covers {', '.join(skills[:-1])} and {skills[-1]}; "
        f"leads towards work such as {roles}."
    )


def _course(rng: np.random.Generator, profile: ProviderProfile, number: int) -> DemoCourse:
    provider = profile.provider
    sector = str(pick_weighted(rng, profile.sectors))
    offer = {}
    for name, rule in QUALIFICATIONS.items():
        weight = rule.offered_by.get(provider.kind, 0.0)
        if name == "A level" and not profile.a_levels:
            weight = 0.0
        levels = _levels_for(name, provider.kind)
        if sector in rule.sectors and _fitting_subjects(sector, name, levels):
            offer[name] = weight
    if not any(offer.values()):
        offer = {"Short course": 1.0}
    qualification = str(pick_weighted(rng, {k: w for k, w in offer.items() if w > 0}))
    rule = QUALIFICATIONS[qualification]
    levels = _levels_for(qualification, provider.kind)
    subjects = _fitting_subjects(sector, qualification, levels)
    subject = subjects[int(rng.integers(len(subjects)))]
    level = int(
        pick_weighted(
            rng,
            {lvl: w for lvl, w in levels.items() if subject.levels[0] <= lvl <= subject.levels[1]},
        )
    )
    mode = str(pick_weighted(rng, rule.delivery))
    campus = (
        None
        if mode == "online"
        else provider.campuses[int(rng.integers(len(provider.campuses)))].name
    )
    weeks, hours = _schedule(rng, qualification, level, mode)
    cost, funding = _price(rng, qualification, level, provider.kind)
    picked = np.sort(rng.choice(len(subject.skills), size=3, replace=False))
    skills = tuple(subject.skills[int(i)] for i in picked)
    title = _title(rng, qualification, sector, subject, level)
    if qualification == "A level":  # an A level teaches its subject, not a trade's skills
        skills = (title.removeprefix("A level ").lower(), "critical thinking", "independent study")
    elif qualification == "Access to HE":  # so does an Access course, plus the habits of study
        skills = (title[title.index("(") + 1 : -1].lower(), "academic writing", "study skills")
    return DemoCourse(
        key=f"{provider.key}-{number:04d}",
        provider_key=provider.key,
        title=title,
        summary=_summary(title, provider.name, campus, mode, weeks, skills, subject.occupations),
        qualification_type=qualification,
        rqf_level=level,
        route_kind=rule.route_kind,
        sector=sector,
        delivery_mode=mode,
        campus_name=campus,
        duration_weeks=weeks,
        hours_per_week=hours,
        cost_pence=cost,
        funding=funding,
        skills=skills,
        occupations=subject.occupations,
        start_dates=START_DATES.get(qualification, ACADEMIC_YEAR),
    )


def generate_courses(rng: np.random.Generator, count: int) -> tuple[DemoCourse, ...]:
    """``count`` courses shared among the providers by size; each provider gets one if it can.

    A provider re-draws a course whose title and campus it already lists (a few times), so the
    catalogue has the same title at different providers, as real ones do, but few duplicates.
    """
    weights = np.array([p.weight for p in PROVIDER_PROFILES], dtype=float)
    weights /= weights.sum()
    floor = 1 if count >= len(PROVIDER_PROFILES) else 0
    per_provider = floor + rng.multinomial(count - floor * len(PROVIDER_PROFILES), weights)
    courses: list[DemoCourse] = []
    for profile, quota in zip(PROVIDER_PROFILES, per_provider, strict=True):
        listed: set[tuple[str, str | None]] = set()
        for number in range(1, int(quota) + 1):
            for _ in range(6):
                course = _course(rng, profile, number)
                if (course.title, course.campus_name) not in listed:
                    break
            listed.add((course.title, course.campus_name))
            courses.append(course)
    return tuple(courses)
