"""The embedded default's taxonomy rows: each demo occupation needs the skills of the subjects
that lead to it (labelled as the courses label them), has demo figures, moves to others by skill
overlap (the current-only jobs too), and Lancashire's demo demand; the same rows always make
the same version."""

from __future__ import annotations

from collections import defaultdict

from services.catalogue.taxonomy.demo import SKILL_URI_PREFIX, demo_rows, skill_uri
from services.catalogue.taxonomy.source_files import Inputs
from shared.demo import generate
from shared.demo.occupation_profiles import AREA, PROFILES
from shared.demo.taxonomy import OCCUPATION_SECTORS, OCCUPATIONS, SUBJECTS

CURRENT_ONLY = {"7111", "6135", "9252", "8214", "9264", "5434"}


def rows():
    return demo_rows(Inputs(None))


def essential(taxonomy) -> dict[str, set[str]]:
    labels = {uri: fields["label"] for uri, fields in taxonomy.skills.items()}
    needs = defaultdict(set)
    for (code, uri), relation in taxonomy.occupation_skills.items():
        if relation == "essential":
            needs[code].add(labels[uri])
    return needs


def test_every_demo_occupation_has_figures_and_the_profiles_name_no_other():
    assert set(PROFILES) == set(OCCUPATIONS)
    assert len({profile.isco_group for profile in PROFILES.values()}) == len(PROFILES)
    for fields in rows().occupations.values():
        assert 1 <= fields["typical_entry_level"] <= 8
        assert 1 <= fields["job_zone"] <= 5
        assert 15_000 < fields["annual_earnings_gbp"] < 60_000
        assert 2.7 < fields["automation_risk"] < 4.0  # Nesta's scale
        assert len(fields["isco_group"]) == 4


def test_goal_occupations_need_the_skills_of_the_subjects_leading_to_them():
    taught = defaultdict(set)
    for subjects in SUBJECTS.values():
        for subject in subjects:
            for code in subject.occupations:
                taught[code].update(subject.skills)

    needs = essential(rows())

    assert set(taught) >= set(OCCUPATION_SECTORS)
    for code, skills in taught.items():
        assert needs[code] == skills | set(PROFILES[code].skills), code


def test_current_only_occupations_have_transferable_skills_and_moves_out():
    taxonomy = rows()
    needs = essential(taxonomy)
    moves = defaultdict(list)
    for origin, target, source in taxonomy.transitions:
        assert source == "esco-skills"
        moves[origin].append(target)

    for code in CURRENT_ONLY:
        assert len(needs[code]) >= 3, code
        assert len(moves[code]) >= 2, code
    assert "9264" in moves["7111"]  # retail to waiting: customer service, teamwork
    assert "6136" in moves["6135"]  # care worker to senior care worker


def test_course_skills_are_occupation_skills_by_label():
    taxonomy = rows()
    labels = {fields["label"] for fields in taxonomy.skills.values()}
    courses = generate(seed=7, learners=0, courses=120).courses
    academic = {"A level", "Access to HE"}  # they teach their subject and study habits

    assert {
        s for subjects in SUBJECTS.values() for subject in subjects for s in subject.skills
    } <= labels
    assert {s for c in courses if c.qualification_type not in academic for s in c.skills} <= labels
    assert all(uri.startswith(SKILL_URI_PREFIX) for uri in taxonomy.skills)
    assert skill_uri("3d modelling") == SKILL_URI_PREFIX + "3d-modelling"
    assert skill_uri("person-centred care") == SKILL_URI_PREFIX + "person-centred-care"


def test_each_occupation_has_optional_skills_unless_they_are_essential_already():
    taxonomy = rows()
    needs = essential(taxonomy)
    for code, profile in PROFILES.items():
        assert profile.optional, code
        for label in profile.optional:
            expected = "essential" if label in needs[code] else "optional"
            assert taxonomy.occupation_skills[code, skill_uri(label)] == expected
    assert taxonomy.occupation_skills["2134", skill_uri("sql")] == "optional"


def test_lancashire_has_demo_demand_for_every_occupation_through_its_isco_group():
    taxonomy = rows()

    assert {(soc, area, route) for soc, area, route in taxonomy.signals} == {
        (code, AREA, "all") for code in OCCUPATIONS
    }
    assert taxonomy.soc_isco_links == {(code, p.isco_group) for code, p in PROFILES.items()}
    assert taxonomy.areas == {AREA: {"pin": "Preston", "latitude": 53.759, "longitude": -2.699}}


def test_the_same_demo_taxonomy_always_names_the_same_version():
    first, second = Inputs(None), Inputs(None)
    demo_rows(first)
    demo_rows(second)

    assert first.content_hash() == second.content_hash()
    assert set(first.digests) == {"demo/taxonomy"}
