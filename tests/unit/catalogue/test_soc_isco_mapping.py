"""The shipped SOC 2010 -> ISCO-08 map covers every minor group of the UK labour-market data,
and links each to real ISCO-08 unit groups, each row with its reason."""

import csv
import os
from pathlib import Path

import pytest

from services.catalogue.taxonomy.labour_market import SOC_ISCO_FILE, projected_change
from services.catalogue.taxonomy.source_files import read_rows

ROOT = Path(__file__).resolve().parents[3]
OPEN_DATA = Path(os.environ.get("ROUTEWAYS_DATA_DIR") or ROOT.parent / "shared" / "data")
LMI = OPEN_DATA / "uk-lmi-where-the-work-is" / "occupation_data.csv"
ISCO_GROUPS = OPEN_DATA / "esco" / "ISCOGroups_en.csv"

ROWS = list(read_rows(SOC_ISCO_FILE, comments=True))


def test_map_has_51_minor_groups_each_with_a_title_and_reasoned_links():
    assert len({row["soc_group"] for row in ROWS}) == 51
    assert all(row["soc_group"].isdigit() and len(row["soc_group"]) == 3 for row in ROWS)
    assert all(row["soc_title"] and row["isco_title"] and row["reason"] for row in ROWS)
    titles = {(row["soc_group"], row["soc_title"]) for row in ROWS}
    assert len(titles) == 51  # one title per group


def test_every_isco_code_is_a_four_digit_unit_group_linked_once_per_soc_group():
    assert all(len(row["isco_group"]) == 4 and row["isco_group"].isdigit() for row in ROWS)
    pairs = [(row["soc_group"], row["isco_group"]) for row in ROWS]
    assert len(pairs) == len(set(pairs))


@pytest.mark.skipif(not ISCO_GROUPS.exists(), reason=f"ESCO's ISCO-08 groups not at {ISCO_GROUPS}")
def test_every_isco_code_exists_in_isco_08_with_the_title_given():
    with ISCO_GROUPS.open(newline="", encoding="utf-8-sig") as handle:
        isco = {row["code"]: row["preferredLabel"] for row in csv.DictReader(handle)}

    for row in ROWS:
        assert row["isco_group"] in isco, row
        assert isco[row["isco_group"]].replace("\u2019", "'") == row["isco_title"], row


@pytest.mark.skipif(not LMI.exists(), reason=f"the UK labour-market data are not at {LMI}")
def test_every_soc_group_in_the_labour_market_data_has_a_mapping():
    with LMI.open(newline="", encoding="utf-8-sig") as handle:
        groups = {row["occupation"].upper() for row in csv.DictReader(handle)}

    mapped = {row["soc_title"].upper() for row in ROWS}
    assert len(groups) == 51
    assert groups <= mapped


@pytest.mark.parametrize(
    ("sentence", "change"),
    [
        ("Employment in this occupation is projected to rise by 2020 (Working Futures)", "rise"),
        ("Employment in this occupation is projected to fall by 2020 (Working Futures)", "fall"),
        ("Employment is projected to remain steady until 2020 (Working Futures, 2016)", "steady"),
        ("No projection", None),
    ],
)
def test_working_futures_sentences_become_rise_fall_or_steady(sentence, change):
    assert projected_change(sentence) == change
