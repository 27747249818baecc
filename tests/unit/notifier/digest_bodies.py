"""The services' answers a digest is composed from, in the shapes their schemas give
(recommender: RecommendationsSchema, RoutesSchema; catalogue: CourseSchema, ProviderSchema)."""

from __future__ import annotations

from datetime import date

from services.notifier.digests import Contact, compose

LEARNER = 881
TODAY = date(2026, 11, 23)


def suggestion(course_id: int, provider_id: int, title: str, **fields) -> dict:
    return {
        "course_id": course_id, "provider_id": provider_id, "title": title, "score": 0.74,
        "components": {"collaborative": 0.8, "content": 0.6, "similar_learners": 0.3,
                       "popularity": 0.2, "feasibility": 1.0, "learners_taken": 12,
                       "similar_taken": 3, "goal_matches": ["nurse responsible for general care"]},
        "distance_km": 3.2, "cost_to_learner_pence": 0,
        "reason": "Suggested because it leads to nurse responsible for general care; "
                  "3 learners in your current occupation took it; 3.2 km away, free to you.",
        **fields,
    }  # fmt: skip


SUGGESTIONS = {
    "learner_id": LEARNER,
    "model_version": "als-20261127T0300Z",
    "items": [
        suggestion(4127, 12, "Access to HE Diploma (Health Professions)"),
        suggestion(3310, 7, "T Level in Health", distance_km=None, cost_to_learner_pence=45000,
                   reason="Suggested because 12 learners took it; £450.00 to you."),
        suggestion(518, 3, "BSc (Hons) Adult Nursing", distance_km=12.4),
    ],
}  # fmt: skip

ROUTES = {
    "learner_id": LEARNER,
    "target": {"code": "2221.1", "title": "nurse responsible for general care", "entry_level": 6,
               "essential_skills": ["provide personal care", "apply nursing care"],
               "area": "lancashire", "demand": 0.82},
    "routes": [{
        "score": 0.71,
        "summary": "2 courses to nurse responsible for general care in 43 months; 5 of its 6 "
                   "essential skills covered (you hold 1 now); nothing up front and £27,750 by "
                   "loan; at most 16 hours a week; the farthest campus 12.4 km away.",
        "components": {"skills": 0.83, "time": 0.4, "cost": 1.0, "travel": 0.8,
                       "collaborative": 0.2, "demand": 0.82},
        "totals": {"months": 43.0, "hours_per_week": 16.0, "cost_pence": 0,
                   "loan_pence": 2775000, "travel_km": 12.4, "skills_before": 1,
                   "skills_after": 5, "skills_total": 6, "share_before": 0.1667,
                   "share_after": 0.8333, "missing_skills": ["apply nursing care"]},
        "switches": [{"after_step": 1, "from_kind": "technical", "to_kind": "academic",
                      "description": "switches from technical to academic after step 1"}],
        "steps": [
            {"course_id": 4127, "provider_id": 12,
             "title": "Access to HE Diploma (Health Professions)",
             "qualification_type": "Access to HE Diploma", "route_kind": "technical",
             "rqf_level": 3, "delivery_mode": "classroom", "distance_km": 3.2,
             "start": "2027-01-11", "end": "2027-07-02", "duration_weeks": 25,
             "hours_per_week": 16.0, "cost_pence": 350000, "pays_pence": 0, "loan_pence": 0,
             "funding": "free to you: your first full level 3", "skills_added": [],
             "level_after": 3, "reasons": ["opens the degree to you"]},
            {"course_id": 518, "provider_id": 3, "title": "BSc (Hons) Adult Nursing",
             "qualification_type": "Bachelor's degree", "route_kind": "academic",
             "rqf_level": 6, "delivery_mode": "classroom", "distance_km": 12.4,
             "start": "2027-09-20", "end": "2030-06-30", "duration_weeks": 144,
             "hours_per_week": 16.0, "cost_pence": 2775000, "pays_pence": 0,
             "loan_pence": 2775000, "funding": "a tuition fee loan pays it",
             "skills_added": ["provide personal care"], "level_after": 6, "reasons": []},
        ],
    }],
    "reason": None,
    "weights": {"skills": 0.35, "time": 0.2, "cost": 0.15, "travel": 0.1,
                "collaborative": 0.1, "demand": 0.1},
    "search": {"exact": True, "explored": 412, "candidates": 38},
}  # fmt: skip


def course(course_id: int, provider: dict, title: str, **fields) -> dict:
    return {
        "id": course_id, "provider_id": provider["id"], "external_ref": f"REF-{course_id}",
        "title": title, "summary": "", "qualification_type": "Access to HE Diploma",
        "rqf_level": 3, "route_kind": "technical", "sector": "Health and science", "skills": [],
        "occupations": ["2221.1"], "entry_requirements": {}, "delivery_mode": "classroom",
        "study_mode": "full-time", "attendance_pattern": "daytime",
        "campus": {"name": "Preston campus", "postcode": "PR2 8UR", "latitude": 53.78,
                   "longitude": -2.7},
        "national": False, "duration_weeks": 36, "hours_per_week": 16.0,
        "start_dates": ["2026-09-07", "2027-01-11"], "cost_pence": 350000,
        "funding": "fully-funded", "employer_partners": [], "status": "published", "version": 3,
        "created_at": "2026-06-01T09:00:00+00:00", "updated_at": "2026-11-20T09:00:00+00:00",
        "withdrawn_at": None, "provider": provider, **fields,
    }  # fmt: skip


PRESTON = {"id": 12, "key": "prestons-college", "name": "Preston's College", "kind": "fe-college",
           "ukprn": "10005128", "website": "https://www.preston.ac.uk", "campuses": []}  # fmt: skip
BLACKBURN = {"id": 7, "key": "blackburn-college", "name": "Blackburn College",
             "kind": "fe-college", "ukprn": None, "website": None, "campuses": []}  # fmt: skip
UCLAN = {"id": 3, "key": "uclan", "name": "University of Central Lancashire",
         "kind": "university", "ukprn": "10007141", "website": "https://www.uclan.ac.uk",
         "campuses": []}  # fmt: skip

COURSES = {
    4127: course(4127, PRESTON, "Access to HE Diploma (Health Professions)"),
    3310: course(3310, BLACKBURN, "T Level in Health", delivery_mode="online", campus=None,
                 national=True, start_dates=[]),
    518: course(518, UCLAN, "BSc (Hons) Adult Nursing", qualification_type="Bachelor's degree",
                rqf_level=6, campus={"name": "Preston", "postcode": "PR1 2HE"},
                start_dates=["2027-09-20"]),
}  # fmt: skip

CONTACT = Contact(LEARNER, "aisha.khan@example.org", "Aisha Khan", True, "weekly")


def weekly_digest(**overrides):
    args = {"suggestions": SUGGESTIONS, "routes": ROUTES, "courses": COURSES, **overrides}
    return compose(LEARNER, "weekly", "2026-W48", today=TODAY, **args)
