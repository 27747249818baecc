"""The profile service's taxonomy cache follows the catalogue, on SQLite and PostgreSQL: the
`profile.refresh_taxonomy` task and `routeways profile refresh-taxonomy` fetch
`GET /taxonomy/codes` from a catalogue served over real HTTP, and `catalogue.taxonomy.updated`
sends the task only once the handler's transaction commits."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from services.profile.catalogue_client import CatalogueUnavailable
from services.profile.handlers import on_taxonomy_updated
from services.profile.models import TaxonomyCode, TaxonomySeen
from services.profile.tasks import refresh_taxonomy
from services.profile.taxonomy_cache import cached_version
from shared.cli import main
from shared.embedded_redis import free_port
from shared.events import make_event
from tests.conftest import migrated
from tests.integration.profile.conftest_catalogue import import_small_taxonomy

pytest_plugins = ["tests.integration.profile.conftest_catalogue"]


@pytest.fixture
def profile_db(second_database_url, served_catalogue, monkeypatch):
    """The profile database, and the environment a worker or the CLI reads its settings from."""
    database = migrated("profile", second_database_url)
    monkeypatch.setenv("ROUTEWAYS_PROFILE_DATABASE_URL", second_database_url)
    monkeypatch.setenv("ROUTEWAYS_CATALOGUE_URL", served_catalogue.url)
    yield database
    database.dispose()


def cached(database) -> tuple[str | None, dict[str, set[str]]]:
    with database.session_scope() as session:
        codes: dict[str, set[str]] = {}
        for kind, code in session.execute(select(TaxonomyCode.kind, TaxonomyCode.code)):
            codes.setdefault(kind, set()).add(code)
        return cached_version(session), codes


def test_the_task_caches_the_announced_version_from_the_catalogue(
    profile_db, catalogue_app, tmp_path
):
    version = import_small_taxonomy(catalogue_app, tmp_path / "open-data")

    outcome = refresh_taxonomy(version)

    assert outcome["outcome"] == "cached"
    assert outcome["version"] == version
    assert outcome["counts"]["occupation"] == 4
    got_version, codes = cached(profile_db)
    assert got_version == version
    assert codes["occupation"] == {"2512.4", "2514.2", "3512.1", "7212.3"}
    assert codes["district"] == {"PR1", "BB11"}
    assert "Digital" in codes["sector"]


def test_the_task_is_idempotent_a_second_run_changes_nothing(
    profile_db, catalogue_app, served_catalogue, tmp_path
):
    version = import_small_taxonomy(catalogue_app, tmp_path / "open-data")
    refresh_taxonomy(version)
    served_catalogue.paths.clear()

    again = refresh_taxonomy(version)
    older_announcement = refresh_taxonomy("an-older-version")

    assert again == {"outcome": "already-cached", "version": version}
    assert older_announcement == {"outcome": "unchanged", "version": version}  # a 304
    assert served_catalogue.paths == ["/taxonomy/codes"]  # only the older announcement asked
    assert cached(profile_db)[0] == version


def test_a_new_version_replaces_the_cached_codes(profile_db, catalogue_app, tmp_path):
    first = import_small_taxonomy(catalogue_app, tmp_path / "first")
    refresh_taxonomy(first)
    second = import_small_taxonomy(catalogue_app, tmp_path / "second", {"7212.3": "metal welder"})

    outcome = refresh_taxonomy(second)

    assert second != first
    assert outcome["outcome"] == "cached"
    with profile_db.session_scope() as session:
        assert session.get(TaxonomyCode, ("occupation", "7212.3")).label == "metal welder"
        assert cached_version(session) == second


def test_before_the_catalogue_has_a_taxonomy_the_task_caches_nothing(profile_db):
    assert refresh_taxonomy(None) == {"outcome": "catalogue-has-no-taxonomy", "version": None}
    assert cached(profile_db) == (None, {})


def test_the_task_raises_for_a_retry_when_the_catalogue_cannot_be_reached(profile_db, monkeypatch):
    monkeypatch.setenv("ROUTEWAYS_CATALOGUE_URL", f"http://127.0.0.1:{free_port()}")

    with pytest.raises(CatalogueUnavailable):
        refresh_taxonomy("v-unreachable")
    assert cached(profile_db) == (None, {})


def test_the_command_fetches_the_codes_and_prints_json_counts(profile_db, catalogue_app, tmp_path):
    version = import_small_taxonomy(catalogue_app, tmp_path / "open-data")

    result = CliRunner().invoke(main, ["profile", "refresh-taxonomy"])
    again = CliRunner().invoke(main, ["profile", "refresh-taxonomy"])
    forced = CliRunner().invoke(main, ["profile", "refresh-taxonomy", "--force"])

    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert printed["version"] == version
    assert (printed["counts"]["occupation"], printed["counts"]["district"]) == (4, 2)
    assert json.loads(again.output)["outcome"] == "unchanged"
    assert json.loads(forced.output)["outcome"] == "cached"


def test_the_command_says_which_catalogue_did_not_answer(profile_db, monkeypatch):
    url = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("ROUTEWAYS_CATALOGUE_URL", url)

    result = CliRunner().invoke(main, ["profile", "refresh-taxonomy"])

    assert result.exit_code == 1
    assert url in result.output


# --- the handler -------------------------------------------------------------------------------


def queued(redis_client) -> list[dict]:
    return [json.loads(raw) for raw in redis_client.lrange("celery", 0, -1)]


def taxonomy_updated(version: str):
    return make_event(
        "catalogue.taxonomy.updated",
        1,
        {"version": version, "counts": {"occupations": 4}},
        producer="catalogue",
    )


def test_the_handler_records_the_version_and_sends_the_task_only_after_commit(
    profile_db, redis_client
):
    with profile_db.sessions() as session:
        on_taxonomy_updated(taxonomy_updated("v-rolled-back"), session)
        session.rollback()
    assert queued(redis_client) == []

    with profile_db.sessions() as session:
        on_taxonomy_updated(taxonomy_updated("v-2"), session)
        assert queued(redis_client) == []  # not before the commit
        session.commit()

    [message] = queued(redis_client)
    assert message["headers"]["task"] == "profile.refresh_taxonomy"
    assert message["headers"]["argsrepr"] == "('v-2',)"
    with profile_db.session_scope() as session:
        seen = session.get(TaxonomySeen, "v-2")
        assert (seen.counts, seen.cached_at) == ({"occupations": 4}, None)
        assert session.get(TaxonomySeen, "v-rolled-back") is None


def test_the_task_is_registered_with_the_worker_by_name():
    from shared.tasks import TASK_MODULES, celery

    assert "services.profile.tasks" in TASK_MODULES
    assert celery.tasks["profile.refresh_taxonomy"].run is refresh_taxonomy.run
    assert refresh_taxonomy.acks_late
