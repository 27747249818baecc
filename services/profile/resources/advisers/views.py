"""/advisers: sign-in, personal tokens, caseloads (being built)."""

from shared.web.blueprint import Blueprint

blp = Blueprint("advisers", __name__, url_prefix="/advisers", description="Advisers")
