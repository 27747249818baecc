"""The caseload page: the adviser's learners who share their profile, searched, sorted, paged,
with what needs attention flagged (routes changed since the adviser's last visit, no goal yet,
suggestion emails turned off) and a count of those who stopped sharing (a count only, never
who)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from flask import render_template, request

from services.profile import action_plans, advisers, taxonomy_cache
from services.profile.console.forms import SORT_WORDS, CaseloadSearch
from services.profile.console.pages import adviser_page, console_blueprint, signed_in, take_notice
from shared.web import db_session

blp = console_blueprint("caseload", __name__)

PAGE_SIZE = 25
#: The learner's best route changed after the adviser last opened their page.
FLAG_NEW_ROUTES = "new-routes"
FLAG_WORDS = {
    FLAG_NEW_ROUTES: "New routes since your last visit",
    advisers.FLAG_NO_GOAL: "No goal yet",
    advisers.FLAG_EMAILS_OFF: "Suggestion emails off",
}


@blp.route("/caseload")
@adviser_page
def caseload() -> tuple[str, int]:
    """The signed-in adviser's caseload."""
    search = CaseloadSearch(formdata=request.args)
    if not search.validate():
        errors = {name: messages[0] for name, messages in search.errors.items()}
        return _page(search, None, errors, 1), 400
    page_number = search.page.data or 1
    session = db_session()
    try:
        page = advisers.caseload(
            session,
            signed_in().id,
            q=search.q.data or "",
            sort=search.sort.data or "name",
            limit=PAGE_SIZE,
            offset=(page_number - 1) * PAGE_SIZE,
        )
    except advisers.AdviserError as error:
        return _page(search, None, {error.field: error.reason}, 1), 400
    codes = {row.learner.occupation_code for row in page.learners if row.learner.occupation_code}
    codes |= {code for row in page.learners for code in row.learner.goal_occupations or []}
    titles = taxonomy_cache.labels(session, taxonomy_cache.OCCUPATION, codes)
    shown = [row.learner.id for row in page.learners]
    visits = action_plans.visits_of(session, signed_in().id, shown)
    page = _flag_new_routes(
        page, action_plans.new_routes_since_visit(session, signed_in().id, shown)
    )
    session.commit()
    return _page(search, page, {}, page_number, titles, visits), 200


def _flag_new_routes(page: advisers.Caseload, learner_ids: set[int]) -> advisers.Caseload:
    rows = [
        replace(row, flags=(FLAG_NEW_ROUTES, *row.flags)) if row.learner.id in learner_ids else row
        for row in page.learners
    ]
    return replace(page, learners=rows)


def _page(
    search: CaseloadSearch,
    page: advisers.Caseload | None,
    errors: dict[str, str],
    page_number: int,
    titles: dict[str, str] | None = None,
    visits: dict[int, datetime] | None = None,
) -> str:
    pages = max(1, -(-page.total // PAGE_SIZE)) if page else 1
    return render_template(
        "console/caseload.html",
        search=search,
        page=page,
        errors=errors,
        page_number=page_number,
        pages=pages,
        titles=titles or {},
        visits=visits or {},
        flag_words=FLAG_WORDS,
        sort_words=SORT_WORDS,
        notice=take_notice(),
    )
