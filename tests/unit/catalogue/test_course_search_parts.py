"""The course search's plain parts: distances, bounding boxes, cursors, query checks."""

import math
from datetime import date

import pytest

from services.catalogue.distance import Point, bounding_box, distances_km, haversine_km
from services.catalogue.search_cursors import Cursor, decode, encode
from services.catalogue.search_query import CourseQuery, QueryError, check, text_terms

PRESTON = Point(53.759, -2.699)


def test_haversine_gives_known_lancashire_distances():
    assert haversine_km(PRESTON, 53.759, -2.699) == 0
    assert haversine_km(PRESTON, 54.047, -2.801) == pytest.approx(32.7, abs=0.3)  # Lancaster
    many = distances_km(PRESTON, [54.047, 53.745], [-2.801, -2.482])
    assert many.tolist() == [
        haversine_km(PRESTON, 54.047, -2.801),
        haversine_km(PRESTON, 53.745, -2.482),
    ]


@pytest.mark.parametrize("radius_km", [0.5, 8, 50, 400])
def test_bounding_box_holds_every_point_on_the_circle(radius_km):
    box = bounding_box(PRESTON, radius_km)
    for bearing in range(0, 360, 5):  # walk the circle by the destination-point formula
        angle, theta = radius_km / 6371.0088, math.radians(bearing)
        phi1, lambda1 = math.radians(PRESTON.latitude), math.radians(PRESTON.longitude)
        phi2 = math.asin(
            math.sin(phi1) * math.cos(angle) + math.cos(phi1) * math.sin(angle) * math.cos(theta)
        )
        lambda2 = lambda1 + math.atan2(
            math.sin(theta) * math.sin(angle) * math.cos(phi1),
            math.cos(angle) - math.sin(phi1) * math.sin(phi2),
        )
        assert box.south <= math.degrees(phi2) <= box.north
        assert box.west <= math.degrees(lambda2) <= box.east


def test_bounding_box_near_a_pole_spans_every_longitude():
    box = bounding_box(Point(89.99, 10), 50)
    assert (box.west, box.east, box.north) == (-180.0, 180.0, 90.0)


@pytest.mark.parametrize(
    "cursor",
    [Cursor("title", "t level in engineering", 7), Cursor("start_date", date(2027, 9, 6), 3),
     Cursor("start_date", None, 9), Cursor("distance", 14.41234567891234, 2),
     Cursor("distance", None, 5), Cursor("relevance", 11, 1)],
)  # fmt: skip
def test_cursors_round_trip(cursor):
    assert decode(encode(cursor), cursor.sort) == cursor


def test_a_cursor_for_another_sort_is_refused():
    with pytest.raises(QueryError) as refused:
        decode(encode(Cursor("title", "a", 1)), "start_date")
    assert refused.value.field == "cursor"


@pytest.mark.parametrize(
    ("query", "field"),
    [(CourseQuery(sort="relevance"), "sort"), (CourseQuery(sort="distance"), "sort"),
     (CourseQuery(lat=53.7), "lon"), (CourseQuery(within=5), "within"),
     (CourseQuery(postcode="PR1", lat=1, lon=1), "postcode"),
     (CourseQuery(level_min=5, level_max=2), "level_max"), (CourseQuery(q="?!"), "q"),
     (CourseQuery(start_from=date(2027, 2, 1), start_to=date(2027, 1, 1)), "start_to"),
     (CourseQuery(limit=0), "limit"), (CourseQuery(unit="leagues", lat=1, lon=1), "unit")],
)  # fmt: skip
def test_queries_that_make_no_sense_name_their_field(query, field):
    with pytest.raises(QueryError) as refused:
        check(query)
    assert refused.value.field == field


def test_text_terms_and_default_sorts():
    assert text_terms("T Level in Digital, digital!") == ("level", "in", "digital")
    assert text_terms("C") == ("c",)
    assert CourseQuery(q="welding").effective_sort == "relevance"
    assert CourseQuery(postcode="PR1").effective_sort == "distance"
    assert CourseQuery().effective_sort == "start_date"
    assert CourseQuery(within=10, unit="miles").radius_km == pytest.approx(16.09344)
