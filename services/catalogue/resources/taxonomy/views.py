"""/occupations, /skills and /postcodes: the region's taxonomy, read-only.

Every 4xx is a problem naming its field: a bad query parameter is 422 (location "query"), an
unknown occupation or postcode district 404 and a malformed postcode 422 (location "path").
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import abort

from services.catalogue import postcodes
from services.catalogue.courses import CatalogueError
from services.catalogue.resources.taxonomy.schemas import (
    OccupationDetailQuery,
    OccupationDetailSchema,
    OccupationPageSchema,
    OccupationQuery,
    PostcodeSchema,
    SkillPageSchema,
    SkillQuery,
)
from services.catalogue.taxonomy import browse
from shared.web import db_session
from shared.web.blueprint import Blueprint

blp = Blueprint("taxonomy", __name__, description="Occupations, skills, routes and places")


@blp.route("/occupations")
class Occupations(MethodView):
    @blp.arguments(OccupationQuery, location="query", as_kwargs=True)
    @blp.response(200, OccupationPageSchema)
    def get(self, **query: Any) -> browse.Page:
        """Occupations by title text, technical route and ISCO group, a page at a time"""
        return _answer(lambda: browse.list_occupations(db_session(), **query))


@blp.route("/occupations/<string:code>")
class OccupationByCode(MethodView):
    @blp.arguments(OccupationDetailQuery, location="query", as_kwargs=True)
    @blp.response(200, OccupationDetailSchema)
    def get(self, code: str, area: str | None = None) -> dict:
        """One occupation: its skills, the moves out of it, and its labour market"""
        detail = _answer(lambda: browse.occupation_detail(db_session(), code, area))
        return {
            **OccupationDetailSchema().dump(detail.occupation),
            "essential_skills": detail.essential_skills,
            "optional_skills": detail.optional_skills,
            "transitions": detail.transitions,
            "labour_market": detail.labour_market,
        }


@blp.route("/skills")
class Skills(MethodView):
    @blp.arguments(SkillQuery, location="query", as_kwargs=True)
    @blp.response(200, SkillPageSchema)
    def get(self, **query: Any) -> browse.Page:
        """Skills by label text and kind, a page at a time"""
        return _answer(lambda: browse.list_skills(db_session(), **query))


@blp.route("/postcodes/<string:postcode>")
class Postcode(MethodView):
    @blp.response(200, PostcodeSchema)
    def get(self, postcode: str) -> dict:
        """The centroid of a postcode's district (full postcode or district: PR1 2HE, PR1)"""
        try:
            outcode = postcodes.outward_code(postcode)
            latitude, longitude = postcodes.resolve_postcode(db_session(), postcode)
        except postcodes.UnknownPostcodeDistrict as error:
            abort(404, errors={"path": {error.field: [error.reason]}}, message=error.reason)
        except postcodes.MalformedPostcode as error:
            abort(422, errors={"path": {error.field: [error.reason]}}, message=error.reason)
        return {
            "postcode": postcode,
            "outcode": outcode,
            "latitude": latitude,
            "longitude": longitude,
        }


def _answer(read: Any) -> Any:
    """Run a taxonomy read, turning its errors into problems that name the field."""
    try:
        return read()
    except CatalogueError as error:
        abort(404, errors={"path": {error.field: [error.reason]}}, message=error.reason)
    except browse.QueryError as error:
        abort(422, errors={"query": {error.field: [error.reason]}}, message=error.reason)
