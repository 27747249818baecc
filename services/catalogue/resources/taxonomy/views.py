"""/occupations, /skills, /postcodes, /taxonomy/codes and /taxonomy/export: the region's
taxonomy, read-only.

Every 4xx is a problem naming its field: a bad query parameter is 422 (location "query"), an
unknown occupation or postcode district 404 and a malformed postcode 422 (location "path").
"""

from __future__ import annotations

from typing import Any

from flask import Response, request
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
    TaxonomyCodesSchema,
    TaxonomyExportSchema,
)
from services.catalogue.taxonomy import browse
from services.catalogue.taxonomy.codes import taxonomy_codes
from services.catalogue.taxonomy.export import taxonomy_export
from services.catalogue.taxonomy.release import current_version
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


@blp.route("/taxonomy/codes")
class TaxonomyCodes(MethodView):
    @blp.response(200, TaxonomyCodesSchema)
    @blp.alt_response(304, description="Not Modified: If-None-Match names the current version")
    def get(self) -> Any:
        """Every code of the current taxonomy in one document, tagged with its version

        The ETag is the version, so a service that cached a version asks again with
        `If-None-Match: "<version>"` and gets 304 without the codes until a new one is imported.
        """
        session = db_session()
        version = current_version(session)
        if version is not None and request.if_none_match.contains_weak(version):
            return Response(status=304, headers=_version_headers(version))
        codes = taxonomy_codes(session)
        return codes, 200, _version_headers(codes["version"])


@blp.route("/taxonomy/export")
class TaxonomyExport(MethodView):
    @blp.response(200, TaxonomyExportSchema)
    @blp.alt_response(304, description="Not Modified: If-None-Match names the current version")
    def get(self) -> Any:
        """The whole current taxonomy in one document, for services keeping their own copy

        Every occupation with its skills, transitions and labour market per area, and the areas'
        pins. The ETag is the version: ask with `If-None-Match: "<version>"` to get 304 until a
        new taxonomy is imported.
        """
        session = db_session()
        version = current_version(session)
        if version is not None and request.if_none_match.contains_weak(version):
            return Response(status=304, headers=_version_headers(version))
        document = taxonomy_export(session)
        return document, 200, _version_headers(document["version"])


def _version_headers(version: str | None) -> dict[str, str]:
    """ETag of the taxonomy version (none before the first import); caches must revalidate."""
    headers = {"Cache-Control": "no-cache"}
    if version is not None:
        headers["ETag"] = f'"{version}"'
    return headers


def _answer(read: Any) -> Any:
    """Run a taxonomy read, turning its errors into problems that name the field."""
    try:
        return read()
    except CatalogueError as error:
        abort(404, errors={"path": {error.field: [error.reason]}}, message=error.reason)
    except browse.QueryError as error:
        abort(422, errors={"query": {error.field: [error.reason]}}, message=error.reason)
