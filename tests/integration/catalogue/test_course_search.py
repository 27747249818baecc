"""GET /courses and GET /courses/<id> on SQLite and PostgreSQL: every filter, facets counted
without their own filter, distances in km and miles (national and online courses always pass),
only published courses, cursor pages that cover everything once in order, and a 4xx
problem+json naming the field for every malformed input, never a 500."""

from __future__ import annotations

import base64
import json
from datetime import date

import pytest
from sqlalchemy import select

from services.catalogue import courses
from services.catalogue.models import Campus, PostcodeDistrict, Provider
from tests.integration.web.conftest import make_app

NEXT = date.today().year + 1  # start dates stay in the future whenever the tests run
PAST = date.today().year - 2

CAMPUSES = {  # real Lancashire places
    "Preston": ("PR1 2HE", 53.759, -2.699),
    "Blackburn": ("BB2 1LH", 53.745, -2.482),
    "Lancaster": ("LA1 1AA", 54.047, -2.801),
    "Blackpool": ("FY1 4ES", 53.817, -3.050),
}
DISTRICTS = {"PR1": (53.758, -2.700), "LA1": (54.047, -2.801), "BB2": (53.740, -2.500)}


def row(ref: str, title: str, **fields) -> dict:
    return {"external_ref": ref, "title": title, "qualification_type": "Short course",
            "rqf_level": 2, "route_kind": "technical", "sector": "Engineering",
            "campus": "Preston", **fields}  # fmt: skip


ROWS = [
    row("ENG-T", "T Level in Engineering", qualification_type="T Level", rqf_level=3,
        funding="free-16-19", start_dates=[f"{NEXT}-09-06"],
        skills=[{"skill": "CAD"}, {"skill": "technical drawing"}], occupations=["3113"]),
    row("WELD", "Welding Skills", campus="Blackburn", study_mode="part-time",
        attendance_pattern="evening", start_dates=[f"{NEXT}-01-11", f"{NEXT}-04-26"],
        skills=[{"skill": "welding"}]),
    row("NURSE", "Access to HE Diploma (Nursing)", qualification_type="Access to HE",
        rqf_level=3, route_kind="academic", sector="Health", campus="Lancaster",
        study_mode="part-time", attendance_pattern="evening", funding="loan-eligible",
        start_dates=[f"{NEXT}-01-11", f"{NEXT}-09-06"], occupations=["2231"]),
    row("HOSP", "Hospitality Management", qualification_type="HTQ", rqf_level=4,
        sector="Hospitality", campus="Blackpool", delivery_mode="blended",
        funding="loan-eligible", start_dates=[f"{NEXT}-09-06"]),
    row("SEO", "Digital Marketing Bootcamp", qualification_type="Skills Bootcamp", rqf_level=3,
        sector="Digital", campus=None, delivery_mode="online", study_mode="flexible",
        attendance_pattern="flexible", funding="fully-funded", start_dates=[f"{NEXT}-02-01"],
        skills=[{"skill": "search engine optimisation"}]),
    row("APPR", "Engineering Apprenticeship", qualification_type="Apprenticeship",
        rqf_level=3, campus=None, delivery_mode="workplace", national=True,
        funding="employer-funded"),
    row("MEDIA", "BA (Hons) Digital Media", qualification_type="Bachelor's degree",
        rqf_level=6, route_kind="academic", sector="Digital", funding="loan-eligible",
        start_dates=[f"{NEXT}-09-06"], summary="Film, games and some software engineering."),
    row("WAREHOUSE", "Warehouse Operative", campus=None, delivery_mode="workplace",
        sector="Logistics", start_dates=[f"{NEXT}-03-01"]),
    row("OLD", "Plumbing Basics", sector="Construction", start_dates=[f"{PAST}-01-06"]),
    row("DRAFT", "Engineering Draft", status="draft"),
    row("GONE", "Engineering Withdrawn"),
]  # fmt: skip
PUBLISHED = {"ENG-T", "WELD", "NURSE", "HOSP", "SEO", "APPR", "MEDIA", "WAREHOUSE"}


@pytest.fixture
def app(database_url, redis_url):
    app = make_app("catalogue", database_url, redis_url)
    yield app
    app.extensions["routeways.db"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def ids(app) -> dict[str, int]:
    """The catalogue above; returns course ids by reference."""
    with app.extensions["routeways.db"].session_scope() as session:
        provider = Provider(key="lancs-college", name="Lancashire College", kind="fe-college")
        provider.campuses = [
            Campus(name=name, postcode=postcode, latitude=lat, longitude=lon)
            for name, (postcode, lat, lon) in CAMPUSES.items()
        ]
        session.add(provider)
        session.add_all(
            PostcodeDistrict(outcode=code, latitude=lat, longitude=lon)
            for code, (lat, lon) in DISTRICTS.items()
        )
        session.flush()
        result = courses.upsert_courses(session, provider.id, ROWS)
        assert result.counts["rejected"] == 0, [r.errors for r in result.rows]
        courses.withdraw_course(session, provider.id, "GONE")
        return {r.external_ref: r.course_id for r in result.rows}


def get(client, **params) -> dict:
    response = client.get("/courses", query_string=params)
    assert response.status_code == 200, response.json
    return response.json


def refs(body: dict) -> list[str]:
    return [item["external_ref"] for item in body["items"]]


def facet(body: dict, name: str) -> dict:
    return {entry["value"]: entry["count"] for entry in body["facets"][name]}


def every_page(client, cursor: str | None = None, **params) -> list[dict]:
    items = []
    for _ in range(50):
        body = get(client, **params, **({"cursor": cursor} if cursor else {}))
        items.extend(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("the cursor never ran out")


# --- what is public ---------------------------------------------------------------------------


def test_only_published_courses_in_date_are_listed(client, ids):
    body = get(client, limit=100)
    assert set(refs(body)) == PUBLISHED
    assert body["total"] == len(PUBLISHED)
    assert body["next_cursor"] is None
    with_old = get(client, hide_out_of_date="false", limit=100)
    assert set(refs(with_old)) == PUBLISHED | {"OLD"}


def test_a_course_by_id_is_public_when_published_or_withdrawn(client, ids):
    assert client.get(f"/courses/{ids['ENG-T']}").json["status"] == "published"
    assert client.get(f"/courses/{ids['GONE']}").json["status"] == "withdrawn"
    for missing in (ids["DRAFT"], 999_999, 10**30):
        response = client.get(f"/courses/{missing}")
        assert response.status_code == 404
        assert response.mimetype == "application/problem+json"
    assert "no course 999999" in client.get("/courses/999999").json["detail"]


def test_items_are_the_course_schema_plus_distance(client, ids):
    [item] = get(client, q="welding")["items"]
    assert item["id"] == ids["WELD"]
    assert item["skills"] == [{"skill": "welding", "level": None}]
    assert item["campus"]["postcode"] == "BB2 1LH"
    assert item["distance_km"] is None  # no place given


# --- filters --------------------------------------------------------------------------------

FILTERS = [
    ({"q": "welding"}, {"WELD"}),
    ({"q": "digital media"}, {"MEDIA"}),  # every word must be found
    ({"q": "ENGINEERING"}, {"ENG-T", "WELD", "APPR", "MEDIA"}),  # title, sector, summary
    ({"q": "optimisation"}, {"SEO"}),  # a skill
    ({"q": "_"}, set()),  # LIKE wildcards are literal
    ({"level_min": 4}, {"HOSP", "MEDIA"}),
    ({"level_max": 2}, {"WELD", "WAREHOUSE"}),
    ({"level_min": 3, "level_max": 3}, {"ENG-T", "NURSE", "SEO", "APPR"}),
    ({"route_kind": "academic"}, {"NURSE", "MEDIA"}),
    ({"qualification_type": ["HTQ", "T Level"]}, {"HOSP", "ENG-T"}),
    ({"sector": ["Digital", "Health"]}, {"SEO", "MEDIA", "NURSE"}),
    ({"skill": "cad"}, {"ENG-T"}),  # any case
    ({"occupation": ["2231", "9999"]}, {"NURSE"}),
    ({"study_mode": "part-time"}, {"WELD", "NURSE"}),
    ({"attendance_pattern": "flexible"}, {"SEO"}),
    ({"delivery_mode": ["online", "blended"]}, {"SEO", "HOSP"}),
    ({"funding": "loan-eligible"}, {"NURSE", "HOSP", "MEDIA"}),
    ({"start_from": f"{NEXT}-09-01"}, {"ENG-T", "NURSE", "HOSP", "MEDIA"}),
    ({"start_to": f"{NEXT}-01-31"}, {"WELD", "NURSE"}),
    # NURSE starts in January and September, so its dates span the window but none is in it
    ({"start_from": f"{NEXT}-03-15", "start_to": f"{NEXT}-06-30"}, {"WELD"}),
    ({"sector": "Engineering", "study_mode": "full-time"}, {"ENG-T", "APPR"}),
    ({"q": "engineering", "sector": "Digital"}, {"MEDIA"}),
    ({"q": "engineering", "postcode": "PR1", "within": 3}, {"ENG-T", "APPR", "MEDIA"}),
]


def test_each_filter_keeps_exactly_its_courses(client, ids):
    for params, expected in FILTERS:
        assert set(refs(get(client, limit=100, **params))) == expected, params


def test_provider_filter(client, app, ids):
    with app.extensions["routeways.db"].session_scope() as session:
        other = Provider(key="other", name="Other", kind="itp")
        session.add(other)
        session.flush()
        courses.upsert_courses(session, other.id, [row("X", "Forklift", campus=None,
                                                       delivery_mode="online")])  # fmt: skip
        other_id = other.id
        first_id = session.scalar(select(Provider.id).where(Provider.key == "lancs-college"))
    assert refs(get(client, provider_id=other_id)) == ["X"]
    assert len(refs(get(client, provider_id=first_id, limit=100))) == len(PUBLISHED)


def test_facets_count_every_filter_but_their_own(client, ids):
    everything = get(client, limit=1)
    digital = get(client, sector="Digital", limit=1)

    assert facet(digital, "sector") == facet(everything, "sector")  # own filter left out
    assert facet(digital, "qualification_type") == {"Bachelor's degree": 1, "Skills Bootcamp": 1}
    assert facet(digital, "rqf_level") == {3: 1, 6: 1}
    assert digital["total"] == 2
    assert facet(everything, "sector") == {"Digital": 2, "Engineering": 3, "Health": 1,
                                           "Hospitality": 1, "Logistics": 1}  # fmt: skip
    levels = get(client, level_min=4, delivery_mode="blended")
    assert facet(levels, "rqf_level") == {4: 1}  # blended only, any level
    assert facet(levels, "delivery_mode") == {"blended": 1, "classroom": 1}  # level 4+ only
    assert set(everything["facets"]) == {"qualification_type", "rqf_level", "route_kind",
        "sector", "study_mode", "attendance_pattern", "delivery_mode", "funding"}  # fmt: skip


def test_a_chosen_value_with_no_courses_still_shows_with_zero(client, ids):
    body = get(client, sector=["Digital", "Aerospace"], q="media")
    assert facet(body, "sector") == {"Aerospace": 0, "Digital": 1}


def test_facets_follow_text_and_distance_filters(client, ids):
    near = get(client, postcode="PR1", within=5)
    assert near["total"] == 4  # ENG-T, MEDIA at Preston; SEO online; APPR national
    assert sum(facet(near, "route_kind").values()) == 4
    assert facet(get(client, q="engineering"), "sector") == {"Digital": 1, "Engineering": 3}
    text_and_sector = get(client, q="engineering", sector="Digital")
    assert facet(text_and_sector, "sector") == {"Digital": 1, "Engineering": 3}
    assert facet(text_and_sector, "route_kind") == {"academic": 1}
    assert text_and_sector["total"] == 1


# --- distance -------------------------------------------------------------------------------


def test_national_and_online_courses_pass_any_distance_without_a_distance(client, ids):
    body = get(client, postcode="PR1 2HE", within=1, unit="km", limit=100)
    by_ref = {item["external_ref"]: item["distance_km"] for item in body["items"]}
    assert set(by_ref) == {"ENG-T", "MEDIA", "SEO", "APPR"}
    assert by_ref["SEO"] is None
    assert by_ref["APPR"] is None
    assert by_ref["ENG-T"] == pytest.approx(0.13, abs=0.02)


def test_within_is_in_miles_or_kilometres(client, ids):
    local = {"ENG-T", "MEDIA", "SEO", "APPR"}
    assert set(refs(get(client, postcode="PR1", within=10, unit="km", limit=100))) == local
    # Blackburn is about 14.4 km (9 miles) from PR1's centre
    in_miles = get(client, postcode="PR1", within=10, unit="miles", limit=100)
    assert set(refs(in_miles)) == local | {"WELD"}
    assert set(refs(get(client, postcode="PR1", within=10, limit=100))) == local | {"WELD"}
    weld = next(i for i in in_miles["items"] if i["external_ref"] == "WELD")
    assert weld["distance_km"] == pytest.approx(14.4, abs=0.3)  # always in kilometres


def test_lat_lon_measure_like_a_postcode(client, ids):
    by_code = get(client, postcode="pr1", within=25, unit="miles", sort="distance", limit=100)
    by_point = get(client, lat=53.758, lon=-2.700, within=25, sort="distance", limit=100)
    assert refs(by_code) == refs(by_point)
    assert refs(by_code) == ["ENG-T", "MEDIA", "WELD", "HOSP", "NURSE", "SEO", "APPR"]


def test_a_place_without_within_gives_distances_but_filters_nothing(client, ids):
    body = get(client, postcode="LA1", limit=100)
    assert set(refs(body)) == PUBLISHED
    assert refs(body)[0] == "NURSE"  # distance is the default sort with a place
    assert refs(body)[-3:] == sorted(["SEO", "APPR", "WAREHOUSE"], key=ids.get)


# --- sorting and pages ----------------------------------------------------------------------


def test_relevance_ranks_title_matches_above_sector_and_summary(client, ids):
    ranked = refs(get(client, q="engineering"))
    assert set(ranked[:2]) == {"ENG-T", "APPR"}  # title and sector
    assert ranked[2:] == ["WELD", "MEDIA"]  # sector (3) before summary (2)
    assert refs(get(client, q="engineering", sort="title")) == ["MEDIA", "APPR", "ENG-T", "WELD"]


def test_start_date_sort_puts_courses_without_dates_last(client, ids):
    ranked = refs(get(client, sort="start_date", limit=100))
    assert ranked[:2] == sorted(["WELD", "NURSE"], key=ids.get)  # both start in January
    assert ranked[-1] == "APPR"


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "title"},
        {"sort": "start_date"},
        {"sort": "relevance", "q": "e"},
        {"sort": "distance", "postcode": "BB2"},
        {"sort": "distance", "postcode": "BB2", "within": 20},
    ],
)
def test_cursor_pages_cover_every_course_once_in_order(client, ids, params):
    whole = get(client, limit=100, **params)
    paged = every_page(client, limit=2, **params)
    assert [item["id"] for item in paged] == [item["id"] for item in whole["items"]]
    assert len(paged) == whole["total"]


def test_pages_stay_stable_when_courses_are_added_meanwhile(client, app, ids):
    first = get(client, sort="title", limit=3)
    with app.extensions["routeways.db"].session_scope() as session:
        provider_id = session.scalar(select(Provider.id).where(Provider.key == "lancs-college"))
        courses.upsert_courses(session, provider_id, [row("AAA", "AAA First Aid")])
    rest = every_page(client, sort="title", limit=3, cursor=first["next_cursor"])
    seen = refs(first) + [item["external_ref"] for item in rest]
    assert sorted(seen) == sorted(PUBLISHED)  # the new course sorts before the cursor


def test_a_cursor_only_continues_its_own_sort(client, ids):
    cursor = get(client, sort="title", limit=1)["next_cursor"]
    response = client.get("/courses", query_string={"sort": "start_date", "cursor": cursor})
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "cursor"


# --- malformed input --------------------------------------------------------------------------


def _cursor(body: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(body).encode()).decode().rstrip("=")


MALFORMED = [
    ("limit=-1", "limit"),
    ("limit=0", "limit"),
    ("limit=101", "limit"),
    ("limit=99999999999999999999999", "limit"),
    ("limit=ten", "limit"),
    ("limit=1e3", "limit"),
    ("level_min=9", "level_min"),
    ("level_min=-1", "level_min"),
    ("level_min=5&level_max=3", "level_max"),
    ("sort=popularity", "sort"),
    ("sort=relevance", "sort"),
    ("sort=distance", "sort"),
    ("sort=relevance&q=%21%21%21", "q"),
    ("start_from=2027-02-30", "start_from"),
    ("start_to=tomorrow", "start_to"),
    ("start_from=2027-09-01&start_to=2027-01-01", "start_to"),
    ("hide_out_of_date=perhaps", "hide_out_of_date"),
    ("postcode=NOT+A+CODE", "postcode"),
    ("postcode=ZZ99+9ZZ", "postcode"),  # well formed, but no such district here
    ("postcode=" + "P" * 300, "postcode"),
    ("postcode=PR1&lat=53.7&lon=-2.7", "postcode"),
    ("lat=53.7", "lon"),
    ("lon=-2.7", "lat"),
    ("lat=91&lon=0", "lat"),
    ("lat=nan&lon=0", "lat"),
    ("lat=0&lon=inf", "lon"),
    ("within=5", "within"),
    ("postcode=PR1&within=-5", "within"),
    ("postcode=PR1&within=0", "within"),
    ("postcode=PR1&within=1e400", "within"),
    ("postcode=PR1&within=5&unit=furlongs", "unit"),
    ("qualification_type=Diploma", "qualification_type"),
    ("route_kind=sideways", "route_kind"),
    ("funding=free", "funding"),
    ("provider_id=0", "provider_id"),
    ("provider_id=99999999999999999999", "provider_id"),
    ("q=" + "x" * 201, "q"),
    ("q=a%00b", "q"),
    ("q=%25", "q"),  # no word in it
    ("sector=", "sector"),
    ("skill=" + "s" * 201, "skill"),
    ("occupation=" + "&occupation=".join(str(n) for n in range(11)), "occupation"),
    ("cursor=not-a-cursor!", "cursor"),
    ("cursor=bm90IGpzb24", "cursor"),  # base64 of "not json"
    ("cursor=" + _cursor([1, 2]), "cursor"),
    ("cursor=" + _cursor({"s": "start_date", "k": "2027-13-01", "i": 1}), "cursor"),
    ("cursor=" + _cursor({"s": "start_date", "k": None, "i": 2**40}), "cursor"),
    ("cursor=" + _cursor({"s": "start_date", "k": None, "i": True}), "cursor"),
    ("sort=title&cursor=" + _cursor({"s": "title", "k": "a\x00", "i": 1}), "cursor"),
    ("sort=title&cursor=" + _cursor({"s": "title", "k": 5, "i": 1}), "cursor"),
    ("cursor=" + "A" * 3000, "cursor"),
    ("colour=blue", "colour"),
]


def test_every_malformed_input_is_a_422_problem_naming_the_field(client, ids):
    for query, field in MALFORMED:
        response = client.get(f"/courses?{query}")
        assert response.status_code == 422, (query, response.status_code)
        assert response.mimetype == "application/problem+json", query
        named = {error["field"].split(".")[0] for error in response.json["errors"]}
        assert field in named, (query, response.json)  # "sector.0" names sector's first value


def test_odd_but_valid_input_is_answered(client, ids):
    for query in ("q=_", "q=%C3%A9cole", "q=%FF", "sector=%27%3B+DROP+TABLE+courses",
                  "postcode=pr12he", "postcode=PR1+2HE", "lat=-90&lon=180&within=1000",
                  "lat=89.9999&lon=0&within=999", "start_from=0001-01-01&start_to=9999-12-31",
                  "q=a&q=b", "limit=100"):  # fmt: skip
        response = client.get(f"/courses?{query}")
        assert response.status_code == 200, (query, response.json)
