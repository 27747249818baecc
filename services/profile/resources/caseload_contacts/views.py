"""POST /advisers/lookup: the advisers of the learners the notifier names (its weekly adviser
summaries), for the notifier's contact token or the admin token only."""

from __future__ import annotations

from flask.views import MethodView

from services.profile import caseload_contacts
from services.profile.resources.caseload_contacts.schemas import (
    AdviserContactSchema,
    CaseloadLookupSchema,
)
from services.profile.resources.contacts.views import require_notifier
from shared.web import db_session
from shared.web.blueprint import Blueprint

blp = Blueprint(
    "caseload_contacts", __name__, url_prefix="/advisers", description="Advisers of learners"
)


@blp.route("/lookup")
class AdviserLookup(MethodView):
    @blp.doc(security=[{"NotifierToken": []}, {"AdminToken": []}])
    @blp.arguments(CaseloadLookupSchema)
    @blp.response(200, AdviserContactSchema(many=True))
    def post(self, lookup: dict) -> list[dict]:
        """The open adviser accounts that may see any of these learners, with those learners"""
        require_notifier()
        found = caseload_contacts.advisers_of(db_session(), lookup["learner_ids"])
        return [
            {
                "adviser_id": adviser.adviser_id,
                "name": adviser.name,
                "email": adviser.email,
                "learners": [{"learner_id": i, "name": name} for i, name in adviser.learners],
            }
            for adviser in found
        ]
