"""`routeways catalogue import-taxonomy` and `import-postcodes`: JSON summaries, the data folder
from --data, $ROUTEWAYS_DATA_DIR or the demo when there is none."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from shared.cli import main
from shared.demo.taxonomy import OCCUPATIONS as DEMO_OCCUPATIONS
from tests.conftest import migrated


@pytest.fixture
def catalogue_url(tmp_path, monkeypatch):
    """A migrated SQLite catalogue the commands use, run from a folder with no ../shared/data."""
    url = f"sqlite:///{tmp_path / 'catalogue.sqlite3'}"
    migrated("catalogue", url).dispose()
    monkeypatch.setenv("ROUTEWAYS_CATALOGUE_DATABASE_URL", url)
    monkeypatch.delenv("ROUTEWAYS_DATA_DIR", raising=False)
    workdir = tmp_path / "work" / "here"
    workdir.mkdir(parents=True)
    monkeypatch.chdir(workdir)
    return url


def run(*args: str) -> dict:
    result = CliRunner().invoke(main, ["catalogue", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_import_taxonomy_from_data_prints_a_summary_and_is_idempotent(
    catalogue_url, make_open_data
):
    data_dir = str(make_open_data())

    first = run("import-taxonomy", "--data", data_dir)
    second = run("import-taxonomy", "--data", data_dir)

    assert first["changed"]
    assert first["counts"]["occupations"] == 4
    assert not second["changed"]
    assert second["version"] == first["version"]


def test_import_taxonomy_reads_the_folder_named_by_the_environment(
    catalogue_url, make_open_data, monkeypatch
):
    monkeypatch.setenv("ROUTEWAYS_DATA_DIR", str(make_open_data()))

    summary = run("import-taxonomy")

    assert summary["counts"]["skills"] == 5


def test_import_taxonomy_without_any_data_folder_loads_the_demo(catalogue_url):
    summary = run("import-taxonomy")

    assert summary["counts"]["occupations"] == len(DEMO_OCCUPATIONS)
    assert summary["sources"]["data_dir"] is None


def test_import_postcodes_prints_the_district_count(catalogue_url, make_open_data):
    summary = run("import-postcodes", "--data", str(make_open_data()))

    assert summary["changes"] == {"postcode_districts": {"inserted": 2, "updated": 0, "deleted": 0}}


def test_data_folder_without_esco_is_a_clear_error(catalogue_url, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()

    result = CliRunner().invoke(main, ["catalogue", "import-taxonomy", "--data", str(empty)])

    assert result.exit_code != 0
    assert "no esco/ folder" in result.output
