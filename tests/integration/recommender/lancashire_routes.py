"""A small Lancashire read model for the route tests: three occupations of the taxonomy copy
(a retail assistant's moves to data analysis and programming), four courses, Preston."""

from __future__ import annotations

from datetime import date, timedelta

from services.recommender import occupations, read_model
from shared.events import utcnow
from tests.integration.recommender.two_sectors import facts

SEPT = (date.today() + timedelta(days=60)).isoformat()
LATER = (date.today() + timedelta(days=120)).isoformat()
PRESTON = (53.759, -2.699)


def occupation(code: str, title: str, skills: list[str], **fields) -> dict:
    return {
        "code": code, "title": title, "isco_group": "", "technical_route": None,
        "typical_entry_level": None, "job_zone": 2, "education_level": None,
        "annual_earnings_gbp": 24_000.0, "automation_risk": 3.1,
        "essential_skills": [{"uri": f"urn:demo:{s}", "label": s} for s in skills],
        "optional_skills": [], "transitions": [], "labour_market": [], **fields,
    }  # fmt: skip


TAXONOMY = {
    "version": "test-1",
    "released_at": "2026-11-01T09:00:00+00:00",
    "occupations": [
        occupation("7111", "Sales and retail assistants", ["customer service", "spreadsheets"],
                   transitions=[{"code": "3544", "similarity": 0.42, "source": "esco-skills"},
                                {"code": "2134", "similarity": 0.35, "source": "esco-skills"}]),
        occupation("3544", "Data analysts", ["sql", "statistics", "python"],
                   typical_entry_level=3, job_zone=3, annual_earnings_gbp=32_000.0,
                   labour_market=[{"area": "LANCASHIRE", "soc_group": "354",
                                   "demand_index": 900.0, "median_pay_gbp": 31_000.0,
                                   "projected_change": "rise"}]),
        occupation("2134", "Programmers",
                   ["python", "version control", "quantum compilers", "type theory"],
                   job_zone=3, annual_earnings_gbp=38_000.0),
    ],
    "areas": [{"name": "LANCASHIRE", "pin": "Preston", "latitude": 53.759, "longitude": -2.699}],
}  # fmt: skip

COURSES = {
    1: dict(title="Level 3 Diploma in Data", rqf_level=3, qualification_type="BTEC",
            skills=["sql", "statistics"], cost_pence=250_000, funding="fee"),
    2: dict(title="Python for Data (short course)", rqf_level=3, qualification_type="Short course",
            skills=["python"], cost_pence=0, funding="fully-funded"),
    3: dict(title="Version control basics", rqf_level=2, qualification_type="Short course",
            skills=["version control"]),
    4: dict(title="Customer service skills", rqf_level=1, qualification_type="Short course",
            skills=["customer service"]),
}  # fmt: skip


def store(session, course_id: int, **content) -> None:
    read_model.record_course_published(session, course_id, 10 + course_id, ["title"], utcnow())
    body = {**facts(course_id, 10 + course_id, {}), "start_dates": [SEPT, LATER], **content}
    read_model.store_course_facts(session, body, utcnow())


LEARNER = {
    "rqf_level": 2, "age_band": "24+", "occupation_code": "7111", "postcode_district": "PR1",
    "goals": {"occupations": ["3544"], "sectors": [], "not_sure": False},
    "skills": [{"skill": "customer service", "level": 2}],
    "constraints": {"hours_per_week": 30},
}  # fmt: skip


def fill(session) -> None:
    """The taxonomy copy, Preston's centroid and the four courses."""
    occupations.replace_taxonomy(session, TAXONOMY)
    read_model.record_district_centroid(session, "PR1", PRESTON)
    for course_id, content in COURSES.items():
        store(session, course_id, **content)
