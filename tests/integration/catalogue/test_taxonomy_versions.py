"""Taxonomy imports on SQLite and PostgreSQL: a run that changes rows records one version and one
`catalogue.taxonomy.updated` event in its transaction; the same inputs again change nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from services.catalogue.models import (
    LabourMarketSignal,
    Occupation,
    OccupationSkill,
    OccupationTransition,
    OutboxEvent,
    Skill,
    TaxonomyVersion,
)
from services.catalogue.taxonomy import import_demo_taxonomy, import_postcodes, import_taxonomy
from services.catalogue.taxonomy.demo import occupation_skill_links
from services.catalogue.taxonomy.transitions import skill_overlap_transitions
from shared.demo.taxonomy import OCCUPATIONS as DEMO_OCCUPATIONS
from tests.integration.catalogue.conftest import quiet


def run_import(db, data_dir):
    with db.session_scope() as session:
        return import_taxonomy(session, data_dir, quiet)


def published(db) -> list[dict]:
    with db.session_scope() as session:
        query = select(OutboxEvent).where(OutboxEvent.type == "catalogue.taxonomy.updated")
        return [event.payload for event in session.scalars(query.order_by(OutboxEvent.seq))]


def versions(db) -> list[str]:
    with db.session_scope() as session:
        return list(session.scalars(select(TaxonomyVersion.version).order_by(TaxonomyVersion.id)))


def test_first_import_stores_the_taxonomy_with_one_version_and_one_event(
    catalogue_db, make_open_data
):
    summary = run_import(catalogue_db, make_open_data())

    assert summary.changed
    assert summary.counts["occupations"] == 4
    assert summary.counts["skills"] == 5
    assert summary.counts["occupation_skills"] == 11
    assert summary.notes["links_skipped"] == 1
    assert summary.notes["signal_rows_skipped"] == 1
    assert versions(catalogue_db) == [summary.version]
    assert published(catalogue_db) == [{"version": summary.version, "counts": summary.counts}]


def test_same_inputs_again_change_no_row_record_no_version_and_publish_nothing(
    catalogue_db, make_open_data
):
    data_dir = make_open_data()
    first = run_import(catalogue_db, data_dir)

    second = run_import(catalogue_db, data_dir)

    assert not second.changed
    assert second.version == first.version
    assert all(sum(change.values()) == 0 for change in second.changes.values())
    assert versions(catalogue_db) == [first.version]
    assert len(published(catalogue_db)) == 1


def test_changed_input_updates_in_place_and_publishes_one_more_event(catalogue_db, make_open_data):
    first = run_import(catalogue_db, make_open_data())
    with catalogue_db.session_scope() as session:
        ids_before = dict(session.execute(select(Occupation.code, Occupation.id)).all())

    second = run_import(catalogue_db, make_open_data(titles={"2512.4": "software engineer"}))

    assert second.changed
    assert second.version != first.version
    assert second.changes["occupations"] == {"inserted": 0, "updated": 1, "deleted": 0}
    assert second.changes["occupation_skills"] == {"inserted": 0, "updated": 0, "deleted": 0}
    with catalogue_db.session_scope() as session:
        assert dict(session.execute(select(Occupation.code, Occupation.id)).all()) == ids_before
        renamed = session.scalar(select(Occupation.title).where(Occupation.code == "2512.4"))
    assert renamed == "software engineer"
    assert [event["version"] for event in published(catalogue_db)] == [
        first.version,
        second.version,
    ]


def test_returning_to_earlier_inputs_is_a_new_release_with_a_suffixed_version(
    catalogue_db, make_open_data
):
    original, renamed = make_open_data(), make_open_data(titles={"7212.3": "metal welder"})
    first = run_import(catalogue_db, original)
    run_import(catalogue_db, renamed)

    third = run_import(catalogue_db, original)

    assert third.changed
    assert third.version == f"{first.version}-2"
    assert len(published(catalogue_db)) == 3


def test_import_joins_nesta_routes_transitions_and_labour_market(catalogue_db, make_open_data):
    run_import(catalogue_db, make_open_data())

    with catalogue_db.session_scope() as session:
        developer = session.scalar(select(Occupation).where(Occupation.code == "2512.4"))
        kinds = dict(session.execute(select(Skill.label, Skill.kind)).all())
        moves = {
            (source, round(similarity, 2))
            for source, similarity in session.execute(
                select(OccupationTransition.source, OccupationTransition.similarity).where(
                    OccupationTransition.from_id == developer.id
                )
            )
        }
        areas = set(session.scalars(select(LabourMarketSignal.area)))
    assert (developer.technical_route, developer.job_zone, developer.education_level) == (
        "Digital",
        4,
        6,
    )
    assert developer.typical_entry_level == 6
    assert developer.automation_risk == 3.47
    assert kinds["Python (computer programming)"] == "knowledge"
    assert kinds["work in teams"] == "transversal"
    assert kinds["weld metal"] == "skill"
    assert ("onet", 0.88) in moves  # Primary-Short, rank 2
    assert ("esco-skills", 0.83) in moves  # to the ICT application developer
    assert areas == {"LANCASHIRE", "NORTH WEST ENGLAND"}


def test_occupations_no_longer_in_the_inputs_leave_with_their_links(catalogue_db, make_open_data):
    run_import(catalogue_db, make_open_data())

    with catalogue_db.session_scope() as session:
        summary = import_demo_taxonomy(session, quiet)

    assert summary.changes["occupations"]["deleted"] == 4
    with catalogue_db.session_scope() as session:
        codes = set(session.scalars(select(Occupation.code)))
        links = session.scalar(select(func.count()).select_from(OccupationSkill))
        moves = session.scalar(select(func.count()).select_from(OccupationTransition))
        skills = set(session.scalars(select(Skill.uri)))
    assert codes == set(DEMO_OCCUPATIONS)
    demo_links = occupation_skill_links()  # only the demo's own links and moves are left
    assert (links, moves) == (len(demo_links), len(skill_overlap_transitions(demo_links)))
    assert all(uri.startswith("urn:routeways:demo:skill:") for uri in skills)


def test_demo_taxonomy_imports_once(catalogue_db):
    with catalogue_db.session_scope() as session:
        first = import_demo_taxonomy(session, quiet)
    with catalogue_db.session_scope() as session:
        second = import_demo_taxonomy(session, quiet)

    assert first.changed
    assert not second.changed
    assert first.counts["occupations"] == len(DEMO_OCCUPATIONS)
    assert first.counts["postcode_districts"] > 0
    assert len(published(catalogue_db)) == 1


def test_postcode_import_alone_touches_only_the_districts(catalogue_db, make_open_data):
    data_dir = make_open_data()
    with catalogue_db.session_scope() as session:
        first = import_postcodes(session, data_dir)
    with catalogue_db.session_scope() as session:
        second = import_postcodes(session, data_dir)

    assert first.changes == {"postcode_districts": {"inserted": 2, "updated": 0, "deleted": 0}}
    assert first.counts["occupations"] == 0
    assert not second.changed
    assert len(published(catalogue_db)) == 1
