"""Importers of official course sources: the hand-made samples in each official format map to
rows CourseRow accepts, bad lines come back with their line numbers and named columns, and the
mapping tables say what they claim."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from services.catalogue.cli import catalogue
from services.catalogue.course_rows import FUNDING, QUALIFICATION_TYPES, ROUTE_KINDS, CourseRow
from services.catalogue.course_sources import (
    READERS,
    SourceFormatError,
    apprenticeships,
    coursera,
    lars,
    ofqual,
    records,
    report,
    sectors,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "course_sources"
OFQUAL = FIXTURES / "ofqual_qualifications.csv"
LARS = FIXTURES / "lars" / "LearningDelivery.csv"
STANDARDS = FIXTURES / "apprenticeship_standards.json"
COURSERA = Path("/work/shared/data/coursera-catalogue-2023/coursera_courses.csv")
AS_OF = date(2025, 9, 1)
AT_PRESTON = {"campus": "Preston Campus"}

#: Each sample: (reader, file, defaults, {bad line: the column its error names}).
SAMPLES = {
    "ofqual": (ofqual.read_rows, OFQUAL, AT_PRESTON,
               {12: "Qualification Title", 13: "Qualification Level",
                14: "Operational Start Date"}),
    "lars": (lars.read_rows, LARS, AT_PRESTON,
             {11: "LearnAimRefTitle", 12: "NotionalNVQLevelv2", 13: "EffectiveFrom"}),
    "apprenticeships": (apprenticeships.read_rows, STANDARDS, {},
                        {11: "title", 12: "level", 13: "approvedForDelivery"}),
}  # fmt: skip


def read(name: str, **defaults) -> list[records.SourceRow]:
    reader, path, sample_defaults, _ = SAMPLES[name]
    return list(reader(path, provider_defaults={**sample_defaults, **defaults}, as_of=AS_OF))


def by_ref(rows: list[records.SourceRow]) -> dict[str, dict]:
    return {source.row["external_ref"]: source.row for source in rows if source.row}


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


# --- the samples --------------------------------------------------------------------------


@pytest.mark.parametrize("name", SAMPLES)
def test_every_good_sample_line_maps_to_a_row_course_row_accepts(name):
    good = [source for source in read(name) if source.row is not None]

    assert len(good) >= 8
    for source in good:
        assert source.errors == {}
        assert json.loads(json.dumps(source.row)) == source.row  # plain JSON values
        CourseRow().load(source.row)


@pytest.mark.parametrize("name", SAMPLES)
def test_bad_sample_lines_come_back_with_their_line_and_named_column(name):
    expected = SAMPLES[name][3]

    bad = {source.line: source.errors for source in read(name) if source.row is None}

    assert sorted(bad) == sorted(expected)
    for line, column in expected.items():
        assert column in bad[line], (line, bad[line])


def test_every_format_the_command_offers_has_a_sample():
    assert set(READERS) == set(SAMPLES)


def test_ofqual_sample_maps_type_level_sector_and_study_time():
    rows = by_ref(read("ofqual"))

    assert set(rows) >= {"69990011", "69990022", "6999010X"}  # the number without its slashes
    a_level = rows["69990022"]
    assert (a_level["qualification_type"], a_level["route_kind"]) == ("A level", "academic")
    assert (a_level["sector"], a_level["rqf_level"]) == (sectors.DIGITAL, 3)
    # 360 guided hours at a third of a full-time week: two 36-week years.
    assert (a_level["duration_weeks"], a_level["hours_per_week"]) == (72, 5.0)
    assert rows["69990066"]["qualification_type"] == "HTQ"  # technical occupation, level 4
    assert rows["69990033"]["qualification_type"] == "BTEC"  # technical occupation, level 2
    assert rows["69990055"]["qualification_type"] == "Short course"  # a 10-hour award
    assert rows["69990077"]["qualification_type"] == "T Level"
    assert rows["6999010X"]["rqf_level"] == 0  # Entry Level
    assert rows["69990044"]["sector"] == sectors.CARE
    assert rows["69990011"]["campus"] == "Preston Campus"
    assert rows["69990011"]["summary"].startswith("Regulated qualification 699/9001/1")


def test_provider_pace_and_study_mode_decide_the_duration():
    rows = by_ref(read("ofqual", study_mode="part-time"))
    assert (rows["69990011"]["duration_weeks"], rows["69990011"]["hours_per_week"]) == (180, 6.0)

    rows = by_ref(read("ofqual", hours_per_week=12))
    assert rows["69990011"]["duration_weeks"] == 90

    rows = by_ref(read("ofqual", study_mode="flexible"))
    assert "duration_weeks" not in rows["69990011"]


def test_what_the_source_says_wins_over_the_provider_defaults():
    rows = by_ref(read("ofqual", qualification_type="Short course", funding="loan-eligible"))

    assert rows["69990022"]["qualification_type"] == "A level"
    assert rows["69990022"]["funding"] == "loan-eligible"  # the register says nothing of it


def test_lars_sample_joins_the_aim_types_and_the_funding_validities_beside_it():
    rows = by_ref(read("lars"))

    assert rows["69990011"]["funding"] == "fully-funded"  # adult skills wins over loans
    assert rows["69990022"]["funding"] == "free-16-19"  # its adult validity closed in 2020
    assert rows["40099991"]["funding"] == "loan-eligible"
    assert rows["40099991"]["qualification_type"] == "Access to HE"
    assert "funding" not in rows["69990101"]  # only a closed loan validity: the provider's fee
    assert rows["69990101"]["sector"] == sectors.LEGAL_AND_FINANCE
    assert rows["69990088"]["qualification_type"] == "Short course"  # functional skills


def test_ofqual_and_lars_name_the_same_qualification_alike():
    ofqual_refs, lars_refs = set(by_ref(read("ofqual"))), set(by_ref(read("lars")))

    assert {"69990011", "69990022", "69990066"} <= ofqual_refs & lars_refs


def test_apprenticeship_sample_maps_to_workplace_courses_paid_through_the_employer():
    rows = by_ref(read("apprenticeships"))

    developer = rows["ST0116"]
    assert developer["qualification_type"] == "Apprenticeship"
    assert (developer["delivery_mode"], developer["funding"]) == ("workplace", "employer-funded")
    assert (developer["duration_weeks"], developer["cost_pence"]) == (104, 1_800_000)
    assert developer["skills"][0] == {
        "skill": "Write logical, maintainable code in at least one general-purpose language",
        "level": 4,
    }
    assert "Typical job titles: Software developer, Web developer." in developer["summary"]
    assert rows["ST0119"]["route_kind"] == "both"  # an integrated degree
    assert rows["ST0135"]["sector"] == sectors.EDUCATION  # "Education and early years"
    assert rows["ST0135"]["skills"] == [
        {"skill": "Plan activities that support each child's development", "level": 3}
    ]


# --- rules beyond the samples ------------------------------------------------------------

OFQUAL_LINE = {
    "Qualification Number": "699/9101/1", "Qualification Title": "A qualification",
    "Qualification Level": "Level 2", "Qualification Type": "Vocationally-Related Qualification",
    "Qualification SSA": "15.2 Administration", "Qualification Status": "Available to learners",
    "Operational Start Date": "2020-09-01", "Operational End Date": "",
    "Total Qualification Time": "300", "Guided Learning Hours": "200",
}  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "column", "reason"),
    [
        ({"Operational End Date": "31/07/2025"}, "Operational End Date", "closed"),
        ({"Operational End Date": "2019-07-31"}, "Operational End Date", "before it starts"),
        ({"Qualification Status": "No longer awarded"}, "Qualification Status", "not available"),
        (
            {"Qualification Type": "Performing Arts Graded Examination"},
            "Qualification Type",
            "no Routeways",
        ),
        ({"Qualification SSA": "99.9 Nowhere"}, "Qualification SSA", "unknown sector"),
        ({"Qualification Number": "6999101"}, "Qualification Number", "not a qualification"),
        ({"Guided Learning Hours": "lots"}, "Guided Learning Hours", "not a whole number"),
    ],
)
def test_ofqual_lines_that_cannot_be_offered_say_why(tmp_path, changes, column, reason):
    path = write_csv(tmp_path / "register.csv", [OFQUAL_LINE, {**OFQUAL_LINE, **changes}])

    good, bad = ofqual.read_rows(path, provider_defaults=AT_PRESTON, as_of=AS_OF)

    assert good.row is not None
    assert (bad.line, bad.row) == (3, None)
    assert any(reason in message for message in bad.errors[column]), bad.errors


def test_every_problem_of_a_line_is_reported_together(tmp_path):
    broken = {**OFQUAL_LINE, "Qualification Title": "", "Qualification Level": "Level 12"}
    [source] = ofqual.read_rows(
        write_csv(tmp_path / "r.csv", [broken]), provider_defaults={}, as_of=AS_OF
    )

    assert set(source.errors) == {"Qualification Title", "Qualification Level"}


def test_line_numbers_are_the_files_own_across_blank_lines_and_multi_line_cells(tmp_path):
    header = ",".join(OFQUAL_LINE)
    first = ",".join(OFQUAL_LINE.values())
    quoted = first.replace("A qualification", '"A qualification\nover two lines"')
    missing_title = first.replace("A qualification", "")
    path = tmp_path / "r.csv"
    path.write_text(f"{header}\n{first}\n\n{quoted}\n{missing_title}\n", encoding="utf-8")

    lines = [(s.line, s.row is None) for s in ofqual.read_rows(path, provider_defaults={})]

    assert lines == [(2, False), (4, False), (6, True)]


def test_a_file_without_the_required_columns_is_refused_before_any_line(tmp_path):
    path = tmp_path / "not_ofqual.csv"
    path.write_text("Title,Level\nPlumbing,Level 2\n", encoding="utf-8")

    with pytest.raises(SourceFormatError, match="Qualification Number"):
        list(ofqual.read_rows(path, provider_defaults={}))


def test_a_line_with_more_cells_than_the_header_is_reported(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text(",".join(OFQUAL_LINE) + "\n" + ",".join(OFQUAL_LINE.values()) + ",extra\n")

    [source] = ofqual.read_rows(path, provider_defaults={})

    assert source.errors == {"_line": ["more cells than the header has columns"]}


def test_lars_descriptions_and_validities_may_come_inline(tmp_path):
    path = write_csv(tmp_path / "aims.csv", [{
        "LearnAimRef": "6999201X", "LearnAimRefTitle": "Certificate at Level 2 in Warehousing",
        "LearnAimRefTypeDesc": "Certificate", "NotionalNVQLevelv2": "2",
        "SectorSubjectAreaTier2Desc": "Warehousing and Distribution",
        "ValidityCategory": "APPRENTICESHIPS; ADV_LEARN_LOAN", "EffectiveFrom": "01/08/2021",
    }])  # fmt: skip

    [source] = lars.read_rows(path, provider_defaults=AT_PRESTON, as_of=AS_OF)

    assert source.errors == {}
    row = source.row
    assert (row["qualification_type"], row["sector"]) == ("BTEC", sectors.TRANSPORT)
    assert row["funding"] == "loan-eligible"


def test_lars_aim_without_a_type_description_says_where_to_find_one(tmp_path):
    path = write_csv(tmp_path / "LearningDelivery.csv", [{
        "LearnAimRef": "69992021", "LearnAimRefTitle": "Award in Something",
        "LearnAimRefType": "0018", "NotionalNVQLevelv2": "1", "SectorSubjectAreaTier2": "14.2",
    }])  # fmt: skip

    [source] = lars.read_rows(path, provider_defaults=AT_PRESTON, as_of=AS_OF)

    assert "LearnAimRefType.csv" in source.errors["LearnAimRefType"][0]


def test_apprenticeship_standards_read_from_json_lines_and_csv(tmp_path):
    standard = {
        "referenceNumber": "ST0116",
        "title": "Software developer",
        "level": 4,
        "status": "Approved for delivery",
        "route": "Digital",
        "typicalDuration": 24,
    }
    lines = tmp_path / "standards.jsonl"
    lines.write_text(json.dumps(standard) + "\n\n" + json.dumps({**standard, "level": 1}) + "\n")
    table = write_csv(tmp_path / "standards.csv", [
        {**standard, "skills": "Write code | Test code", "maxFunding": "18000"},
    ])  # fmt: skip

    first, second = apprenticeships.read_rows(lines, provider_defaults={}, as_of=AS_OF)
    [from_csv] = apprenticeships.read_rows(table, provider_defaults={}, as_of=AS_OF)

    assert first.row["duration_weeks"] == 104
    assert (second.line, list(second.errors)) == (3, ["level"])
    assert from_csv.row["skills"] == [{"skill": "Write code", "level": 4},
                                      {"skill": "Test code", "level": 4}]  # fmt: skip
    assert from_csv.row["cost_pence"] == 1_800_000


def test_broken_json_keeps_the_standards_before_it_and_names_its_line(tmp_path):
    text = STANDARDS.read_text(encoding="utf-8").splitlines()
    text[4] = text[4][:40]  # cut the fourth standard short
    path = tmp_path / "standards.json"
    path.write_text("\n".join(text), encoding="utf-8")

    found = list(apprenticeships.read_rows(path, provider_defaults={}, as_of=AS_OF))

    assert [source.line for source in found if source.row] == [2, 3, 4]
    assert found[-1].row is None
    assert found[-1].errors["_line"][0].startswith("not JSON")


def test_standards_not_approved_or_past_their_last_start_are_not_offered(tmp_path):
    base = {
        "referenceNumber": "ST0070",
        "title": "Business administrator",
        "level": 3,
        "route": "Business and administration",
    }
    path = tmp_path / "standards.json"
    path.write_text(json.dumps([
        {**base, "status": "Retired"},
        {**base, "status": "Approved for delivery", "latestStartDate": "2024-07-31T00:00:00"},
    ]))  # fmt: skip

    retired, closed = apprenticeships.read_rows(path, provider_defaults={}, as_of=AS_OF)

    assert list(retired.errors) == ["status"]
    assert "closed to new learners" in closed.errors["latestStartDate"][0]


# --- the mapping tables ------------------------------------------------------------------


def test_ofqual_levels_run_from_entry_level_to_level_8():
    assert ofqual.LEVELS["entry level"] == 0
    assert ofqual.LEVELS["level 3"] == 3
    assert ofqual.LEVELS["level 1/level 2"] == 2
    assert sorted(set(ofqual.LEVELS.values())) == list(range(9))


def test_lars_levels_cover_entry_to_8_and_refuse_unplaced_codes():
    assert lars.LEVELS["e"] == 0
    assert sorted(lars.LEVELS.values()) == list(range(9))
    assert not {"h", "m", "x"} & set(lars.LEVELS)


def test_type_tables_only_name_routeways_types_and_route_kinds():
    assert set(records.ROUTE_KINDS) == set(QUALIFICATION_TYPES)
    assert set(records.ROUTE_KINDS.values()) <= set(ROUTE_KINDS)
    for qualification_type, route_kind in ofqual.TYPES.values():
        assert qualification_type in QUALIFICATION_TYPES
        assert route_kind in ROUTE_KINDS
    assert {kind for _, kind in lars.TYPE_PHRASES} <= {*QUALIFICATION_TYPES, None}
    assert {funding for _, funding in lars.FUNDING} <= set(FUNDING)


def test_every_sector_fits_course_row_and_every_tier_2_area_has_its_tier_1():
    sectors_used = {sector for _, sector in sectors.SSA_TIER_2.values()}
    sectors_used |= {sector for _, sector in sectors.SSA_TIER_1.values()}
    sectors_used |= set(apprenticeships.ROUTES.values())
    assert all(0 < len(sector) <= 80 for sector in sectors_used)
    assert {code.split(".")[0] for code in sectors.SSA_TIER_2} == set(sectors.SSA_TIER_1)


@pytest.mark.parametrize(
    ("text", "sector"),
    [
        ("6.1", sectors.DIGITAL),
        ("06.1 ICT Practitioners", sectors.DIGITAL),
        ("6.10", sectors.DIGITAL),
        ("15.00", sectors.BUSINESS),
        ("15.1 Accounting and Finance", sectors.LEGAL_AND_FINANCE),
        ("Hospitality and Catering", sectors.HOSPITALITY),
        ("Preparation for Life and Work", sectors.LIFE_AND_WORK),
        ("7.9", sectors.SALES),  # an unknown tier 2 falls back on its tier 1
        ("99", None),
        ("Basket weaving", None),
    ],
)
def test_sector_subject_areas_are_read_as_codes_names_or_both(text, sector):
    assert sectors.ssa_sector(text) == sector


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2024-09-02", "2024-09-02"), ("02/09/2024", "2024-09-02"),
     ("2024-09-02T00:00:00", "2024-09-02"), ("02/09/2024 00:00", "2024-09-02")],
)  # fmt: skip
def test_dates_are_read_as_iso_or_uk_day_first(text, expected):
    assert records.parse_date(text).isoformat() == expected


def test_months_and_guided_hours_become_weeks():
    assert records.weeks_from_months(24) == 104
    assert records.weeks_from_months(0) == 1
    assert records.study_time(1080, "BTEC", {}) == {"duration_weeks": 72, "hours_per_week": 15.0}
    assert records.study_time(None, "BTEC", {}) == {}
    assert records.study_time(99999, "BTEC", {}) == {}  # beyond CourseRow's ten years


# --- the command's pieces ----------------------------------------------------------------


def test_provider_defaults_must_be_a_json_object_of_course_fields():
    assert report.parse_defaults('{"campus": "Preston Campus"}') == {"campus": "Preston Campus"}
    for text, reason in [("{", "not JSON"), ("[]", "JSON object"), ('{"colour": 1}', "colour"),
                         ('{"title": "x"}', "title")]:  # fmt: skip
        with pytest.raises(ValueError, match=reason):
            report.parse_defaults(text)


def test_summary_counts_unmapped_lines_as_rejected_and_lists_them_in_line_order():
    source_rows = read("ofqual")
    mapped = [source.row for source in source_rows if source.row]
    outcomes = [("created", {})] * (len(mapped) - 1) + [("rejected", {"campus": ["unknown"]})]

    summary = report.summarise(source_rows, outcomes, report.IMPORT_OUTCOMES)

    assert summary["records"] == 13
    assert summary["counts"] == {"created": 9, "updated": 0, "unchanged": 0, "rejected": 4}
    assert [item["line"] for item in summary["rejected"]] == [11, 12, 13, 14]
    assert summary["rejected"][0]["external_ref"] == "6999010X"


def test_summary_shows_at_most_twenty_rejected_lines():
    source_rows = [records.SourceRow(line, None, {"_line": ["bad"]}) for line in range(2, 40)]

    summary = report.summarise(source_rows, [], report.DRY_RUN_OUTCOMES)

    assert summary["counts"] == {"valid": 0, "rejected": 38}
    assert len(summary["rejected"]) == report.SHOWN_REJECTIONS


@pytest.mark.parametrize("name", SAMPLES)
def test_dry_run_prints_a_json_summary_and_writes_nothing(name):
    _, path, defaults, bad = SAMPLES[name]
    arguments = ["import-courses", "--provider-id", "1", "--format", name, "--dry-run"]

    result = CliRunner().invoke(catalogue, [*arguments, "--defaults", json.dumps(defaults),
                                            str(path)])  # fmt: skip

    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["dry_run"] is True
    assert summary["counts"]["rejected"] == len(bad)
    assert summary["counts"]["valid"] == summary["records"] - len(bad)
    assert [item["line"] for item in summary["rejected"]] == sorted(bad)


def test_dry_run_reports_rows_course_row_would_refuse():
    arguments = ["import-courses", "--provider-id", "1", "--format", "ofqual", "--dry-run"]

    result = CliRunner().invoke(catalogue, [*arguments, str(OFQUAL)])  # no campus given

    summary = json.loads(result.output)
    assert summary["counts"] == {"valid": 0, "rejected": 13}
    assert summary["rejected"][0]["errors"] == {"campus": ["required for classroom or blended "
                                                           "delivery"]}  # fmt: skip


def test_command_refuses_bad_defaults_and_files_in_another_format():
    arguments = ["import-courses", "--provider-id", "1", "--dry-run"]

    bad_defaults = CliRunner().invoke(
        catalogue, [*arguments, "--format", "ofqual", "--defaults", "[]", str(OFQUAL)]
    )
    wrong_file = CliRunner().invoke(catalogue, [*arguments, "--format", "lars", str(OFQUAL)])

    assert bad_defaults.exit_code == 2
    assert "--defaults" in bad_defaults.output
    assert wrong_file.exit_code == 1
    assert "LearnAimRef" in wrong_file.output


# --- the coursera shape fixture ----------------------------------------------------------


@pytest.mark.skipif(
    not COURSERA.exists(), reason="coursera-catalogue-2023 is not in the shared data folder"
)
def test_coursera_shape_every_row_validates_or_is_rejected_with_a_reason():
    found = list(coursera.read_rows(COURSERA, provider_defaults={}))
    rows = [source.row for source in found if source.row]

    assert len(found) > 1000
    assert len(rows) > 900
    assert all(source.errors for source in found if source.row is None)
    for outcome, errors in report.check_rows(rows):
        assert outcome == "valid", errors
    assert {row["delivery_mode"] for row in rows} == {"online"}
    assert all(row["national"] and row["qualification_type"] == "Short course" for row in rows)


def test_coursera_adapter_reads_skill_sets_and_durations():
    assert coursera._skills('{" Network Security"," Linux"}') == ["Network Security", "Linux"]
    assert coursera._weeks("3 - 6 Months") == 26
    assert coursera._weeks("Less Than 2 Hours") == 1
    assert coursera._weeks("24 meses") == 104
    assert coursera._weeks("None") is None
    assert "coursera" not in READERS  # never offered by the import command


def test_sample_files_are_small_and_no_coursera_file_is_copied_into_the_repository():
    files = [path for path in FIXTURES.rglob("*") if path.is_file()]
    assert not [path for path in files if "coursera" in path.name.casefold()]
    for path in (OFQUAL, LARS, STANDARDS):
        assert 8 <= len(path.read_text(encoding="utf-8").splitlines()) <= 15


def test_files_with_a_byte_order_mark_or_windows_encoding_are_read(tmp_path):
    title = "Caf\u00e9 skills \u2013 Level 2"  # é and an en dash: both in cp1252
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(OFQUAL_LINE))
    writer.writeheader()
    writer.writerow({**OFQUAL_LINE, "Qualification Title": title})
    (tmp_path / "bom.csv").write_bytes(text.getvalue().encode("utf-8-sig"))
    (tmp_path / "cp1252.csv").write_bytes(text.getvalue().encode("cp1252"))

    for name in ("bom.csv", "cp1252.csv"):
        [source] = ofqual.read_rows(tmp_path / name, provider_defaults=AT_PRESTON, as_of=AS_OF)
        assert source.row["title"] == title
