"""`routeways recommender sync-courses` on SQLite and PostgreSQL: every published course the
catalogue lists lands in the read model page by page, courses held as published that it no
longer lists are re-read, and newer facts are never overwritten."""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import select

from services.recommender import course_commands  # noqa: F401 - adds the command to the group
from services.recommender.course_facts import sync_courses
from services.recommender.models import CourseView
from shared.cli import main
from shared.embedded_redis import free_port
from tests.integration.recommender.catalogue_for_facts import course_row

pytest_plugins = ["tests.integration.recommender.catalogue_for_facts"]


def statuses(database) -> dict[int, tuple[str, str | None]]:
    with database.session_scope() as session:
        rows = session.execute(select(CourseView.course_id, CourseView.status, CourseView.title))
        return {course_id: (status, title) for course_id, status, title in rows}


def test_sync_reads_every_published_course_page_by_page(recommender_worker, seeded_catalogue):
    ids = seeded_catalogue.upsert(*[course_row(f"C{n}") for n in range(5)],
                                  course_row("DRAFT", status="draft"))  # fmt: skip
    pages = []

    result = sync_courses(recommender_worker, seeded_catalogue.client(), pages.append, page_size=2)

    assert result.as_dict() == {"stored": 5, "stale": 0, "rechecked": {}}
    assert pages == [2, 2, 1]
    held = statuses(recommender_worker)
    assert held == {ids[f"C{n}"]: ("published", f"Course C{n}") for n in range(5)}


def test_sync_rereads_courses_the_catalogue_no_longer_lists(recommender_worker, seeded_catalogue):
    ids = seeded_catalogue.upsert(course_row("KEPT"), course_row("GONE"), course_row("HIDDEN"))
    sync_courses(recommender_worker, seeded_catalogue.client())
    seeded_catalogue.withdraw("GONE")
    seeded_catalogue.upsert(course_row("HIDDEN", status="draft"))

    result = sync_courses(recommender_worker, seeded_catalogue.client())

    assert result.rechecked == {"stored": 1, "unpublished": 1}
    held = statuses(recommender_worker)
    assert held[ids["KEPT"]][0] == "published"
    assert held[ids["GONE"]][0] == "withdrawn"
    assert held[ids["HIDDEN"]][0] == "unpublished"


def test_the_command_prints_json_counts(recommender_worker, seeded_catalogue):
    seeded_catalogue.upsert(course_row("A"), course_row("B"))

    result = CliRunner().invoke(main, ["recommender", "sync-courses", "--no-progress"])

    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"stored": 2, "stale": 0, "rechecked": {}}


def test_the_command_says_which_catalogue_did_not_answer(recommender_worker, monkeypatch):
    url = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("ROUTEWAYS_CATALOGUE_URL", url)

    result = CliRunner().invoke(main, ["recommender", "sync-courses", "--no-progress"])

    assert result.exit_code == 1
    assert f"the catalogue at {url} did not answer usefully" in result.output
