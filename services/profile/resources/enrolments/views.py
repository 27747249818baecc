"""/providers/<id>/enrolments:bulk: providers' enrolment records, imported with their API key.

The key (`X-API-Key: rwk_...` or `Authorization: Bearer rwk_...`) is the provider's catalogue
key: the catalogue says whose it is (`GET /providers/me`, remembered here for a minute, see
`services/profile/catalogue_client.py`) and which course each of the provider's references
names. No or an unknown key is 401, another provider's key 403; if the catalogue cannot be
reached the import is 503 and nothing is stored.
"""

from __future__ import annotations

from typing import NoReturn

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import abort
from sqlalchemy.exc import IntegrityError

from services.profile import enrolment_files, enrolments
from services.profile.catalogue_client import (
    CatalogueClient,
    CatalogueRefused,
    CatalogueUnavailable,
    ProviderCourses,
)
from services.profile.resources.enrolments.schemas import (
    ROW_FIELDS_DESCRIPTION,
    ImportResultSchema,
)
from shared.events import utcnow
from shared.web import db_session
from shared.web.blueprint import Blueprint, bearer_token

blp = Blueprint(
    "enrolments",
    __name__,
    url_prefix="/providers",
    description="Providers' enrolment records, imported in bulk (provider API key required)",
)

CATALOGUE = "routeways.catalogue_client"
KEY_HEADER = {
    "in": "header",
    "name": "X-API-Key",
    "required": False,
    "schema": {"type": "string"},
    "description": "The provider's catalogue API key, rwk_... (or send it as a Bearer token)",
}
UPLOAD_BODY = {
    "required": True,
    "description": ROW_FIELDS_DESCRIPTION,
    "content": {kind: {"schema": {"type": "string"}} for kind in enrolment_files.UPLOAD_TYPES},
}
#: Catalogue keys are 50 characters; anything far longer is not a key and is not passed on.
MAX_KEY_LENGTH = 200
UNAUTHORISED_HEADERS = {"WWW-Authenticate": 'ApiKey header="X-API-Key"'}


@blp.route("/<int:provider_id>/enrolments:bulk")
class EnrolmentImport(MethodView):
    @blp.doc(parameters=[KEY_HEADER], requestBody=UPLOAD_BODY)
    @blp.response(200, ImportResultSchema)
    @blp.alt_response(401, response="UNAUTHORIZED")
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(413, description="More than 10,000 rows")
    @blp.alt_response(415, description="Not CSV, JSON lines or JSON")
    @blp.alt_response(422, description="The body cannot be read as rows; the line is named")
    @blp.alt_response(409, description="Another import was storing the same records; send again")
    @blp.alt_response(429, description="The catalogue is rate-limiting this key; see Retry-After")
    @blp.alt_response(503, description="The catalogue could not be asked; nothing was stored")
    def post(self, provider_id: int) -> dict:
        """Import up to 10,000 enrolment records (CSV, JSON lines or a JSON array); a result per row

        Good rows are recorded (source `provider-import`, each announced as
        `profile.interaction.recorded`) even when others are rejected; a row sent again under
        the same `client_ref` is `already-recorded`, and one naming no registered learner
        `unmatched-learner`.
        """
        key = _presented_key()
        catalogue = _catalogue()
        _authorise(catalogue, key, provider_id)
        rows = _rows()
        courses = catalogue.provider_courses(provider_id, key)
        return _import(provider_id, rows, courses)


def _catalogue() -> CatalogueClient:
    """The process's catalogue client (its key cache lives as long as the app)."""
    client = current_app.extensions.get(CATALOGUE)
    if client is None:
        settings = current_app.extensions["routeways.settings"]
        client = current_app.extensions[CATALOGUE] = CatalogueClient(settings.catalogue_url)
    return client


def _presented_key() -> str:
    """The API key the request carries (X-API-Key, else a Bearer token), or "" without one."""
    return request.headers.get("X-API-Key", "").strip() or bearer_token(request.headers)


def _authorise(catalogue: CatalogueClient, key: str, provider_id: int) -> None:
    if not key or len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        abort(401, message="send your API key in the X-API-Key header",
              headers=UNAUTHORISED_HEADERS)  # fmt: skip
    try:
        owner = catalogue.key_owner(key)
    except (CatalogueUnavailable, CatalogueRefused) as error:
        _catalogue_failed(error)
    if owner is None:
        abort(401, message="this API key is unknown or revoked", headers=UNAUTHORISED_HEADERS)
    if owner.provider_id != provider_id:
        abort(403, message="this key belongs to another provider")


def _rows() -> list[enrolment_files.UploadRow]:
    content_type = (request.mimetype or "").lower()
    if content_type not in enrolment_files.UPLOAD_TYPES:
        abort(415, message=f"send one of: {', '.join(enrolment_files.UPLOAD_TYPES)}")
    try:
        return enrolment_files.read_upload(request.get_data(cache=False), content_type)
    except enrolment_files.TooManyRows as error:
        abort(413, errors={"body": {"rows": [str(error)]}})
    except enrolment_files.UnreadableUpload as error:
        abort(422, message=str(error), errors={"body": {f"line {error.line}": [error.reason]}})


def _conflict() -> NoReturn:
    abort(409, message="another import was recording the same records; send this one again")


def _import(
    provider_id: int, rows: list[enrolment_files.UploadRow], courses: ProviderCourses
) -> dict:
    """Import in the request's transaction; an import racing this one with the same client refs
    makes the insert fail, and the second try finds them recorded."""
    session = db_session()
    for _attempt in range(2):
        try:
            result = enrolments.import_enrolments(session, provider_id, rows, courses, utcnow())
            session.commit()
        except IntegrityError:
            session.rollback()
            continue
        except (CatalogueUnavailable, CatalogueRefused) as error:
            session.rollback()
            _catalogue_failed(error)
        return {"counts": result.counts, "rows": result.rows}
    _conflict()


def _catalogue_failed(error: Exception) -> NoReturn:
    if isinstance(error, CatalogueRefused):
        if error.status == 429:
            headers = {"Retry-After": error.retry_after or "60"}
            abort(429, message=error.message, headers=headers)
        if error.status == 401:
            abort(401, message=error.message, headers=UNAUTHORISED_HEADERS)
        abort(403, message=error.message)
    current_app.logger.warning("catalogue unavailable for an enrolment import: %s", error)
    abort(
        503,
        message="the catalogue cannot be asked about your key and courses now; nothing was "
        "stored, send the batch again in a minute",
        headers={"Retry-After": "30"},
    )
