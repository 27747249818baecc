"""Reading bulk uploads: JSON lines and CSV into raw rows, unreadable lines reported by number."""

import pytest

from services.catalogue import course_files
from services.catalogue.course_rows import MAX_ROWS, CourseRow

CSV = (
    "external_ref,title,qualification_type,rqf_level,route_kind,sector,skills,start_dates,"
    "national,delivery_mode,entry_min_level,entry_skills,cost_pence,hours_per_week\n"
    'BC-1,"Data Analytics, Level 4",HTQ,4,technical,Digital,sql:4;python:3;statistics,'
    "2027-01-11;2027-09-06,true,online,3,maths,450000,7.5\n"
    "BC-2,Welding,Short course,two,technical,Engineering,,,,,,,,\n"
)


def test_csv_records_become_rows_the_course_schema_accepts():
    lines = course_files.read_upload(CSV.encode(), "text/csv")
    first = lines[0].row
    assert first["skills"] == [{"skill": "sql", "level": 4}, {"skill": "python", "level": 3},
                               {"skill": "statistics"}]  # fmt: skip
    assert first["entry_requirements"] == {"min_level": 3, "skills": ["maths"]}
    assert first["national"] is True
    assert first["hours_per_week"] == 7.5
    assert CourseRow().load(first)["start_dates"][0].isoformat() == "2027-01-11"


def test_csv_cell_that_is_not_a_number_is_left_for_the_schema_to_name():
    lines = course_files.read_upload(CSV.encode(), "text/csv")
    assert lines[1].row["rqf_level"] == "two"
    with pytest.raises(Exception, match="rqf_level"):
        CourseRow().load(lines[1].row)


def test_json_lines_keep_going_past_an_unreadable_line():
    body = b'{"external_ref": "A"}\n{broken\n\n["a list"]\n{"external_ref": "B"}\n'
    lines = course_files.read_upload(body, "application/x-ndjson")
    assert [(line.line, line.row is not None) for line in lines] == [
        (1, True), (2, False), (4, False), (5, True)]  # fmt: skip
    assert lines[1].errors["_line"][0].startswith("not JSON")


def test_more_than_the_row_limit_is_refused():
    body = b'{"external_ref": "A"}\n' * (MAX_ROWS + 1)
    with pytest.raises(course_files.TooManyRows):
        course_files.read_upload(body, "application/x-ndjson")


def test_csv_row_with_extra_cells_is_reported():
    lines = course_files.read_upload(b"external_ref,title\nA,B,C\n", "text/csv")
    assert lines[0].errors == {"_line": ["more cells than header columns"]}
