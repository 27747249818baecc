"""`routeways catalogue import-courses` on a real catalogue database: good lines of an official
source become the provider's courses, bad ones are reported by line, and a second run of the
same file changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from services.catalogue.cli import catalogue
from services.catalogue.models import Campus, Course, OutboxEvent, Provider

LARS = Path(__file__).resolve().parents[2] / "fixtures" / "course_sources" / "lars"


@pytest.fixture
def provider_id(catalogue_db, monkeypatch) -> int:
    monkeypatch.setenv("ROUTEWAYS_CATALOGUE_DATABASE_URL", catalogue_db.url)
    with catalogue_db.session_scope() as session:
        provider = Provider(key="prestons-college", name="Preston's College", kind="fe-college")
        provider.campuses = [
            Campus(name="Preston Campus", postcode="PR2 8UR", latitude=53.787, longitude=-2.712)
        ]
        session.add(provider)
        session.flush()
        return provider.id


def run_import(provider_id: int, *extra: str) -> dict:
    arguments = ["import-courses", "--provider-id", str(provider_id), "--format", "lars"]
    defaults = json.dumps({"campus": "Preston Campus", "study_mode": "part-time"})
    result = CliRunner().invoke(
        catalogue, [*arguments, "--defaults", defaults, *extra, str(LARS / "LearningDelivery.csv")]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_import_stores_good_lines_reports_bad_ones_and_is_idempotent(catalogue_db, provider_id):
    first = run_import(provider_id)
    second = run_import(provider_id)

    assert first["counts"] == {"created": 9, "updated": 0, "unchanged": 0, "rejected": 3}
    assert [item["line"] for item in first["rejected"]] == [11, 12, 13]
    assert second["counts"] == {"created": 0, "updated": 0, "unchanged": 9, "rejected": 3}
    with catalogue_db.session_scope() as session:
        stored = {c.external_ref: c for c in session.scalars(select(Course))}
        assert len(stored) == 9
        assert stored["69990011"].funding == "fully-funded"
        assert stored["69990011"].campus.name == "Preston Campus"
        assert session.scalar(select(func.count()).select_from(OutboxEvent)) == 9  # one each


def test_dry_run_writes_nothing(catalogue_db, provider_id):
    summary = run_import(provider_id, "--dry-run")

    assert summary["counts"] == {"valid": 9, "rejected": 3}
    with catalogue_db.session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Course)) == 0


def test_unknown_provider_is_refused(catalogue_db, provider_id):
    arguments = ["import-courses", "--provider-id", str(provider_id + 1), "--format", "lars"]

    result = CliRunner().invoke(catalogue, [*arguments, str(LARS / "LearningDelivery.csv")])

    assert result.exit_code == 1
    assert f"there is no provider {provider_id + 1}" in result.output
