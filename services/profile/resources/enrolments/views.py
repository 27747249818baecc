"""Providers' enrolment imports (being built)."""

from shared.web.blueprint import Blueprint

blp = Blueprint("enrolments", __name__, description="Enrolment imports")
