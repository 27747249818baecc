"""The recommender's copy of the occupation taxonomy without a server: swapping a whole export
document in (idempotent, never overwritten by an older one), the occupations, moves, demand and
areas read back, and how skills match. A SQLite file stands in for the database."""

from __future__ import annotations

import copy

import pytest

from services.recommender import occupations
from services.recommender.models import Base
from services.recommender.occupations import (
    Demand,
    InvalidTaxonomy,
    Occupation,
    OccupationSkill,
    Transition,
)
from shared.db import Database

ESCO = "http://data.europa.eu/esco/skill/"
PYTHON = {"uri": ESCO + "python", "label": "Python (computer programming)"}
DEBUG = {"uri": ESCO + "debug-software", "label": "debug software"}
TEAMS = {"uri": ESCO + "work-in-teams", "label": "work in teams"}


def entry(code: str, title: str, isco: str, **fields) -> dict:
    """One occupation as `GET /taxonomy/export` lists it; `fields` override."""
    return {
        "code": code, "title": title, "isco_group": isco, "technical_route": "Digital",
        "typical_entry_level": 6, "job_zone": 4, "education_level": 6,
        "annual_earnings_gbp": 42158.8, "automation_risk": 3.47,
        "essential_skills": [], "optional_skills": [], "transitions": [], "labour_market": [],
        **fields,
    }  # fmt: skip


def market(area: str, demand: float | None, pay: float = 30_000.0) -> dict:
    return {"area": area, "soc_group": "313", "demand_index": demand, "median_pay_gbp": pay,
            "projected_change": "rise"}  # fmt: skip


def document(version: str = "v1", released_at: str | None = "2026-11-01T09:00:00+00:00") -> dict:
    return {
        "version": version,
        "released_at": released_at,
        "occupations": [
            entry("2512.4", "software developer", "2512",
                  essential_skills=[PYTHON, DEBUG], optional_skills=[TEAMS],
                  transitions=[{"code": "3512.1", "similarity": 0.41, "source": "esco-skills"},
                               {"code": "2514.2", "similarity": 0.83, "source": "esco-skills"},
                               {"code": "3512.1", "similarity": 0.5, "source": "onet"},
                               {"code": "9999.9", "similarity": 0.9, "source": "onet"}],
                  labour_market=[market("LANCASHIRE", 300.0), market("GREATER MANCHESTER", 900)]),
            entry("2514.2", "ICT application developer", "2514", essential_skills=[PYTHON],
                  labour_market=[market("LANCASHIRE", 100.0)]),
            entry("3512.1", "ICT help desk agent", "3512", typical_entry_level=None,
                  automation_risk=None, essential_skills=[DEBUG, TEAMS],
                  labour_market=[market("LANCASHIRE", 867.0), market("CUMBRIA", None)]),
        ],
        "areas": [
            {"name": "LANCASHIRE", "pin": "Preston", "latitude": 53.759, "longitude": -2.699},
            {"name": "GREATER MANCHESTER", "pin": "Manchester", "latitude": 53.466667,
             "longitude": -2.233333},
            {"name": "CUMBRIA", "pin": "Custom", "latitude": 54.65, "longitude": -2.943},
        ],
    }  # fmt: skip


@pytest.fixture
def database(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'recommender.sqlite3'}")
    Base.metadata.create_all(database.engine)
    yield database
    database.dispose()


@pytest.fixture
def session(database):
    with database.session_scope() as session:
        yield session


@pytest.fixture
def copied(session):
    occupations.replace_taxonomy(session, document())
    return session


# --- the copy -----------------------------------------------------------------------------------


def test_a_document_fills_every_table_and_says_how_many_rows(session):
    counts = occupations.replace_taxonomy(session, document())

    # 9999.9 is kept as a row; reads leave a move to an occupation not held out
    assert counts == {"occupations": 3, "occupation_skills": 6, "transitions": 4, "demand": 5,
                      "areas": 3}  # fmt: skip
    assert occupations.copied_version(session) == "v1"
    assert occupations.counts(session) == counts


def test_the_same_version_again_writes_nothing(database):
    with database.session_scope() as session:
        occupations.replace_taxonomy(session, document())
    changed = document()
    changed["occupations"][0]["title"] = "a title the same version never had"

    with database.session_scope() as session:
        counts = occupations.replace_taxonomy(session, changed)
    with database.session_scope() as session:
        developer = occupations.occupation(session, "2512.4")

    assert counts["occupations"] == 3
    assert developer.title == "software developer"


def test_a_newer_version_replaces_the_whole_copy(database):
    with database.session_scope() as session:
        occupations.replace_taxonomy(session, document())
    newer = document("v2", "2026-11-20T09:00:00+00:00")
    newer["occupations"] = newer["occupations"][1:]

    with database.session_scope() as session:
        counts = occupations.replace_taxonomy(session, newer)
    with database.session_scope() as session:
        assert occupations.copied_version(session) == "v2"
        assert occupations.occupation(session, "2512.4") is None
        assert occupations.transitions_from(session, "2512.4") == []
        assert occupations.counts(session) == counts
    assert counts["occupations"] == 2


def test_an_older_version_arriving_late_never_overwrites_a_newer_copy(database):
    with database.session_scope() as session:
        occupations.replace_taxonomy(session, document("v2", "2026-11-20T09:00:00+00:00"))
    older = document("v1", "2026-11-01T09:00:00+00:00")
    older["occupations"] = older["occupations"][:1]

    with database.session_scope() as session:
        counts = occupations.replace_taxonomy(session, older)
    with database.session_scope() as session:
        assert occupations.copied_version(session) == "v2"
        assert set(occupations.occupations(session, ["2512.4", "2514.2", "3512.1"])) == {
            "2512.4", "2514.2", "3512.1",
        }  # fmt: skip
    assert counts["occupations"] == 3


def test_without_release_times_the_document_read_last_wins(database):
    with database.session_scope() as session:
        occupations.replace_taxonomy(session, document("v1", None))
    with database.session_scope() as session:
        occupations.replace_taxonomy(session, document("v2", None))
        assert occupations.copied_version(session) == "v2"


@pytest.mark.parametrize(
    ("damage", "named"),
    [
        (lambda d: d.pop("occupations"), "occupations"),
        (lambda d: d["occupations"][0].pop("code"), "code"),
        (lambda d: d["occupations"][1]["essential_skills"][0].pop("label"), "label"),
        (lambda d: d["occupations"][0]["transitions"][0].update(similarity="high"), "high"),
        (lambda d: d["areas"][0].pop("latitude"), "latitude"),
        (lambda d: d.update(released_at="yesterday"), "yesterday"),
        (lambda d: d.update(version=None), "version"),
    ],
)
def test_a_document_without_its_fields_is_refused_naming_what_is_missing(session, damage, named):
    broken = copy.deepcopy(document())
    damage(broken)

    with pytest.raises(InvalidTaxonomy, match=named):
        occupations.replace_taxonomy(session, broken)
    assert occupations.copied_version(session) is None


def test_area_names_are_kept_upper_case_and_times_without_a_zone_taken_as_utc(session):
    loose = document(released_at="2026-11-01T09:00:00")
    loose["areas"][0]["name"] = " Lancashire "
    loose["occupations"][2]["labour_market"][0]["area"] = "lancashire"
    occupations.replace_taxonomy(session, loose)

    area = occupations.area_of(session, 53.754842, -2.708077)

    assert area == "LANCASHIRE"
    assert occupations.demand(session, "3512.1", area).demand_index == 867.0
    later = document("v2", "2026-11-02T09:00:00+00:00")
    occupations.replace_taxonomy(session, later)
    assert occupations.copied_version(session) == "v2"


# --- reading it ---------------------------------------------------------------------------------


def test_an_occupation_comes_back_with_its_attributes_and_skills_by_label(copied):
    developer = occupations.occupation(copied, "2512.4")

    assert developer == Occupation(
        code="2512.4", title="software developer", isco_group="2512", technical_route="Digital",
        typical_entry_level=6, job_zone=4, education_level=6, annual_earnings_gbp=42158.8,
        automation_risk=3.47,
        essential_skills=(OccupationSkill(PYTHON["uri"], PYTHON["label"]),
                          OccupationSkill(DEBUG["uri"], DEBUG["label"])),
        optional_skills=(OccupationSkill(TEAMS["uri"], TEAMS["label"]),),
    )  # fmt: skip
    assert occupations.occupation(copied, "0000.0") is None


def test_missing_figures_stay_none(copied):
    agent = occupations.occupation(copied, "3512.1")

    assert (agent.typical_entry_level, agent.automation_risk) == (None, None)


def test_occupations_are_read_together_and_unknown_codes_left_out(copied, monkeypatch):
    monkeypatch.setattr(occupations, "CHUNK", 2)  # several chunks, same answer

    found = occupations.occupations(copied, ["3512.1", "2512.4", "2514.2", "nope", "2512.4"])

    assert sorted(found) == ["2512.4", "2514.2", "3512.1"]
    assert [s.label for s in found["3512.1"].essential_skills] == [
        "debug software", "work in teams",
    ]  # fmt: skip
    assert found["2514.2"].optional_skills == ()


def test_moves_come_most_similar_first_once_per_source_with_titles(copied):
    moves = occupations.transitions_from(copied, "2512.4")

    assert moves == [
        Transition("2514.2", "ICT application developer", 0.83, "esco-skills"),
        Transition("3512.1", "ICT help desk agent", 0.5, "onet"),
        Transition("3512.1", "ICT help desk agent", 0.41, "esco-skills"),
    ]
    assert occupations.transitions_from(copied, "3512.1") == []


def test_demand_is_found_by_area_in_any_case_and_spacing(copied):
    assert occupations.demand(copied, "3512.1", "  lancashire ") == Demand(
        "LANCASHIRE", 867.0, 30_000.0, "rise"
    )
    assert occupations.demand(copied, "3512.1", "Greater  Manchester") is None
    assert occupations.demand(copied, "0000.0", "LANCASHIRE") is None


def test_demand_share_ranks_the_occupation_among_the_areas(copied):
    assert occupations.demand_share(copied, "3512.1", "LANCASHIRE") == 1.0
    assert occupations.demand_share(copied, "2512.4", "LANCASHIRE") == pytest.approx(2 / 3)
    assert occupations.demand_share(copied, "2514.2", "LANCASHIRE") == pytest.approx(1 / 3)
    assert occupations.demand_share(copied, "3512.1", "CUMBRIA") == 0.0  # no figure
    assert occupations.demand_share(copied, "2512.4", None) == 0.0


def test_a_place_is_in_the_area_of_its_nearest_pin(copied):
    assert occupations.area_of(copied, 53.754842, -2.708077) == "LANCASHIRE"  # PR1, Preston
    assert occupations.area_of(copied, 53.4808, -2.2426) == "GREATER MANCHESTER"  # M1
    # Burnley (BB11) is nearer Preston's pin than Manchester's: right here, an approximation
    assert occupations.area_of(copied, 53.77265, -2.267867) == "LANCASHIRE"
    assert occupations.area_of(copied, 54.8925, -2.9329) == "CUMBRIA"  # Carlisle


def test_without_areas_no_place_has_one(session):
    assert occupations.area_of(session, 53.75, -2.7) is None


# --- matching skills ----------------------------------------------------------------------------


def test_skill_keys_are_stripped_and_casefolded():
    assert occupations.skill_key("  Python ") == "python"
    assert occupations.skill_key("STRASSE") == occupations.skill_key("straße")


def test_a_skill_matches_by_uri_or_by_label():
    skill = OccupationSkill(PYTHON["uri"], PYTHON["label"])
    keys = occupations.skill_keys(skill)

    assert keys == {PYTHON["uri"], "python (computer programming)"}
    assert occupations.skill_key("Python (Computer Programming)") in keys
    assert occupations.skill_key(PYTHON["uri"].upper()) in keys
    assert occupations.skill_key("python") not in keys  # a label is matched whole
