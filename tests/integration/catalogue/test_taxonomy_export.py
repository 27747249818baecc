"""GET /taxonomy/export on SQLite and PostgreSQL: the whole taxonomy in one document (each
occupation with its skills, moves and labour market per area; the areas' pins), read with a
handful of queries whatever its size, with its version as the ETag and 304 for a client that
holds it; the demo taxonomy's and, when the open data are at hand, the real one's."""

from __future__ import annotations

import time
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from services.catalogue.models import LabourMarketSignal, SocIscoLink
from services.catalogue.taxonomy import import_demo_taxonomy, import_taxonomy
from shared.demo.taxonomy import OCCUPATIONS as DEMO_OCCUPATIONS
from tests.conftest import migrated
from tests.integration.catalogue.conftest import ESCO, quiet
from tests.integration.web.conftest import make_app

OCCUPATION_FIELDS = {
    "code", "title", "isco_group", "technical_route", "typical_entry_level", "job_zone",
    "education_level", "annual_earnings_gbp", "automation_risk", "essential_skills",
    "optional_skills", "transitions", "labour_market",
}  # fmt: skip


def import_small(app, folder, titles=None) -> str:
    with app.extensions["routeways.db"].session_scope() as session:
        return import_taxonomy(session, folder(titles), quiet).version


def by_code(body: dict) -> dict[str, dict]:
    return {occupation["code"]: occupation for occupation in body["occupations"]}


@contextmanager
def statements(app):
    """The SQL statements the app's engine runs inside the block, as a growing list."""
    engine = app.extensions["routeways.db"].engine
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def test_every_occupation_comes_with_its_skills_moves_and_labour_market(
    catalogue_app, catalogue_client, make_open_data
):
    version = import_small(catalogue_app, make_open_data)

    response = catalogue_client.get("/taxonomy/export")

    assert response.status_code == 200
    assert response.headers["ETag"] == f'"{version}"'
    assert response.headers["Cache-Control"] == "no-cache"
    body = response.json
    assert body["version"] == version
    assert body["released_at"].startswith("20")
    occupations = by_code(body)
    assert list(occupations) == ["2512.4", "2514.2", "3512.1", "7212.3"]
    assert all(set(o) == OCCUPATION_FIELDS for o in body["occupations"])
    developer = occupations["2512.4"]
    assert (developer["title"], developer["isco_group"], developer["technical_route"]) == (
        "software developer", "2512", "Digital",
    )  # fmt: skip
    assert (developer["job_zone"], developer["typical_entry_level"]) == (4, 6)
    assert developer["automation_risk"] == pytest.approx(3.47)
    assert developer["essential_skills"] == [  # by label (code points: capitals first)
        {"uri": f"{ESCO}/skill/python", "label": "Python (computer programming)"},
        {"uri": f"{ESCO}/skill/debug-software", "label": "debug software"},
        {"uri": f"{ESCO}/skill/develop-software", "label": "develop software"},
    ]
    assert developer["optional_skills"] == [
        {"uri": f"{ESCO}/skill/work-in-teams", "label": "work in teams"}
    ]
    moves = developer["transitions"]
    assert {"code": "3512.1", "similarity": 0.88, "source": "onet"} in moves
    assert {move["source"] for move in moves} == {"esco-skills", "onet"}
    assert [m["similarity"] for m in moves] == sorted(
        (m["similarity"] for m in moves), reverse=True
    )
    assert developer["labour_market"] == []  # no LMI group links to ISCO 2512 in the small data


def test_labour_market_is_one_entry_per_area_for_every_route(
    catalogue_app, catalogue_client, make_open_data
):
    import_small(catalogue_app, make_open_data)

    occupations = by_code(catalogue_client.get("/taxonomy/export").json)

    assert occupations["3512.1"]["labour_market"] == [
        {"area": "LANCASHIRE", "soc_group": "313", "demand_index": 867.0,
         "median_pay_gbp": 36500.0, "projected_change": "rise"},
        {"area": "NORTH WEST ENGLAND", "soc_group": "313", "demand_index": 5000.0,
         "median_pay_gbp": 38000.0, "projected_change": "rise"},
    ]  # fmt: skip
    assert occupations["7212.3"]["labour_market"] == [
        {"area": "LANCASHIRE", "soc_group": "521", "demand_index": 120.0,
         "median_pay_gbp": None, "projected_change": None},
    ]  # fmt: skip


def test_an_isco_group_several_soc_groups_reach_takes_the_one_with_most_postings(
    catalogue_app, catalogue_client, make_open_data
):
    import_small(catalogue_app, make_open_data)
    with catalogue_app.extensions["routeways.db"].session_scope() as session:
        session.add(SocIscoLink(soc_group="354", isco_group="3512"))
        session.add_all([
            LabourMarketSignal(soc_group="354", area="LANCASHIRE", education_route="all",
                               demand_index=2000.0, median_pay_gbp=25000.0),
            LabourMarketSignal(soc_group="354", area="NORTH WEST ENGLAND",
                               education_route="all", demand_index=10.0),
            LabourMarketSignal(soc_group="354", area="CUMBRIA", education_route="fe",
                               demand_index=99.0),
        ])  # fmt: skip

    markets = by_code(catalogue_client.get("/taxonomy/export").json)["3512.1"]["labour_market"]

    assert [(m["area"], m["soc_group"], m["demand_index"]) for m in markets] == [
        ("LANCASHIRE", "354", 2000.0),  # more postings than 313's 867
        ("NORTH WEST ENGLAND", "313", 5000.0),
    ]  # no CUMBRIA: only the "all" route is exported


def test_areas_are_the_pinned_leps_named_as_the_signals_name_them(
    catalogue_app, catalogue_client, make_open_data
):
    import_small(catalogue_app, make_open_data)

    body = catalogue_client.get("/taxonomy/export").json

    assert body["areas"] == [
        {"name": "LANCASHIRE", "pin": "Preston", "latitude": 53.759, "longitude": -2.699}
    ]


def test_a_client_holding_the_current_version_gets_304_without_the_document(
    catalogue_app, catalogue_client, make_open_data
):
    version = import_small(catalogue_app, make_open_data)

    for tag in (f'"{version}"', f'W/"{version}"', f'"stale", "{version}"'):
        response = catalogue_client.get("/taxonomy/export", headers={"If-None-Match": tag})
        assert response.status_code == 304, tag
        assert response.data == b""
        assert response.headers["ETag"] == f'"{version}"'


def test_a_client_holding_an_older_version_gets_the_new_document(
    catalogue_app, catalogue_client, make_open_data
):
    old = import_small(catalogue_app, make_open_data)
    new = import_small(catalogue_app, make_open_data, {"7212.3": "metal welder"})

    response = catalogue_client.get("/taxonomy/export", headers={"If-None-Match": f'"{old}"'})

    assert response.status_code == 200
    assert response.json["version"] == new
    assert by_code(response.json)["7212.3"]["title"] == "metal welder"


def test_before_any_import_the_document_is_empty_with_no_version_and_no_etag(catalogue_client):
    response = catalogue_client.get("/taxonomy/export", headers={"If-None-Match": '"None"'})

    assert response.status_code == 200
    assert response.json == {"version": None, "released_at": None, "occupations": [], "areas": []}
    assert "ETag" not in response.headers


def test_the_demo_taxonomy_exports_skills_moves_and_lancashire_demand(
    catalogue_app, catalogue_client
):
    with catalogue_app.extensions["routeways.db"].session_scope() as session:
        import_demo_taxonomy(session, quiet)

    with statements(catalogue_app) as seen:
        body = catalogue_client.get("/taxonomy/export").json

    assert len(seen) <= 10  # a handful of queries, not one per occupation
    occupations = by_code(body)
    assert set(occupations) == set(DEMO_OCCUPATIONS)
    developer = occupations["2134"]
    assert {s["label"] for s in developer["essential_skills"]} == {
        "python", "javascript", "software testing", "version control", "agile delivery",
        "game engines", "3d modelling", "programming", "visual communication",
    }  # fmt: skip
    assert {s["label"] for s in developer["optional_skills"]} == {"sql", "cloud infrastructure"}
    assert developer["essential_skills"][0]["uri"].startswith("urn:routeways:demo:skill:")
    assert developer["typical_entry_level"] == 6
    retail = occupations["7111"]
    assert {s["label"] for s in retail["essential_skills"]} >= {"customer service", "teamwork"}
    assert retail["transitions"][0] == {"code": "9264", "similarity": 0.8003,
                                        "source": "esco-skills"}  # fmt: skip
    assert retail["labour_market"] == [
        {"area": "LANCASHIRE", "soc_group": "7111", "demand_index": 1450.0,
         "median_pay_gbp": 18000.0, "projected_change": "fall"}
    ]  # fmt: skip
    assert body["areas"] == [
        {"name": "LANCASHIRE", "pin": "Preston", "latitude": 53.759, "longitude": -2.699}
    ]


def test_the_export_needs_no_key_and_is_in_the_openapi_document(catalogue_client):
    spec = catalogue_client.get("/openapi.json").json
    operation = spec["paths"]["/taxonomy/export"]["get"]
    assert "security" not in operation
    assert {"200", "304"} <= set(operation["responses"])


@pytest.mark.slow
def test_the_real_taxonomy_exports_in_one_document(open_data_dir, tmp_path, redis_url):
    url = f"sqlite:///{tmp_path / 'catalogue.sqlite3'}"
    database = migrated("catalogue", url)
    with database.session_scope() as session:
        version = import_taxonomy(session, open_data_dir, quiet).version
    database.dispose()
    app = make_app("catalogue", url, redis_url)

    started = time.perf_counter()
    with statements(app) as seen:
        response = app.test_client().get("/taxonomy/export")
    seconds = time.perf_counter() - started
    app.extensions["routeways.db"].dispose()

    assert response.status_code == 200
    body = response.json
    assert body["version"] == version
    assert (len(body["occupations"]), len(body["areas"])) == (3_007, 44)
    assert len(seen) <= 10
    assert seconds < 30
    electrician = by_code(body)["7411.1"]
    assert electrician["title"] == "electrician"
    assert len(electrician["essential_skills"]) > 10
    assert {m["source"] for m in electrician["transitions"]} == {"esco-skills", "onet"}
    lancashire = [m for m in electrician["labour_market"] if m["area"] == "LANCASHIRE"]
    assert [m["soc_group"] for m in lancashire] == ["524"]
    areas = {area["name"]: area for area in body["areas"]}
    assert areas["LANCASHIRE"]["pin"] == "Preston"
    assert areas["OXFORDSHIRE LEP"]["pin"] == "Oxford"  # named as the signals name it
    assert areas["CORNWALL AND THE ISLES OF SCILLY"]["pin"] == "Truro"  # not Devon's Tiverton
    signal_areas = {m["area"] for o in body["occupations"] for m in o["labour_market"]}
    assert set(areas) <= signal_areas
