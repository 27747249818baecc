"""The caseload page: the adviser's learners who share their profile, searched, sorted, paged,
with what needs attention flagged (no goal yet, suggestion emails turned off) and a count of
those who stopped sharing (a count only, never who)."""

from __future__ import annotations

from datetime import datetime

from flask import render_template, request

from services.profile import action_plans, advisers, taxonomy_cache
from services.profile.console.forms import SORT_WORDS, CaseloadSearch
from services.profile.console.pages import adviser_page, console_blueprint, signed_in, take_notice
from shared.web import db_session

blp = console_blueprint("caseload", __name__)

PAGE_SIZE = 25
FLAG_WORDS = {
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
    visits = action_plans.visits_of(session, signed_in().id, [r.learner.id for r in page.learners])
    session.commit()
    return _page(search, page, {}, page_number, titles, visits), 200


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
