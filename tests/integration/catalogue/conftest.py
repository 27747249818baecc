"""Fixtures for the catalogue's integration tests.

Taxonomy: the real open data folder (ROUTEWAYS_DATA_DIR, else ../shared/data beside the repo;
tests that need it are skipped with the reason when it is absent), and a small open-data folder
written per test in the same layout and with the same quirks as the real files (UTF-8 BOMs,
gzip, line breaks inside quoted fields), so import behaviour is tested on any machine.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest
from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[3]
OPEN_DATA = Path(os.environ.get("ROUTEWAYS_DATA_DIR") or ROOT.parent / "shared" / "data")
ESCO = "http://data.europa.eu/esco"

#: A progress factory that draws nothing (tests pass it to the importers).
quiet = partial(tqdm, disable=True)

#: code -> (uri suffix, ISCO group, title) of the small taxonomy.
OCCUPATIONS = {
    "2512.4": ("software-developer", "2512", "software developer"),
    "2514.2": ("ict-application-developer", "2514", "ICT application developer"),
    "3512.1": ("ict-help-desk-agent", "3512", "ICT help desk agent"),
    "7212.3": ("welder", "7212", "welder"),
}
#: uri suffix -> (skillType, reuseLevel, label)
SKILLS = {
    "python": ("knowledge", "sector-specific", "Python (computer programming)"),
    "develop-software": ("skill/competence", "sector-specific", "develop software"),
    "debug-software": ("skill/competence", "cross-sector", "debug software"),
    "work-in-teams": ("skill/competence", "cross-sector", "work in teams"),  # in the collection
    "weld-metal": ("skill/competence", "occupation-specific", "weld metal"),
}
LINKS = [
    ("software-developer", "python", "essential"),
    ("software-developer", "develop-software", "essential"),
    ("software-developer", "debug-software", "essential"),
    ("software-developer", "work-in-teams", "optional"),
    ("ict-application-developer", "python", "essential"),
    ("ict-application-developer", "develop-software", "essential"),
    ("ict-application-developer", "work-in-teams", "optional"),
    ("ict-help-desk-agent", "debug-software", "essential"),
    ("ict-help-desk-agent", "work-in-teams", "essential"),
    ("welder", "weld-metal", "essential"),
    ("welder", "work-in-teams", "optional"),
    ("not-in-the-occupations-file", "weld-metal", "essential"),  # skipped, like ESCO's 67
]


def occupation_uri(suffix: str) -> str:
    return f"{ESCO}/occupation/{suffix}"


def skill_uri(suffix: str) -> str:
    return f"{ESCO}/skill/{suffix}"


def write_csv(path: Path, header: list[str], rows: list[list], bom: bool = False) -> None:
    """A CSV file (gzip-compressed when the name ends .gz), CRLF line endings like ESCO's."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    text = ("\ufeff" if bom else "") + buffer.getvalue()
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".gz":
        with gzip.open(path, "wt", encoding="utf-8", newline="") as handle:
            handle.write(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")


def write_open_data(folder: Path, titles: dict[str, str] | None = None) -> Path:
    """The small taxonomy as an open-data folder; `titles` renames occupations by code."""
    titles = titles or {}
    _write_esco(folder / "esco", titles)
    _write_nesta(folder / "nesta-career-causeways")
    _write_onet(folder / "onet")
    _write_labour_market(folder / "uk-lmi-where-the-work-is")
    write_csv(
        folder / "uk-postcode-outcodes" / "postcode-outcodes.csv",
        ["id", "outcode", "latitude", "longitude", ""],
        [[1, "PR1", 53.754842, -2.708077, ""], [2, "BB11", 53.77265, -2.267867, ""]],
    )
    return folder


def _write_esco(folder: Path, titles: dict[str, str]) -> None:
    write_csv(
        folder / "occupations_en.csv",
        ["conceptType", "conceptUri", "iscoGroup", "preferredLabel", "altLabels", "description",
         "code"],
        [["Occupation", occupation_uri(uri), isco, titles.get(code, title),
          f"{title}\n{title} (alternative)", f"Does the work of a {title}.\nEvery day.", code]
         for code, (uri, isco, title) in OCCUPATIONS.items()],
        bom=True,
    )  # fmt: skip
    write_csv(
        folder / "skills_en.csv.gz",
        ["conceptType", "conceptUri", "skillType", "reuseLevel", "preferredLabel", "altLabels",
         "description"],
        [["KnowledgeSkillCompetence", skill_uri(uri), kind, reuse, label, f"{label}\nalso", ""]
         for uri, (kind, reuse, label) in SKILLS.items()],
    )  # fmt: skip
    write_csv(
        folder / "occupationSkillRelations.csv.gz",
        ["occupationUri", "relationType", "skillType", "skillUri"],
        [
            [occupation_uri(o), relation, "skill/competence", skill_uri(s)]
            for o, s, relation in LINKS
        ],
    )
    write_csv(
        folder / "transversalSkillsCollection_en.csv",
        ["conceptType", "conceptUri", "skillType", "reuseLevel", "preferredLabel"],
        [["KnowledgeSkillCompetence", skill_uri("work-in-teams"), "skill/competence",
          "cross-sector", "work in teams"]],
    )  # fmt: skip


def _write_nesta(folder: Path) -> None:
    write_csv(
        folder / "mcc_transitions_Occupation_data.csv",
        ["id", "occupation", "job_zone", "education_level", "annual_earnings", "concept_uri"],
        [[1, "software developer", "4.0", "6.2", "42158.8", occupation_uri("software-developer")],
         [2, "welder", "3.0", "2.6", "26596.0", occupation_uri("welder")]],
    )  # fmt: skip
    write_csv(
        folder / "mcc_risk_All_occupations.csv",
        ["id", "occupation", "risk", "concept_uri"],
        [[1, "software developer", "3.47", occupation_uri("software-developer")]],
    )
    write_csv(
        folder / "esco_onet_crosswalk_Nov2020.csv",
        ["id", "esco_occupation", "onet_code", "concept_uri"],
        [[1, "software developer", "15-1252.00", occupation_uri("software-developer")],
         [2, "ICT help desk agent", "15-1232.00", occupation_uri("ict-help-desk-agent")]],
    )  # fmt: skip


def _write_onet(folder: Path) -> None:
    write_csv(
        folder / "related_occupations.csv",
        ["PK", "O*NET-SOC Code", "Title", "Related O*NET-SOC Code", "Related Title",
         "Relatedness Tier", "Index"],
        [[1, "15-1252.00", "Software Developers", "15-1232.00", "Computer User Support",
          "Primary-Short", 2]],
        bom=True,
    )  # fmt: skip


def _write_labour_market(folder: Path) -> None:
    columns = ["geography_type", "geography_name", "occupation", "demand_entry",
               "demand_entry_sl", "demand_entry_fe", "demand_entry_he", "reg_salary"]  # fmt: skip
    write_csv(
        folder / "occupation_data.csv",
        columns,
        [["LEPplus", "LANCASHIRE", "Information Technology Technicians", 867, 271, 174, 398,
          36500],
         ["Region", "NORTH WEST ENGLAND", "Information Technology Technicians", 5000, 1200,
          900, 2500, 38000],
         ["LEPplus", "LANCASHIRE", "Metal Forming, Welding and Related Trades", 120, 80, 30, 0,
          ""],
         ["LEPplus", "", "Metal Forming, Welding and Related Trades", 1, 1, 0, 0, ""]],
    )  # fmt: skip
    write_csv(
        folder / "projection_employment.csv",
        ["nation_region", "soc3", "soc_name", "working_futures_projection"],
        [["North West", "313", "Information Technology Technicians",
          "Employment in this occupation is projected to rise by 2020 (Working Futures, 2016)"]],
    )  # fmt: skip
    write_csv(
        folder / "lep_locations.csv",
        ["LEP/City Region", "Pin_Location", "Lat", "Lon", "Region", "Nation"],
        [["Lancashire", "Preston", 53.759, -2.699, "NORTH WEST ENGLAND", "England"]],
    )


@pytest.fixture(scope="session")
def open_data_dir() -> Path:
    """The real open data folder; tests that need it are skipped, saying why, without it."""
    if not (OPEN_DATA / "esco").is_dir():
        pytest.skip(
            f"the real open data are not at {OPEN_DATA}: set ROUTEWAYS_DATA_DIR to a folder "
            "laid out like /work/shared/data (esco/, nesta-career-causeways/, onet/, ...)"
        )
    return OPEN_DATA


@pytest.fixture
def make_open_data(tmp_path: Path) -> Callable[..., Path]:
    """Write the small open-data folder (optionally with renamed occupations); its path."""
    counter = iter(range(1_000))

    def make(titles: dict[str, str] | None = None) -> Path:
        return write_open_data(tmp_path / f"open-data-{next(counter)}", titles)

    return make
